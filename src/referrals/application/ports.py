"""What the use cases need from the outside world, named by role. Adapters implement these."""

import enum
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from referrals.domain.referral_code import CodeState, ReferralCode
from referrals.domain.refresh_token import RefreshToken
from referrals.domain.user import EnrichedProfile, Profile, User


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        ...


class DatabaseProbe(Protocol):
    async def is_reachable(self) -> bool: ...


class TransactionManager(Protocol):
    def write(self) -> AbstractAsyncContextManager[None]:
        """A write transaction: committed when the block ends, rolled back if it raises.

        Writers queue for the write lock on backends that have a single one, rather than failing.
        """
        ...


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
    async def add(self, user: User) -> None:
        """Raises ``EmailTaken`` when the canonical email already has an account."""
        ...

    async def get(self, user_id: UUID) -> User | None: ...

    async def email_exists(self, email: str) -> bool:
        """Inside a write transaction: whether the canonical email has an account, as the write will see it."""
        ...

    async def set_password_hash(self, user_id: UUID, password_hash: str) -> None: ...

    async def set_profile(self, user_id: UUID, profile: EnrichedProfile) -> None: ...


@dataclass(frozen=True, slots=True)
class Referral:
    id: UUID
    email: str
    created_at: datetime


class UserQueries(Protocol):
    """Committed accounts, read outside any unit of work: nothing is held while a use case goes on to slow
    work (hashing a password, asking another service) after reading."""

    async def by_id(self, user_id: UUID) -> User | None: ...

    async def by_email(self, email: str) -> User | None: ...


class ReferralQueries(Protocol):
    async def referrals_of(self, referrer_id: UUID, limit: int, offset: int) -> tuple[Sequence[Referral], int]:
        """One page of the referrer's referrals, newest first, and how many there are in all."""
        ...


@dataclass(frozen=True, slots=True)
class LiveCode:
    """What a lookup by email answers, and what the cache holds."""

    code: str
    expires_at: datetime


class ReferralCodeRepository(Protocol):
    async def add(self, code: ReferralCode) -> None:
        """Raises ``ActiveCodeExists`` if the owner already has one, ``CodeCollision`` if the code is taken."""
        ...

    async def stored_active_of(self, owner_id: UUID) -> ReferralCode | None:
        """The owner's code stored as active, expired or not."""
        ...

    async def end(self, code_id: UUID, state: CodeState, at: datetime) -> None:
        """Move an active code to a final state."""
        ...

    async def live_by_code(self, code: str, now: datetime) -> ReferralCode | None:
        """The live code with this spelling, locked against deletion until the transaction ends."""
        ...


class LiveCodeQueries(Protocol):
    """The read side of lookups by email and of code checks: committed data only, outside any unit of work."""

    async def live_by_owner_email(self, email: str, now: datetime) -> LiveCode | None: ...

    async def is_live(self, code: str, now: datetime) -> bool:
        """Whether a live code has this spelling; committed data, nothing locked or held afterwards."""
        ...


class RefreshTokenRepository(Protocol):
    async def add(self, token: RefreshToken) -> None: ...

    async def by_digest(self, digest: str) -> RefreshToken | None: ...

    async def spend(self, token_id: UUID, at: datetime) -> bool:
        """Mark the token used; False if it was already used or revoked (someone else got there first)."""
        ...

    async def revoke_family(self, family_id: UUID, at: datetime) -> None: ...


@dataclass(frozen=True, slots=True)
class CacheMiss:
    """Proof of when the miss happened: a value read afterwards may be stored only if nothing was invalidated since."""

    generation: int


class CodeCache(Protocol):
    """Live codes by canonical owner email. An optimisation only: every method must tolerate failure silently."""

    async def get(self, email: str) -> LiveCode | CacheMiss: ...

    async def put(self, email: str, code: LiveCode, miss: CacheMiss, ttl_seconds: float) -> None:
        """Store ``code`` unless ``email`` was invalidated after ``miss`` was taken."""
        ...

    async def invalidate(self, email: str) -> None: ...

    async def is_healthy(self) -> bool:
        """Whether the cache answers; a cache that does not only costs speed."""
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


@dataclass(frozen=True, slots=True)
class Rate:
    """``limit`` attempts at once, then one more every ``period / limit`` seconds; a limit of 0 means no limit."""

    limit: int
    period_seconds: float

    @property
    def enabled(self) -> bool:
        return self.limit > 0


class RateLimiter(Protocol):
    """Attempt budgets by key, shared by every process that shares the limiter's store."""

    async def acquire(self, key: str, rate: Rate) -> float:
        """Take one attempt from the key's budget: 0 when taken, else the seconds until one is free (none taken).

        Atomic: of N concurrent calls on a fresh key, exactly ``rate.limit`` succeed.
        """
        ...

    async def release(self, key: str, rate: Rate) -> None:
        """Give back one attempt taken by ``acquire``."""
        ...
