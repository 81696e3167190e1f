import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from referrals.application import errors as application_errors
from referrals.domain import errors as domain_errors
from referrals.domain.errors import DomainError
from referrals.domain.ids import new_id
from referrals.domain.refresh_token import RefreshToken, new_refresh_secret, refresh_digest

NOW = datetime(2026, 11, 22, tzinfo=UTC)


def token(**fields: object) -> RefreshToken:
    values: dict[str, object] = {
        "id": new_id(),
        "user_id": new_id(),
        "family_id": new_id(),
        "digest": "d",
        "issued_at": NOW,
        "expires_at": NOW + timedelta(days=1),
    }
    values.update(fields)
    return RefreshToken(**values)  # type: ignore[arg-type]


def test_secrets_are_long_random_and_url_safe() -> None:
    secrets = {new_refresh_secret() for _ in range(1000)}

    assert len(secrets) == 1000
    assert all(len(secret) >= 43 and secret.replace("-", "").replace("_", "").isalnum() for secret in secrets)


def test_the_digest_is_the_sha256_of_the_secret() -> None:
    assert refresh_digest("abc") == hashlib.sha256(b"abc").hexdigest()
    assert refresh_digest("abc") != refresh_digest("abd")


def test_a_token_is_spent_once_used_or_revoked() -> None:
    assert not token().is_spent()
    assert token(used_at=NOW).is_spent()
    assert token(revoked_at=NOW).is_spent()


def test_a_token_expires_at_its_instant() -> None:
    live = token(expires_at=NOW)

    assert not live.is_expired(NOW - timedelta(microseconds=1))
    assert live.is_expired(NOW)


def every_error() -> list[type[DomainError]]:
    modules = (domain_errors, application_errors)
    found = {
        value
        for module in modules
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, DomainError) and value is not DomainError
    }
    return sorted(found, key=lambda error: error.__name__)


def test_every_error_has_its_own_stable_code() -> None:
    codes = [error.code for error in every_error()]

    assert len(codes) >= 14
    assert all(code and code == code.lower() and " " not in code for code in codes)
    assert len(set(codes)) == len(codes)


@pytest.mark.parametrize("error", every_error(), ids=lambda error: error.__name__)
def test_every_error_has_a_default_message(error: type[DomainError]) -> None:
    assert error().message
