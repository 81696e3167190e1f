"""In-memory fakes of the programme's ports, over the same ``Database`` as the other fakes.

A referral is the one the users table implies (a user with a referrer is pending since registering) until a
change of state stores it in ``database.referrals``. Repositories work on the live tables, inside the write
transaction they assert is open, and record their events through the ``EventRecorder``; queries read
committed data only, as the other fakes' committed reads do.
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from referrals.application.errors import ProgrammeChanged
from referrals.application.ports.events import EventRecorder
from referrals.application.ports.programme import ProgrammeRepository
from referrals.application.ports.referrals import ReferralCounts, ReferralFilter, ReferralRepository
from referrals.application.ports.referrer_stats import ReferrerStatsQueries, ReferrerTallies
from referrals.application.ports.rewards import (
    ConversionRepository,
    CurrencyTotals,
    RewardFilter,
    RewardQueries,
    RewardRepository,
    StoredConversion,
)
from referrals.domain.conversion import Conversion
from referrals.domain.programme import UNSET_PROGRAMME, Programme, ProgrammeTerms
from referrals.domain.referral import Referral, ReferralState, event_instant, referral_event
from referrals.domain.reward import Reward, RewardRole, RewardState, reward_event
from tests.unit.application.fakes import (
    Database,
    FakeReferralQueries,
    Hook,
    StoredReferral,
    Tables,
    World,
    fire_once,
    make_world,
    referral_of,
)


def _in_write(database: Database) -> None:
    assert database.open_snapshot is not None, "a repository write outside a write transaction"


def _committed(database: Database) -> Tables:
    return database.open_snapshot or database.tables()


class FakeReferralRepository(ReferralRepository):
    def __init__(self, database: Database, events: EventRecorder) -> None:
        self._database = database
        self._events = events
        self.locked: list[UUID] = []

    async def lock(self, referee_id: UUID) -> Referral | None:
        _in_write(self._database)
        self.locked.append(referee_id)
        user = self._database.users.get(referee_id)
        return None if user is None else referral_of(user, self._database.referrals)

    async def save(self, referral: Referral, note: str | None = None) -> None:
        _in_write(self._database)
        user = self._database.users.get(referral.id)
        # The UPDATE of an existing row: only a referral that exists can change.
        assert user is not None, "saved a referral that does not exist"
        assert referral_of(user, self._database.referrals) is not None, "saved a user who was never referred"
        self._database.referrals[referral.id] = StoredReferral(referral, note)
        self._events.record(referral_event(referral, event_instant(referral)))

    async def hold_conversion(self, referral: Referral) -> None:
        _in_write(self._database)
        stored = self._database.referrals[referral.id]
        # UPDATE ... WHERE held_conversion_id IS NULL: the first conversion held stays.
        if stored.referral.held_conversion_id is None:
            held = replace(stored.referral, held_conversion_id=referral.held_conversion_id)
            self._database.referrals[referral.id] = stored._replace(referral=held)


class FakeConversionRepository(ConversionRepository):
    def __init__(self, database: Database) -> None:
        self._database = database

    async def add(self, conversion: Conversion, *, qualified: bool) -> bool:
        _in_write(self._database)
        # ON CONFLICT (id) DO NOTHING.
        if conversion.id in self._database.conversions:
            return False
        self._database.conversions[conversion.id] = StoredConversion(conversion, qualified=qualified)
        return True

    async def get(self, conversion_id: str) -> StoredConversion | None:
        return self._database.conversions.get(conversion_id)

    async def mark_qualified(self, conversion_id: str) -> None:
        _in_write(self._database)
        stored = self._database.conversions[conversion_id]
        self._database.conversions[conversion_id] = StoredConversion(stored.conversion, qualified=True)


def _shown_state(reward: Reward, now: datetime) -> RewardState:
    return reward.as_of(now).state


def _newest_first(rewards: Sequence[Reward]) -> list[Reward]:
    return sorted(rewards, key=lambda reward: (reward.created_at, reward.id), reverse=True)


class FakeRewardQueries(RewardQueries):
    def __init__(self, database: Database) -> None:
        self._database = database
        self.pages_asked: list[tuple[RewardFilter, datetime, int, int]] = []

    async def page(self, where: RewardFilter, now: datetime, limit: int, offset: int) -> tuple[Sequence[Reward], int]:
        self.pages_asked.append((where, now, limit, offset))
        matching = [
            reward
            for reward in _committed(self._database).rewards.values()
            if where.user_id in {None, reward.user_id}
            and where.role in {None, reward.role}
            and where.state in {None, _shown_state(reward, now)}
        ]
        page = _newest_first(matching)[offset : offset + limit]
        return [reward.as_of(now) for reward in page], len(matching)

    async def of_conversion(self, conversion_id: str) -> Sequence[Reward]:
        rewards = [r for r in _committed(self._database).rewards.values() if r.conversion_id == conversion_id]
        # ORDER BY role DESC: the referrer's first.
        return sorted(rewards, key=lambda reward: reward.role.value, reverse=True)


class FakeReferrerStatsQueries(ReferrerStatsQueries):
    """The counts and sums the tallies keep, computed from the committed referrals and rewards."""

    def __init__(self, database: Database, referrals: FakeReferralQueries) -> None:
        self._database = database
        self._referrals = referrals

    async def tallies(self, referrer_id: UUID, now: datetime) -> ReferrerTallies:
        states = [referral.state for referral in self._referrals.matching(ReferralFilter(referrer_id=referrer_id))]
        counts = ReferralCounts(**{state.value: states.count(state) for state in ReferralState})
        sums: dict[str, dict[str, int]] = {}
        for reward in _committed(self._database).rewards.values():
            if reward.user_id == referrer_id and reward.role is RewardRole.REFERRER:
                by_state = sums.setdefault(reward.currency, {})
                state = _shown_state(reward, now).value
                by_state[state] = by_state.get(state, 0) + reward.amount
        totals = [CurrencyTotals(currency=currency, **by_state) for currency, by_state in sorted(sums.items())]
        return ReferrerTallies(referrals=counts, rewards=totals)


class FakeRewardRepository(RewardRepository):
    def __init__(self, database: Database, events: EventRecorder) -> None:
        self._database = database
        self._events = events
        self.grants_held_for: list[UUID] = []
        # Raised by the next ``add``, as a failing INSERT would: the transaction must roll back all of it.
        self.add_failure: Exception | None = None

    async def add(self, *granted: Reward) -> None:
        _in_write(self._database)
        if self.add_failure is not None:
            raise self.add_failure
        for reward in granted:
            self._add(reward)

    def _add(self, reward: Reward) -> None:
        rewards = self._database.rewards
        assert reward.id not in rewards, "reward ids are unique"
        # uq_rewards_one_per_referral_and_role.
        assert all((r.referral_id, r.role) != (reward.referral_id, reward.role) for r in rewards.values()), (
            "a referral holds at most one reward per role"
        )
        assert reward.conversion_id in self._database.conversions, "a reward references a stored conversion"
        rewards[reward.id] = reward
        self._events.record(reward_event(reward, reward.created_at, created=True))
        if reward.state is RewardState.AVAILABLE:
            self._events.record(reward_event(reward, reward.created_at))

    async def lock(self, reward_id: UUID) -> Reward | None:
        _in_write(self._database)
        return self._database.rewards.get(reward_id)

    async def lock_of_referral(self, referral_id: UUID) -> Sequence[Reward]:
        _in_write(self._database)
        rewards = [r for r in self._database.rewards.values() if r.referral_id == referral_id]
        return sorted(rewards, key=lambda reward: reward.role.value)

    async def save(self, reward: Reward, at: datetime) -> None:
        _in_write(self._database)
        assert reward.id in self._database.rewards, "saved a reward that does not exist"
        self._database.rewards[reward.id] = reward
        self._events.record(reward_event(reward, at))

    async def hold_grants_to(self, user_id: UUID) -> int:
        _in_write(self._database)
        self.grants_held_for.append(user_id)
        return sum(
            1
            for reward in self._database.rewards.values()
            if reward.user_id == user_id
            and reward.role is RewardRole.REFERRER
            and reward.state is not RewardState.VOIDED
        )

    async def mature_due(self, now: datetime, limit: int) -> Sequence[Reward]:
        _in_write(self._database)
        due = sorted(
            (r for r in self._database.rewards.values() if r.state is RewardState.PENDING and r.available_at <= now),
            key=lambda reward: (reward.available_at, reward.id),
        )[:limit]
        matured = []
        for reward in due:
            self._database.rewards[reward.id] = available = replace(reward, state=RewardState.AVAILABLE)
            self._events.record(reward_event(available, reward.available_at))
            matured.append(available)
        return matured


class FakeProgrammeRepository(ProgrammeRepository):
    """Versions by number; ``before_insert`` plays another operator's version between reading the latest and
    inserting the next, which the primary key then refuses."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self.before_insert: Hook | None = None

    async def current(self) -> Programme:
        programmes = self._database.programmes
        return programmes[max(programmes)] if programmes else UNSET_PROGRAMME

    async def add(self, terms: ProgrammeTerms, at: datetime) -> Programme:
        _in_write(self._database)
        version = max(self._database.programmes, default=0) + 1
        await fire_once(self, "before_insert")
        if version in self._database.programmes:
            raise ProgrammeChanged
        self._database.programmes[version] = programme = Programme(version=version, terms=terms, updated_at=at)
        return programme


@dataclass
class ProgrammeWorld:
    """The other fakes' world, and the programme's ports over the same database."""

    world: World
    referrals: FakeReferralRepository
    referral_queries: FakeReferralQueries
    conversions: FakeConversionRepository
    rewards: FakeRewardRepository
    reward_queries: FakeRewardQueries
    referrer_stats: FakeReferrerStatsQueries
    programme: FakeProgrammeRepository

    @property
    def database(self) -> Database:
        return self.world.database


def make_programme_world(world: World | None = None) -> ProgrammeWorld:
    world = world or make_world()
    database = world.database
    return ProgrammeWorld(
        world=world,
        referrals=FakeReferralRepository(database, world.transaction),
        referral_queries=world.referrals,
        conversions=FakeConversionRepository(database),
        rewards=FakeRewardRepository(database, world.transaction),
        reward_queries=FakeRewardQueries(database),
        referrer_stats=FakeReferrerStatsQueries(database, world.referrals),
        programme=FakeProgrammeRepository(database),
    )
