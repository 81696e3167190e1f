"""Operators: who is calling (a user or an API key), and where API keys are kept."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeAlias
from uuid import UUID

from referrals.domain.api_keys import ApiKey, Scope


@dataclass(frozen=True, slots=True)
class UserCaller:
    """A user, by a valid access token: never an operator, whatever the route."""

    user_id: UUID


@dataclass(frozen=True, slots=True)
class KeyCaller:
    """An API key in force, with the scopes it was given."""

    key_id: UUID
    scopes: frozenset[Scope]

    def has(self, scope: Scope) -> bool:
        return scope in self.scopes


Caller: TypeAlias = UserCaller | KeyCaller


class ApiKeyRepository(Protocol):
    """Keys inside a write transaction; creating and revoking record their events."""

    async def add(self, key: ApiKey) -> None:
        """Raises ``ApiKeyNameTaken`` when a key in force already has the name."""
        ...

    async def get(self, key_id: UUID) -> ApiKey | None: ...

    async def in_force_by_name(self, name: str) -> ApiKey | None: ...

    async def revoke(self, key: ApiKey, at: datetime) -> bool:
        """Revoke the key; False if it was revoked already (by someone else, perhaps at the same moment)."""
        ...

    async def all(self) -> Sequence[ApiKey]:
        """Every key, revoked ones included, oldest first."""
        ...


class ApiKeyQueries(Protocol):
    async def in_force_by_digest(self, digest: str) -> KeyCaller | None:
        """A committed read: the key whose digest this is, unless it is unknown or revoked."""
        ...


class ApiKeyUsage(Protocol):
    async def record(self, last_used: Mapping[UUID, datetime]) -> None:
        """Store when each key was last used; a later time already stored is kept."""
        ...


class SessionRevocations(Protocol):
    async def revoke_all_of(self, user_id: UUID, at: datetime) -> int:
        """Inside a write transaction: revoke every refresh token of the user still in force; how many were.

        A refresh that rotated one of them while this ran must not leave its new token in force.
        """
        ...
