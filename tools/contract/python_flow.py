"""The whole flow through the client openapi-python-client generates from the live document.

`mypy --strict` (with no expression of type Any allowed) checks it against the generated package before it runs:
every answer is narrowed by `isinstance` to the model the document names, never cast. The only Any is the
generator's type for an answer without a body (204), ignored where it appears.
"""

import sys
import time
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from referrals_client import AuthenticatedClient, Client
from referrals_client.api.auth import log_in, log_out, refresh_session, register
from referrals_client.api.referral_codes import create_referral_code, delete_referral_code, find_referral_code
from referrals_client.api.referrals import list_referrals, register_with_referral
from referrals_client.api.users import get_current_user
from referrals_client.models import (
    ActiveCodeResponse,
    CreateCodeRequest,
    CreatedCodeResponse,
    MeResponse,
    PasswordGrant,
    Problem,
    ReferralPageResponse,
    RefreshRequest,
    RegisterRequest,
    RegisterWithReferralRequest,
    TokenErrorProblem,
    TokenResponse,
    UserResponse,
)

PASSWORD = "correct horse battery"
Answer = TypeVar("Answer")


def expect(answer: object, kind: type[Answer], what: str) -> Answer:
    if not isinstance(answer, kind):
        msg = f"{what}: expected {kind.__name__}, got {answer!r}"
        raise AssertionError(msg)  # noqa: TRY004 - a failed check, not a caller's type error
    return answer


def check(condition: bool, what: str) -> None:
    if not condition:
        raise AssertionError(what)


def main(base_url: str) -> None:
    run = f"{time.time_ns():x}"
    anonymous = Client(base_url=base_url, raise_on_unexpected_status=True)
    referrer_email = f"py-referrer-{run}@example.com"

    referrer = expect(
        register.sync(client=anonymous, body=RegisterRequest(email=referrer_email, password=PASSWORD)),
        UserResponse,
        "register",
    )
    check(referrer.referrer_id is None, "a new user has no referrer")

    grant = PasswordGrant(grant_type="password", username=referrer_email, password=PASSWORD)
    tokens = expect(log_in.sync(client=anonymous, body=grant), TokenResponse, "log in")
    check(tokens.expires_in > 0, "an access token lives a while")
    caller = AuthenticatedClient(base_url=base_url, token=tokens.access_token, raise_on_unexpected_status=True)

    me = expect(get_current_user.sync(client=caller), MeResponse, "/users/me")
    check(me.id == referrer.id, "/users/me is the caller")

    expiry = datetime.now(UTC) + timedelta(days=7)
    created = expect(
        create_referral_code.sync(client=caller, body=CreateCodeRequest(expires_at=expiry)),
        CreatedCodeResponse,
        "create a code",
    )
    found = expect(find_referral_code.sync(referrer_email, client=anonymous), ActiveCodeResponse, "look it up")
    check(found.code == created.code, "the lookup finds the code")

    friend_email = f"py-friend-{run}@example.com"
    friend = expect(
        register_with_referral.sync(
            client=anonymous,
            body=RegisterWithReferralRequest(email=friend_email, password=PASSWORD, referral_code=created.code),
        ),
        UserResponse,
        "register with the code",
    )
    check(friend.referrer_id == referrer.id, "the friend is the referrer's referral")

    page = expect(list_referrals.sync(referrer.id, client=caller, limit=10), ReferralPageResponse, "list")
    check([item.email for item in page.items] == [friend_email], "the list holds the friend")

    rotated = expect(
        refresh_session.sync(client=anonymous, body=RefreshRequest(refresh_token=tokens.refresh_token)),
        TokenResponse,
        "refresh",
    )
    check(rotated.refresh_token != tokens.refresh_token, "refresh rotates the refresh token")
    caller = AuthenticatedClient(base_url=base_url, token=rotated.access_token, raise_on_unexpected_status=True)

    # openapi-python-client types an answer without a body (204) as Any: the one Any here, and it carries no data.
    deleted = delete_referral_code.sync_detailed(client=caller)  # type: ignore[misc]
    check(deleted.status_code == 204, "the code is deleted")  # type: ignore[misc]
    gone = expect(find_referral_code.sync(referrer_email, client=anonymous), Problem, "look up a deleted code")
    check((gone.status, gone.code) == (404, "no-active-code"), "a deleted code is a 404 problem")

    taken = expect(
        register.sync(client=anonymous, body=RegisterRequest(email=referrer_email, password=PASSWORD)),
        Problem,
        "register a taken email",
    )
    check((taken.status, taken.code) == (409, "email-taken"), "a taken email is a 409 problem")

    wrong = PasswordGrant(grant_type="password", username=referrer_email, password="not it!!")
    refused = expect(log_in.sync(client=anonymous, body=wrong), TokenErrorProblem, "log in with a wrong password")
    check((refused.status, refused.error) == (400, "invalid_grant"), "a wrong password is invalid_grant")

    logged_out = log_out.sync_detailed(client=caller, body=RefreshRequest(refresh_token=rotated.refresh_token))  # type: ignore[misc]
    check(logged_out.status_code == 204, "log out")  # type: ignore[misc]
    print("python flow: ok")


if __name__ == "__main__":
    main(sys.argv[1])
