"""In-memory fakes of the ports: honest implementations, with the same refusals as the real adapters.

Every repository works on one shared ``Database``; ``FakeTransactionManager`` snapshots all of it when a
write begins and restores the snapshot if the block raises, so rollback is real, not assumed. The
``journal`` records commits, rollbacks and cache invalidations in the order they happen.

A few fakes accept an async ``hook`` that runs at a chosen point; tests use it to play a concurrent
request at exactly that moment (a registration while the password is hashed, a rotation of the same
refresh token between read and spend, a delete while a lookup reads the database).
"""

import asyncio
import copy
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import NamedTuple
from uuid import UUID

from referrals.adapters.cache.in_memory import InMemoryCodeCache
from referrals.adapters.domain_names import IdnaDomainNames
from referrals.adapters.integrations.disposable_domains import PackagedDisposableDomains
from referrals.adapters.rate_limits.in_memory import InMemoryRateLimiter
from referrals.adapters.security.client_fingerprints import HmacClientFingerprints
from referrals.application.email_verification import EmailGate
from referrals.application.errors import CodeCollision, InvalidAccessToken
from referrals.application.policies import CodePolicy, EmailPolicy, FraudPolicy, LoginThrottlePolicy, SessionPolicy
from referrals.application.ports.accounts import (
    AccessTokens,
    EmailVerdict,
    EmailVerifier,
    IssuedAccessToken,
    PasswordHasher,
    ProfileEnricher,
    RefreshTokenRepository,
    UserQueries,
    UserRepository,
)
from referrals.application.ports.codes import CacheMiss, CodeCache, LiveCode, LiveCodeQueries, ReferralCodeRepository
from referrals.application.ports.common import Clock, DatabaseProbe, TransactionManager
from referrals.application.ports.events import EventRecorder
from referrals.application.ports.fraud import ClientFingerprints, ClientSightings, RegistrationCounts
from referrals.application.ports.referrals import ReferralFilter, ReferralQueries
from referrals.application.ports.rewards import StoredConversion
from referrals.application.referral_screening import ReferralScreening
from referrals.application.sessions import SessionTokens
from referrals.application.throttling import LoginThrottle, Throttle
from referrals.domain.emails import DomainNames
from referrals.domain.errors import ActiveCodeExists, EmailTaken, SelfReferral
from referrals.domain.events import DomainEvent
from referrals.domain.mailboxes import mailbox_key
from referrals.domain.programme import Programme
from referrals.domain.referral import Referral, ReferralFlag, ReferralState, new_referral
from referrals.domain.referral_code import CodeState, ReferralCode, code_event
from referrals.domain.refresh_token import RefreshToken
from referrals.domain.reward import Reward
from referrals.domain.user import EnrichedProfile, Profile, User

Hook = Callable[[], Awaitable[None]]


async def fire_once(owner: object, name: str) -> None:
    """Run the hook stored in ``owner.<name>`` once and clear it, so a hook may re-enter the fake safely."""
    hook: Hook | None = getattr(owner, name)
    if hook is not None:
        setattr(owner, name, None)
        await hook()


COMMIT = "commit"
ROLLBACK = "rollback"


class StoredReferral(NamedTuple):
    """A referral row once it left ``pending`` (a user with a referrer is a pending referral until then)."""

    referral: Referral
    note: str | None = None


class Tables(NamedTuple):
    users: dict[UUID, User]
    codes: dict[UUID, ReferralCode]
    ended_at: dict[UUID, datetime]
    tokens: dict[UUID, RefreshToken]
    events: dict[int, DomainEvent]
    referrals: dict[UUID, StoredReferral]
    conversions: dict[str, StoredConversion]
    rewards: dict[UUID, Reward]
    programmes: dict[int, Programme]


@dataclass
class Database:
    """The state every fake repository shares, so a transaction can snapshot and restore all of it."""

    users: dict[UUID, User] = field(default_factory=dict)
    codes: dict[UUID, ReferralCode] = field(default_factory=dict)
    ended_at: dict[UUID, datetime] = field(default_factory=dict)
    tokens: dict[UUID, RefreshToken] = field(default_factory=dict)
    # The outbox, by position: what a committed transaction recorded.
    events: dict[int, DomainEvent] = field(default_factory=dict)
    # The programme's tables (see programme_fakes.py).
    referrals: dict[UUID, StoredReferral] = field(default_factory=dict)
    conversions: dict[str, StoredConversion] = field(default_factory=dict)
    rewards: dict[UUID, Reward] = field(default_factory=dict)
    programmes: dict[int, Programme] = field(default_factory=dict)
    journal: list[str] = field(default_factory=list)
    # What the open write transaction will restore if it rolls back.
    open_snapshot: Tables | None = None

    def tables(self) -> Tables:
        return Tables(
            self.users,
            self.codes,
            self.ended_at,
            self.tokens,
            self.events,
            self.referrals,
            self.conversions,
            self.rewards,
            self.programmes,
        )

    def commit_elsewhere(self, change: Callable[[Tables], None]) -> None:
        """Apply a change another connection commits: it survives a rollback of the open transaction."""
        change(self.tables())
        if self.open_snapshot is not None:
            change(self.open_snapshot)

    @property
    def commits(self) -> int:
        return self.journal.count(COMMIT)

    @property
    def rollbacks(self) -> int:
        return self.journal.count(ROLLBACK)


class FakeTransactionManager(TransactionManager, EventRecorder):
    def __init__(self, database: Database) -> None:
        self._database = database
        self._after_commit: list[Callable[[], Awaitable[None]]] = []

    def after_commit(self, action: Callable[[], Awaitable[None]]) -> None:
        assert self._database.open_snapshot is not None, "an action after the commit of no transaction"
        self._after_commit.append(action)

    def record(self, event: DomainEvent) -> None:
        assert self._database.open_snapshot is not None, f"{event.type} recorded outside a write transaction"
        self._database.events[len(self._database.events) + 1] = event

    @asynccontextmanager
    async def write(self) -> AsyncIterator[None]:
        database = self._database
        assert database.open_snapshot is None, "write transactions do not nest"
        database.open_snapshot = copy.deepcopy(database.tables())
        try:
            yield
        except BaseException:
            saved = database.open_snapshot
            for name in Tables._fields:
                table = getattr(database, name)
                table.clear()
                table.update(getattr(saved, name))
            database.journal.append(ROLLBACK)
            self._after_commit.clear()
            raise
        finally:
            database.open_snapshot = None
        database.journal.append(COMMIT)
        actions, self._after_commit = self._after_commit, []
        for action in actions:
            await action()


class FakeUserRepository(UserRepository, UserQueries):
    def __init__(self, database: Database) -> None:
        self._database = database

    async def add(self, user: User, referral_flags: Sequence[ReferralFlag] = ()) -> None:
        # The unique index and the check constraint of the real table.
        if any(existing.email == user.email for existing in self._database.users.values()):
            raise EmailTaken
        if user.referrer_id == user.id:
            raise SelfReferral
        self._database.users[user.id] = user
        if user.referrer_id is not None and referral_flags:
            flagged = new_referral(user.id, user.referrer_id, user.email, user.created_at, referral_flags)
            self._database.referrals[user.id] = StoredReferral(flagged)

    async def get(self, user_id: UUID) -> User | None:
        return self._database.users.get(user_id)

    async def by_id(self, user_id: UUID) -> User | None:
        return self._committed().get(user_id)

    async def by_email(self, email: str) -> User | None:
        return next((user for user in self._committed().values() if user.email == email), None)

    async def email_exists(self, email: str) -> bool:
        return any(user.email == email for user in self._database.users.values())

    def _committed(self) -> dict[UUID, User]:
        # What an open write transaction changed is not seen by committed reads until it commits.
        snapshot = self._database.open_snapshot
        return self._database.users if snapshot is None else snapshot.users

    async def set_password_hash(self, user_id: UUID, password_hash: str) -> None:
        if user_id in self._database.users:
            self._database.users[user_id] = replace(self._database.users[user_id], password_hash=password_hash)

    async def set_profile(self, user_id: UUID, profile: EnrichedProfile) -> None:
        if user_id in self._database.users:
            self._database.users[user_id] = replace(self._database.users[user_id], profile=profile)


def referral_of(user: User, stored: dict[UUID, StoredReferral]) -> Referral | None:
    """The user's referral: as stored once it changed state, else pending since the registration; None unreferred."""
    if user.referrer_id is None:
        return None
    if user.id in stored:
        return stored[user.id].referral
    return Referral(
        id=user.id,
        referrer_id=user.referrer_id,
        email=user.email,
        state=ReferralState.PENDING,
        created_at=user.created_at,
    )


class FakeReferralQueries(ReferralQueries):
    """Referrals as the users table implies them: every user with a referrer is a pending referral, until the
    referrals table stores another state for it."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self.pages_asked: list[tuple[UUID, int, int]] = []

    def matching(self, where: ReferralFilter) -> list[Referral]:
        """The committed referrals that match, newest first."""
        tables = self._database.open_snapshot or self._database.tables()  # committed data only
        referrals = [
            referral
            for user in tables.users.values()
            if (referral := referral_of(user, tables.referrals)) is not None
            and where.referrer_id in {None, referral.referrer_id}
        ]
        referrals = [referral for referral in referrals if where.state in {None, referral.state}]
        return sorted(referrals, key=lambda referral: (referral.created_at, referral.id), reverse=True)

    async def page(self, where: ReferralFilter, limit: int, offset: int) -> tuple[Sequence[Referral], int]:
        if where.referrer_id is not None:
            self.pages_asked.append((where.referrer_id, limit, offset))
        referrals = self.matching(where)
        return referrals[offset : offset + limit], len(referrals)

    async def get(self, referee_id: UUID) -> Referral | None:
        return next((referral for referral in self.matching(ReferralFilter()) if referral.id == referee_id), None)


class FakeReferralCodeRepository(ReferralCodeRepository, LiveCodeQueries):
    def __init__(self, database: Database, events: EventRecorder) -> None:
        self._database = database
        self._events = events
        self.calls: list[str] = []
        # Code strings some other owner already holds (rows the test does not care to build).
        self.taken_codes: set[str] = set()
        self.after_stored_active_of: Hook | None = None
        self.after_live_by_owner_email: Hook | None = None

    async def add(self, code: ReferralCode) -> None:
        self.calls.append("add")
        # uq_referral_codes_code and the partial index uq_referral_codes_one_active_per_owner.
        if code.code in self.taken_codes or any(c.code == code.code for c in self._database.codes.values()):
            raise CodeCollision
        if code.state is CodeState.ACTIVE and any(
            c.owner_id == code.owner_id and c.state is CodeState.ACTIVE for c in self._database.codes.values()
        ):
            raise ActiveCodeExists
        self._database.codes[code.id] = code
        self._events.record(code_event(code, CodeState.ACTIVE, code.created_at))

    async def stored_active_of(self, owner_id: UUID) -> ReferralCode | None:
        self.calls.append("stored_active_of")
        found = next(
            (c for c in self._database.codes.values() if c.owner_id == owner_id and c.state is CodeState.ACTIVE),
            None,
        )
        await fire_once(self, "after_stored_active_of")
        return found

    async def end(self, code: ReferralCode, state: CodeState, at: datetime) -> bool:
        self.calls.append("end")
        stored = self._database.codes.get(code.id)
        # Like the real UPDATE ... WHERE state = 'active': an ended code stays as it ended.
        if stored is None or stored.state is not CodeState.ACTIVE:
            return False
        self._database.codes[code.id] = replace(stored, state=state)
        self._database.ended_at[code.id] = at
        self._events.record(code_event(stored, state, at))
        return True

    async def claim_use(self, code: str, now: datetime) -> ReferralCode | None:
        self.calls.append("claim_use")
        live = next((c for c in self._database.codes.values() if c.code == code and c.is_active(now)), None)
        if live is None:
            return None
        uses = live.uses + 1
        spent = live.max_uses is not None and uses >= live.max_uses
        claimed = replace(live, uses=uses, state=CodeState.SPENT if spent else live.state)
        self._database.codes[live.id] = claimed
        if spent:
            self._database.ended_at[live.id] = now
            self._events.record(code_event(claimed, CodeState.SPENT, now))
        return claimed

    async def is_live(self, code: str, now: datetime) -> bool:
        self.calls.append("is_live")
        snapshot = self._database.open_snapshot  # committed data only, as with the users' committed reads
        codes = self._database.codes if snapshot is None else snapshot.codes
        return any(c.code == code and c.is_active(now) for c in codes.values())

    async def live_by_owner_email(self, email: str, now: datetime) -> LiveCode | None:
        self.calls.append("live_by_owner_email")
        owner = next((u for u in self._database.users.values() if u.email == email), None)
        code = (
            None
            if owner is None
            else next((c for c in self._database.codes.values() if c.owner_id == owner.id and c.is_active(now)), None)
        )
        await fire_once(self, "after_live_by_owner_email")
        return None if code is None else LiveCode(code.code, code.expires_at)

    async def expire_due(self, now: datetime, limit: int) -> Sequence[ReferralCode]:
        self.calls.append("expire_due")
        due = sorted(
            (c for c in self._database.codes.values() if c.state is CodeState.ACTIVE and c.expires_at <= now),
            key=lambda c: c.expires_at,
        )[:limit]
        expired = []
        for code in due:
            self._database.codes[code.id] = expired_code = replace(code, state=CodeState.EXPIRED)
            self._database.ended_at[code.id] = code.expires_at
            self._events.record(code_event(expired_code, CodeState.EXPIRED, code.expires_at))
            expired.append(expired_code)
        return expired

    def active_of(self, owner_id: UUID) -> list[ReferralCode]:
        return [c for c in self._database.codes.values() if c.owner_id == owner_id and c.state is CodeState.ACTIVE]


class FakeRefreshTokenRepository(RefreshTokenRepository):
    def __init__(self, database: Database) -> None:
        self._database = database
        self.before_spend: Hook | None = None

    async def add(self, token: RefreshToken) -> None:
        assert all(t.digest != token.digest for t in self._database.tokens.values()), "digests are unique"
        self._database.tokens[token.id] = token

    async def by_digest(self, digest: str) -> RefreshToken | None:
        return next((t for t in self._database.tokens.values() if t.digest == digest), None)

    async def spend(self, token_id: UUID, at: datetime) -> bool:
        await fire_once(self, "before_spend")
        token = self._database.tokens.get(token_id)
        # The conditional UPDATE: only a token neither used nor revoked changes.
        if token is None or token.is_spent():
            return False
        self._database.tokens[token_id] = replace(token, used_at=at)
        return True

    async def revoke_family(self, family_id: UUID, at: datetime) -> None:
        for token in list(self._database.tokens.values()):
            if token.family_id == family_id and token.revoked_at is None:
                self._database.tokens[token.id] = replace(token, revoked_at=at)

    async def purge_expired(self, now: datetime, limit: int) -> int:
        due = [t.id for t in self._database.tokens.values() if t.is_expired(now)][:limit]
        for token_id in due:
            del self._database.tokens[token_id]
        return len(due)

    def family(self, family_id: UUID) -> list[RefreshToken]:
        return [t for t in self._database.tokens.values() if t.family_id == family_id]


class FakeClock(Clock):
    def __init__(self, start: datetime = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current

    def advance(self, by: timedelta) -> None:
        self.current += by


class FakePasswordHasher(PasswordHasher):
    """Readable hashes: ``"hashed:" + password``; a hash under another prefix is an outdated one.

    ``verify`` accepts ``<any prefix>:<password>`` (an old hash still verifies) and records every call,
    including the dummy check with no hash. ``needs_rehash`` is true for anything not made by ``hash``,
    or for hashes listed in ``outdated``.
    """

    PREFIX = "hashed:"

    def __init__(self) -> None:
        self.hashed: list[str] = []
        self.verified: list[str | None] = []
        self.outdated: set[str] = set()
        self.during_hash: Hook | None = None
        self.during_verify: Hook | None = None

    async def hash(self, password: str) -> str:
        self.hashed.append(password)
        await fire_once(self, "during_hash")
        return self.PREFIX + password

    async def verify(self, password_hash: str | None, password: str) -> bool:
        self.verified.append(password_hash)
        await fire_once(self, "during_verify")
        if password_hash is None:
            return False
        _, separator, stored = password_hash.partition(":")
        return bool(separator) and stored == password

    def needs_rehash(self, password_hash: str) -> bool:
        return not password_hash.startswith(self.PREFIX) or password_hash in self.outdated


class FakeAccessTokens(AccessTokens):
    EXPIRES_IN = 900

    def __init__(self) -> None:
        self.issued: list[tuple[UUID, datetime]] = []

    def issue(self, user_id: UUID, now: datetime) -> IssuedAccessToken:
        self.issued.append((user_id, now))
        return IssuedAccessToken(token=f"access:{user_id}:{len(self.issued)}", expires_in=self.EXPIRES_IN)

    def verify(self, token: str) -> UUID:
        kind, _, rest = token.partition(":")
        if kind != "access":
            raise InvalidAccessToken
        try:
            return UUID(rest.partition(":")[0])
        except ValueError:
            raise InvalidAccessToken from None


class FakeDatabaseProbe(DatabaseProbe):
    def __init__(self, reachable: bool = True) -> None:
        self.reachable = reachable

    async def is_reachable(self) -> bool:
        return self.reachable


@dataclass(frozen=True)
class Put:
    email: str
    code: LiveCode
    miss: CacheMiss
    ttl_seconds: float


class RecordingCodeCache(CodeCache):
    """Wraps a real cache, records what the use cases ask of it, and journals invalidations."""

    def __init__(self, inner: CodeCache, journal: list[str]) -> None:
        self.inner = inner
        self.journal = journal
        self.gets: list[str] = []
        self.puts: list[Put] = []
        self.invalidated: list[str] = []
        self.healthy = True

    async def get(self, email: str) -> LiveCode | CacheMiss:
        self.gets.append(email)
        return await self.inner.get(email)

    async def put(self, email: str, code: LiveCode, miss: CacheMiss, ttl_seconds: float) -> None:
        self.puts.append(Put(email, code, miss, ttl_seconds))
        await self.inner.put(email, code, miss, ttl_seconds)

    async def invalidate(self, email: str) -> None:
        self.invalidated.append(email)
        self.journal.append(f"invalidate {email}")
        await self.inner.invalidate(email)

    async def is_healthy(self) -> bool:
        return self.healthy and await self.inner.is_healthy()


class FakeEmailVerifier(EmailVerifier):
    """Answers a set verdict, or fails, or dawdles; remembers what it was asked."""

    def __init__(self) -> None:
        self.verdict = EmailVerdict.VALID
        self.failure: Exception | None = None
        self.delay = 0.0
        self.asked: list[str] = []

    async def verify(self, email: str) -> EmailVerdict:
        self.asked.append(email)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.failure is not None:
            raise self.failure
        return self.verdict


class FakeProfileEnricher(ProfileEnricher):
    source = "fake"

    def __init__(self) -> None:
        self.profile: Profile | None = None
        self.failure: Exception | None = None

    async def enrich(self, email: str) -> Profile | None:
        if self.failure is not None:
            raise self.failure
        return self.profile


class FakeClientSightings(ClientSightings):
    def __init__(self) -> None:
        self.seen: dict[tuple[UUID, str], datetime] = {}

    async def record(self, user_id: UUID, fingerprint: str, at: datetime) -> None:
        self.seen[user_id, fingerprint] = max(at, self.seen.get((user_id, fingerprint), at))

    async def last_seen(self, user_id: UUID, fingerprint: str, since: datetime) -> datetime | None:
        seen_at = self.seen.get((user_id, fingerprint))
        return seen_at if seen_at is not None and seen_at >= since else None

    async def purge(self, before: datetime, limit: int) -> int:
        old = [key for key, seen_at in self.seen.items() if seen_at < before][:limit]
        for key in old:
            del self.seen[key]
        return len(old)


class FakeRegistrationCounts(RegistrationCounts):
    """Counted over the live users table, as the real queries count inside the write transaction."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def registrations_on_code(self, code_id: UUID, since: datetime) -> int:
        users = self._database.users.values()
        return sum(1 for user in users if user.referred_with_code_id == code_id and user.created_at >= since)

    async def accounts_on_mailbox(self, key: str) -> int:
        return sum(1 for user in self._database.users.values() if mailbox_key(user.email) == key)


@dataclass
class World:
    """Every port the use cases need, faked, over one shared in-memory database."""

    database: Database
    users: FakeUserRepository
    referrals: FakeReferralQueries
    codes: FakeReferralCodeRepository
    tokens: FakeRefreshTokenRepository
    transaction: FakeTransactionManager
    clock: FakeClock
    hasher: FakePasswordHasher
    access_tokens: FakeAccessTokens
    cache: RecordingCodeCache
    code_policy: CodePolicy
    session_policy: SessionPolicy
    sessions: SessionTokens
    email_verifier: FakeEmailVerifier
    email_policy: EmailPolicy
    email_gate: EmailGate
    rate_limiter: InMemoryRateLimiter
    login_throttle: LoginThrottle
    domain_names: DomainNames
    fraud_policy: FraudPolicy
    sightings: FakeClientSightings
    fingerprints: ClientFingerprints
    screening: ReferralScreening


def make_world(
    code_policy: CodePolicy | None = None,
    session_policy: SessionPolicy | None = None,
    email_policy: EmailPolicy | None = None,
    cache: CodeCache | None = None,
    login_policy: LoginThrottlePolicy | None = None,
    fraud_policy: FraudPolicy | None = None,
) -> World:
    database = Database()
    fraud_policy = fraud_policy or FraudPolicy()
    sightings = FakeClientSightings()
    tokens = FakeRefreshTokenRepository(database)
    access_tokens = FakeAccessTokens()
    session_policy = session_policy or SessionPolicy()
    email_verifier = FakeEmailVerifier()
    email_policy = email_policy or EmailPolicy()
    clock = FakeClock()
    rate_limiter = InMemoryRateLimiter(clock)
    transaction = FakeTransactionManager(database)
    return World(
        database=database,
        users=FakeUserRepository(database),
        referrals=FakeReferralQueries(database),
        codes=FakeReferralCodeRepository(database, transaction),
        tokens=tokens,
        transaction=transaction,
        clock=clock,
        hasher=FakePasswordHasher(),
        access_tokens=access_tokens,
        cache=RecordingCodeCache(cache or InMemoryCodeCache(), database.journal),
        code_policy=code_policy or CodePolicy(),
        session_policy=session_policy,
        sessions=SessionTokens(access_tokens=access_tokens, refresh_tokens=tokens, policy=session_policy),
        email_verifier=email_verifier,
        email_policy=email_policy,
        email_gate=EmailGate(verifier=email_verifier, policy=email_policy),
        rate_limiter=rate_limiter,
        login_throttle=LoginThrottle(Throttle(rate_limiter), login_policy or LoginThrottlePolicy()),
        # Pure, in process and fast: the real thing, as with the cache and the rate limiter.
        domain_names=IdnaDomainNames(),
        fraud_policy=fraud_policy,
        sightings=sightings,
        # Pure too: a keyed hash, and the packaged list of throwaway domains.
        fingerprints=HmacClientFingerprints(b"k" * 32),
        screening=ReferralScreening(
            disposable_domains=PackagedDisposableDomains(),
            counts=FakeRegistrationCounts(database),
            sightings=sightings,
            policy=fraud_policy,
        ),
    )
