"""API keys: their form, their names, their scopes, and what their events say (never the secret)."""

from datetime import UTC, datetime

import pytest

from referrals.domain.api_keys import (
    ApiKey,
    ApiKeyScopesRequired,
    InvalidApiKeyName,
    Scope,
    api_key_digest,
    api_key_event,
    checked_key_name,
    checked_scopes,
    decode_scopes,
    encode_scopes,
    is_api_key,
    new_api_key,
)
from referrals.domain.events import EventType
from referrals.domain.ids import new_id

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def test_a_key_is_the_prefix_and_at_least_32_random_bytes() -> None:
    key = new_api_key()

    assert key.startswith("rk_")
    assert len(key) - 3 >= 43  # 32 bytes in unpadded URL-safe base64
    assert is_api_key(key)
    assert new_api_key() != key
    assert not is_api_key("eyJhbGciOiJIUzI1NiJ9.e30.x")


def test_the_digest_is_sha256_hex() -> None:
    digest = api_key_digest("rk_abc")

    assert len(digest) == 64
    assert digest == api_key_digest("rk_abc")
    assert digest != api_key_digest("rk_abd")


@pytest.mark.parametrize("name", ["a", "  reporting  ", "x" * 64, "nightly export ünd 日本"])
def test_names_of_1_to_64_printable_characters(name: str) -> None:
    assert checked_key_name(name) == name.strip()


@pytest.mark.parametrize("name", ["", "   ", "x" * 65, "tab\there", "new\nline", "nul\x00", "bidi\u202e"])
def test_other_names_are_refused(name: str) -> None:
    with pytest.raises(InvalidApiKeyName):
        checked_key_name(name)


def test_a_key_needs_a_scope() -> None:
    with pytest.raises(ApiKeyScopesRequired):
        checked_scopes(frozenset())
    assert checked_scopes(frozenset({Scope.EVENTS_WRITE})) == {Scope.EVENTS_WRITE}


def test_scopes_are_stored_sorted_and_unknown_ones_grant_nothing() -> None:
    stored = encode_scopes(frozenset({Scope.WEBHOOKS_MANAGE, Scope.EVENTS_WRITE}))

    assert stored == "events:write webhooks:manage"
    assert decode_scopes(stored) == {Scope.WEBHOOKS_MANAGE, Scope.EVENTS_WRITE}
    assert decode_scopes("referrals:read admin:everything") == {Scope.REFERRALS_READ}


def test_the_scope_values_are_the_published_ones() -> None:
    assert {scope.value for scope in Scope} == {
        "events:write",
        "referrals:read",
        "referrals:write",
        "program:write",
        "webhooks:manage",
    }


@pytest.mark.parametrize("event_type", [EventType.API_KEY_CREATED, EventType.API_KEY_REVOKED])
def test_events_show_the_key_as_listed_without_its_secret(event_type: EventType) -> None:
    secret = new_api_key()
    key = ApiKey(
        id=new_id(), name="ops", scopes=frozenset({Scope.REFERRALS_READ}), digest=api_key_digest(secret), created_at=NOW
    )

    event = api_key_event(key, event_type, NOW)

    assert event.type is event_type
    assert event.subject_id == key.id
    assert set(event.data) == {"id", "name", "scopes", "created_at", "last_used_at", "revoked_at"}
    assert event.data["scopes"] == ["referrals:read"]
    assert event.data["revoked_at"] == (NOW if event_type is EventType.API_KEY_REVOKED else None)
    assert secret not in repr(event.data)
    assert key.digest not in repr(event.data)
