"""Accounts and sessions: who users are, how they prove it, what other services say of them."""

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from referrals.domain.referral import ReferralFlag
from referrals.domain.refresh_token import RefreshToken
from referrals.domain.user import EnrichedProfile, Profile, User


class PasswordHasher(Protocol):
    async def hash(self, password: str) -> str: ...

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """False for a wrong password. With no hash, spends the time of a real check and returns False."""
        ...

    def needs_rehash(self, password_hash: str) -> bool: ...


@dataclass(frozen=True, slots=True)
class IssuedAccessToken:
    token: str
    expires_in: int


class AccessTokens(Protocol):
    def issue(self, user_id: UUID, now: datetime) -> IssuedAccessToken: ...

    def verify(self, token: str) -> UUID:
        """The user the token was issued to; raises ``InvalidAccessToken`` for anything else."""
        ...


class UserRepository(Protocol):
    async def add(self, user: User, referral_flags: Sequence[ReferralFlag] = ()) -> None:
        """Store the account, and its referral when it has a referrer: flagged for review when ``referral_flags``
        name any signal, pending otherwise. Raises ``EmailTaken`` when the canonical email already has an account.
        """
        ...

    async def get(self, user_id: UUID) -> User | None: ...

    async def email_exists(self, email: str) -> bool:
        """Inside a write transaction: whether the canonical email has an account, as the write will see it."""
        ...

    async def set_password_hash(self, user_id: UUID, password_hash: str) -> None: ...

    async def set_profile(self, user_id: UUID, profile: EnrichedProfile) -> None: ...


class UserQueries(Protocol):
    """Committed accounts, read outside any unit of work: nothing is held while a use case goes on to slow
    work (hashing a password, asking another service) after reading."""

    async def by_id(self, user_id: UUID) -> User | None: ...

    async def by_email(self, email: str) -> User | None: ...


class RefreshTokenRepository(Protocol):
    async def add(self, token: RefreshToken) -> None: ...

    async def by_digest(self, digest: str) -> RefreshToken | None: ...

    async def spend(self, token_id: UUID, at: datetime) -> bool:
        """Mark the token used; False if it was already used or revoked (someone else got there first)."""
        ...

    async def revoke_family(self, family_id: UUID, at: datetime) -> None: ...

    async def purge_expired(self, now: datetime, limit: int) -> int:
        """Delete up to ``limit`` tokens whose expiry is at or before ``now``, used, revoked or not; how many.

        A token within its lifetime stays, spent or not: presenting it again must still be seen as a replay.
        """
        ...


class EmailVerdict(enum.StrEnum):
    """What a verifier says of an address (Hunter's vocabulary, which other verifiers map onto)."""

    VALID = "valid"
    INVALID = "invalid"
    ACCEPT_ALL = "accept_all"
    WEBMAIL = "webmail"
    DISPOSABLE = "disposable"
    UNKNOWN = "unknown"


class EmailVerifier(Protocol):
    async def verify(self, email: str) -> EmailVerdict:
        """Raises ``ProviderUnavailable`` when no verdict can be had."""
        ...


class ProfileEnricher(Protocol):
    @property
    def source(self) -> str:
        """Which provider the profiles come from, stored beside them."""
        ...

    async def enrich(self, email: str) -> Profile | None:
        """None when the provider knows nobody by that email (or not yet); ``ProviderUnavailable`` on failure."""
        ...
