"""Operator API keys: high-entropy secrets handed out once, stored only as digests, each with its scopes.

A key is ``rk_`` followed by 32 random bytes in URL-safe base64; the prefix tells a key from a user's JWT at a
glance (and to secret scanners). Names are for people: unique among the keys still in force, so an operator
can revoke one by name; a revoked key's name may be given to a new one.
"""

import enum
import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from referrals.domain.errors import DomainError
from referrals.domain.events import DomainEvent, EventType

API_KEY_PREFIX = "rk_"
API_KEY_SECRET_BYTES = 32
MAX_KEY_NAME_LENGTH = 64


class Scope(enum.StrEnum):
    """What an operator key may do; a route names the one scope it needs."""

    EVENTS_WRITE = "events:write"
    REFERRALS_READ = "referrals:read"
    REFERRALS_WRITE = "referrals:write"
    PROGRAM_WRITE = "program:write"
    WEBHOOKS_MANAGE = "webhooks:manage"


class InvalidApiKeyName(DomainError):
    code = "invalid-api-key-name"
    default_message = f"An API key's name must be 1 to {MAX_KEY_NAME_LENGTH} printable characters."


class ApiKeyScopesRequired(DomainError):
    code = "api-key-scopes-required"
    default_message = "An API key needs at least one scope."


class ApiKeyNameTaken(DomainError):
    code = "api-key-name-taken"
    default_message = "An API key in force already has this name; revoke it or choose another."


class ApiKeyNotFound(DomainError):
    code = "api-key-not-found"
    default_message = "No API key in force has this id or name."


def new_api_key() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(API_KEY_SECRET_BYTES)


def is_api_key(credential: str) -> bool:
    """Whether a bearer credential is meant as an API key (and not a user's access token)."""
    return credential.startswith(API_KEY_PREFIX)


def api_key_digest(key: str) -> str:
    # A fast hash suffices: the key has 256 bits of entropy, so there is nothing to brute-force.
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def checked_key_name(name: str) -> str:
    """The name without surrounding blanks; refused when empty, too long or holding control characters."""
    name = name.strip()
    if not 1 <= len(name) <= MAX_KEY_NAME_LENGTH:
        raise InvalidApiKeyName
    if any(unicodedata.category(character).startswith("C") for character in name):
        raise InvalidApiKeyName
    return name


def checked_scopes(scopes: frozenset[Scope]) -> frozenset[Scope]:
    if not scopes:
        raise ApiKeyScopesRequired
    return scopes


def encode_scopes(scopes: frozenset[Scope]) -> str:
    """Space-separated and sorted, as OAuth 2.0 writes a scope list (RFC 6749 §3.3)."""
    return " ".join(sorted(scopes))


def decode_scopes(stored: str) -> frozenset[Scope]:
    # A scope this version no longer knows grants nothing, rather than failing every request of the key.
    known = {scope.value for scope in Scope}
    return frozenset(Scope(item) for item in stored.split() if item in known)


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: UUID
    name: str
    scopes: frozenset[Scope]
    digest: str
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


def api_key_event(key: ApiKey, event_type: EventType, at: datetime) -> DomainEvent:
    """What creating or revoking a key tells the event feed: the key as a listing shows it, never its secret."""
    return DomainEvent(
        type=event_type,
        occurred_at=at,
        subject_id=key.id,
        data={
            "id": key.id,
            "name": key.name,
            "scopes": sorted(key.scopes),
            "created_at": key.created_at,
            "last_used_at": key.last_used_at,
            "revoked_at": at if event_type is EventType.API_KEY_REVOKED else key.revoked_at,
        },
    )
