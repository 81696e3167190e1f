"""In-memory fakes of the ports: honest implementations, with the same refusals as the real adapters."""

import copy
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from uuid import UUID

from referrals.application.errors import CodeCollision, InvalidAccessToken
from referrals.application.ports import (
    AccessTokens,
    CacheMiss,
    Clock,
    CodeCache,
    IssuedAccessToken,
    LiveCode,
    PasswordHasher,
    Referral,
    ReferralCodeRepository,
    ReferralQueries,
    RefreshTokenRepository,
    TransactionManager,
    UserRepository,
)
from referrals.domain.errors import ActiveCodeExists, EmailTaken
from referrals.domain.referral_code import CodeState, ReferralCode
from referrals.domain.refresh_token import RefreshToken
from referrals.domain.user import User


@dataclass
class Database:
    """The state every fake repository shares, so a transaction can snapshot and restore all of it."""

    users: dict[UUID, User] = field(default_factory=dict)
    codes: dict[UUID, ReferralCode] = field(default_factory=dict)
    tokens: dict[UUID, RefreshToken] = field(default_factory=dict)
    commits: int = 0


class FakeTransactionManager(TransactionManager):
    def __init__(self, database: Database) -> None:
        self._database = database

    @asynccontextmanager
    async def write(self) -> AsyncIterator[None]:
        snapshot = copy.deepcopy((self._database.users, self._database.codes, self._database.tokens))
        try:
            yield
        except BaseException:
            self._database.users, self._database.codes, self._database.tokens = snapshot
            raise
        self._database.commits += 1


class FakeUserRepository(UserRepository, ReferralQueries):
    def __init__(self, database: Database) -> None:
        self._database = database

    async def add(self, user: User) -> None:
        if any(existing.email == user.email for existing in self._database.users.values()):
            raise EmailTaken
        self._database.users[user.id] = user

    async def get(self, user_id: UUID) -> User | None:
        return self._database.users.get(user_id)

    async def by_email(self, email: str) -> User | None:
        return next((user for user in self._database.users.values() if user.email == email), None)

    async def email_exists(self, email: str) -> bool:
        return await self.by_email(email) is not None

    async def set_password_hash(self, user_id: UUID, password_hash: str) -> None:
        self._database.users[user_id] = replace(self._database.users[user_id], password_hash=password_hash)

    async def referrals_of(self, referrer_id: UUID, limit: int, offset: int) -> tuple[Sequence[Referral], int]:
        referrals = sorted(
            (user for user in self._database.users.values() if user.referrer_id == referrer_id),
            key=lambda user: user.created_at,
            reverse=True,
        )
        page = [Referral(user.id, user.email, user.created_at) for user in referrals[offset : offset + limit]]
        return page, len(referrals)


class FakeReferralCodeRepository(ReferralCodeRepository):
    def __init__(self, database: Database) -> None:
        self._database = database
        self.taken_codes: set[str] = set()

    async def add(self, code: ReferralCode) -> None:
        if code.code in self.taken_codes or any(c.code == code.code for c in self._database.codes.values()):
            raise CodeCollision
        if any(c.owner_id == code.owner_id and c.state is CodeState.ACTIVE for c in self._database.codes.values()):
            raise ActiveCodeExists
        self._database.codes[code.id] = code

    async def stored_active_of(self, owner_id: UUID) -> ReferralCode | None:
        return next(
            (c for c in self._database.codes.values() if c.owner_id == owner_id and c.state is CodeState.ACTIVE),
            None,
        )

    async def end(self, code_id: UUID, state: CodeState, at: datetime) -> None:
        self._database.codes[code_id] = replace(self._database.codes[code_id], state=state)

    async def live_by_code(self, code: str, now: datetime) -> ReferralCode | None:
        return next((c for c in self._database.codes.values() if c.code == code and c.is_active(now)), None)

    async def live_by_owner_email(self, email: str, now: datetime) -> LiveCode | None:
        owner = next((u for u in self._database.users.values() if u.email == email), None)
        if owner is None:
            return None
        code = next((c for c in self._database.codes.values() if c.owner_id == owner.id and c.is_active(now)), None)
        return None if code is None else LiveCode(code.code, code.expires_at)


class FakeRefreshTokenRepository(RefreshTokenRepository):
    def __init__(self, database: Database) -> None:
        self._database = database

    async def add(self, token: RefreshToken) -> None:
        self._database.tokens[token.id] = token

    async def by_digest(self, digest: str) -> RefreshToken | None:
        return next((t for t in self._database.tokens.values() if t.digest == digest), None)

    async def spend(self, token_id: UUID, at: datetime) -> bool:
        token = self._database.tokens[token_id]
        if token.is_spent():
            return False
        self._database.tokens[token_id] = replace(token, used_at=at)
        return True

    async def revoke_family(self, family_id: UUID, at: datetime) -> None:
        for token in list(self._database.tokens.values()):
            if token.family_id == family_id and token.revoked_at is None:
                self._database.tokens[token.id] = replace(token, revoked_at=at)


class FakeClock(Clock):
    def __init__(self) -> None:
        self.current = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, by: timedelta) -> None:
        self.current += by


class FakePasswordHasher(PasswordHasher):
    """Hashes are readable; calls are counted so tests can see what work was spent."""

    def __init__(self) -> None:
        self.hashed = 0
        self.verified: list[str | None] = []
        self.outdated: set[str] = set()

    async def hash(self, password: str) -> str:
        self.hashed += 1
        return f"hashed:{password}"

    async def verify(self, password_hash: str | None, password: str) -> bool:
        self.verified.append(password_hash)
        return password_hash == f"hashed:{password}"

    def needs_rehash(self, password_hash: str) -> bool:
        return password_hash in self.outdated


class FakeAccessTokens(AccessTokens):
    def issue(self, user_id: UUID, now: datetime) -> IssuedAccessToken:
        return IssuedAccessToken(token=f"access:{user_id}:{now.isoformat()}", expires_in=900)

    def verify(self, token: str) -> UUID:
        kind, _, rest = token.partition(":")
        if kind != "access":
            raise InvalidAccessToken
        return UUID(rest.partition(":")[0])


class RecordingCodeCache(CodeCache):
    """Wraps a real cache and records the calls the use cases make."""

    def __init__(self, inner: CodeCache) -> None:
        self.inner = inner
        self.calls: list[tuple[str, str]] = []

    async def get(self, email: str) -> LiveCode | CacheMiss:
        self.calls.append(("get", email))
        return await self.inner.get(email)

    async def put(self, email: str, code: LiveCode, miss: CacheMiss, ttl_seconds: float) -> None:
        self.calls.append(("put", email))
        await self.inner.put(email, code, miss, ttl_seconds)

    async def invalidate(self, email: str) -> None:
        self.calls.append(("invalidate", email))
        await self.inner.invalidate(email)

    async def is_healthy(self) -> bool:
        return await self.inner.is_healthy()
