"""Log in and refresh as an OAuth 2.0 library does (requests-oauthlib's password-grant client), and see the
errors it codes for: `InvalidGrantError` for a wrong password and for a replayed refresh token."""

import os
import sys
import time

import requests
from oauthlib.oauth2 import InvalidGrantError, LegacyApplicationClient
from requests_oauthlib import OAuth2Session

PASSWORD = "correct horse battery"
CLIENT_ID = "contract-check"


def expect_invalid_grant(
    attempt_name: str, session: OAuth2Session, token_url: str, username: str, password: str
) -> None:
    try:
        session.fetch_token(token_url=token_url, username=username, password=password, include_client_id=True)
    except InvalidGrantError as refused:
        print(f"oauth flow: {attempt_name}: InvalidGrantError ({refused.description})")
        return
    msg = f"{attempt_name}: no InvalidGrantError"
    raise AssertionError(msg)


def main(base_url: str) -> None:
    # oauthlib refuses plain HTTP unless told otherwise; the server under test is on loopback.
    os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"
    token_url = f"{base_url}/auth/login"
    email = f"oauth-{time.time_ns():x}@example.com"
    requests.post(
        f"{base_url}/auth/register", json={"email": email, "password": PASSWORD}, timeout=10
    ).raise_for_status()

    session = OAuth2Session(client=LegacyApplicationClient(client_id=CLIENT_ID))
    first = session.fetch_token(token_url=token_url, username=email, password=PASSWORD, include_client_id=True)
    me = session.get(f"{base_url}/users/me", timeout=10)
    me.raise_for_status()
    if me.json()["email"] != email:
        msg = "the token is not the user's"
        raise AssertionError(msg)

    rotated = session.refresh_token(token_url, refresh_token=first["refresh_token"], client_id=CLIENT_ID)
    if rotated["refresh_token"] == first["refresh_token"]:
        msg = "the refresh token did not rotate"
        raise AssertionError(msg)

    stranger = OAuth2Session(client=LegacyApplicationClient(client_id=CLIENT_ID))
    expect_invalid_grant("wrong password", stranger, token_url=token_url, username=email, password="not the password")
    try:
        session.refresh_token(token_url, refresh_token=first["refresh_token"], client_id=CLIENT_ID)
    except InvalidGrantError as refused:
        print(f"oauth flow: replayed refresh token: InvalidGrantError ({refused.description})")
    else:
        msg = "replayed refresh token: no InvalidGrantError"
        raise AssertionError(msg)
    print("oauth flow: ok")


if __name__ == "__main__":
    main(sys.argv[1])
