import hashlib
import importlib
import pkgutil
import re
from datetime import UTC, datetime, timedelta

import pytest

import referrals.application
import referrals.domain
from referrals.application.errors import ApplicationError
from referrals.domain.errors import DomainError
from referrals.domain.ids import new_id
from referrals.domain.refresh_token import REFRESH_SECRET_BYTES, RefreshToken, new_refresh_secret, refresh_digest

NOW = datetime(2026, 11, 22, tzinfo=UTC)
URL_SAFE = re.compile(r"[A-Za-z0-9_-]+")


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
    return RefreshToken(**values)  # type: ignore[arg-type]  # overrides are any field


def test_secrets_are_long_random_and_url_safe() -> None:
    secrets = [new_refresh_secret() for _ in range(1000)]

    assert REFRESH_SECRET_BYTES >= 32
    assert len(set(secrets)) == 1000
    assert all(len(secret) >= 43 for secret in secrets)  # 32 bytes in unpadded base64url
    assert all(URL_SAFE.fullmatch(secret) for secret in secrets)
    # Random, not merely distinct: no shared prefix beyond what chance allows.
    assert len({secret[:4] for secret in secrets}) > 990


@pytest.mark.parametrize("secret", ["abc", "", "Luu-sDLsOyVsZSM_XkbQScYx0fF1gYJ5sbX2V25Ev2A", "pässwörd-🔑"])
def test_the_digest_is_the_sha256_hex_of_the_secret(secret: str) -> None:
    digest = refresh_digest(secret)

    assert digest == hashlib.sha256(secret.encode()).hexdigest()
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert refresh_digest(secret) == digest  # deterministic


def test_different_secrets_have_different_digests() -> None:
    assert refresh_digest("abc") != refresh_digest("abd")
    assert refresh_digest("abc") != refresh_digest("abc ")


def test_a_secret_that_is_not_valid_unicode_still_digests() -> None:
    # Anything a client sends must reach the lookup (and miss), never crash the digest.
    assert re.fullmatch(r"[0-9a-f]{64}", refresh_digest("\ud800"))


def test_a_token_is_spent_once_used_or_revoked() -> None:
    assert not token().is_spent()
    assert token(used_at=NOW).is_spent()
    assert token(revoked_at=NOW).is_spent()
    assert token(used_at=NOW, revoked_at=NOW).is_spent()


def test_a_token_expires_at_its_instant() -> None:
    live = token(expires_at=NOW)

    assert not live.is_expired(NOW - timedelta(days=1))
    assert not live.is_expired(NOW - timedelta(microseconds=1))
    assert live.is_expired(NOW)
    assert live.is_expired(NOW + timedelta(microseconds=1))


def test_expiry_and_spending_are_independent() -> None:
    assert not token(used_at=NOW).is_expired(NOW)
    assert not token(expires_at=NOW).is_spent()


def every_error() -> list[type[DomainError | ApplicationError]]:
    """Every refusal the package defines, domain or application, wherever it lives (modules imported first)."""
    for package in (referrals.domain, referrals.application):
        for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            importlib.import_module(module.name)
    found: set[type[DomainError | ApplicationError]] = set()
    pending: list[type[DomainError | ApplicationError]] = [DomainError, ApplicationError]
    while pending:
        for subclass in pending.pop().__subclasses__():
            if subclass.__module__.startswith("referrals.") and subclass not in found:
                found.add(subclass)
                pending.append(subclass)
    return sorted(found, key=lambda error: error.__name__)


def test_every_error_has_its_own_stable_code() -> None:
    errors = every_error()
    codes = [error.code for error in errors]

    assert len(errors) >= 14
    assert all(code and code == code.strip().lower() and " " not in code for code in codes)
    assert len(set(codes)) == len(codes), sorted(codes)
    assert DomainError.code not in codes
    assert ApplicationError.code not in codes


@pytest.mark.parametrize("error", every_error(), ids=lambda error: error.__name__)
def test_every_error_has_a_message_and_accepts_a_specific_one(error: type[DomainError | ApplicationError]) -> None:
    assert error().message
    assert error("specific words").message == "specific words"
    assert str(error("specific words")) == "specific words"
