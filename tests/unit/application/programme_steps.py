"""The programme's use cases built over the fakes, and the steps their tests take again and again."""

import copy
from datetime import datetime, timedelta
from uuid import UUID

from referrals.application.use_cases.list_referrals import BrowseReferrals, ListReferrals
from referrals.application.use_cases.list_rewards import ListRewards
from referrals.application.use_cases.mature_rewards import MatureRewards
from referrals.application.use_cases.programme import GetProgramme, SetProgramme
from referrals.application.use_cases.record_conversion import ConversionReport, RecordConversion, RecordedConversion
from referrals.application.use_cases.referrer_stats import GetReferrerStats
from referrals.application.use_cases.settle_rewards import RedeemReward, VoidReward
from referrals.application.use_cases.void_referral import VoidReferral
from referrals.domain.money import Money
from referrals.domain.programme import FlatReward, Programme, ProgrammeTerms, ShareReward
from referrals.domain.reward import Reward, RewardRole
from referrals.domain.user import User
from tests.unit.application.fakes import Database, Tables
from tests.unit.application.programme_fakes import ProgrammeWorld
from tests.unit.application.steps import registered, with_code

HOLD = timedelta(days=14)
# $10 to the referrer, 10 % (at most $25) to the newcomer, on a purchase of at least $10 within 90 days.
TERMS = ProgrammeTerms(
    qualifying_event="purchase",
    attribution_window=timedelta(days=90),
    hold=HOLD,
    min_amount=Money(1000, "USD"),
    referrer_reward=FlatReward(amount=1000, currency="USD"),
    referee_reward=ShareReward(basis_points=1000, currency="USD", max_amount=2500),
)


def record_conversion(p: ProgrammeWorld) -> RecordConversion:
    return RecordConversion(
        users=p.world.users,
        domain_names=p.world.domain_names,
        programme=p.programme,
        conversions=p.conversions,
        referrals=p.referrals,
        referral_queries=p.referral_queries,
        rewards=p.rewards,
        reward_queries=p.reward_queries,
        transaction=p.world.transaction,
        clock=p.world.clock,
    )


def set_programme(p: ProgrammeWorld) -> SetProgramme:
    return SetProgramme(programme=p.programme, transaction=p.world.transaction, clock=p.world.clock)


def get_programme(p: ProgrammeWorld) -> GetProgramme:
    return GetProgramme(programme=p.programme)


def redeem_reward(p: ProgrammeWorld) -> RedeemReward:
    return RedeemReward(rewards=p.rewards, transaction=p.world.transaction, clock=p.world.clock)


def void_reward(p: ProgrammeWorld) -> VoidReward:
    return VoidReward(rewards=p.rewards, transaction=p.world.transaction, clock=p.world.clock)


def void_referral(p: ProgrammeWorld) -> VoidReferral:
    return VoidReferral(referrals=p.referrals, rewards=p.rewards, transaction=p.world.transaction, clock=p.world.clock)


def mature_rewards(p: ProgrammeWorld) -> MatureRewards:
    return MatureRewards(rewards=p.rewards, transaction=p.world.transaction)


def get_referrer_stats(p: ProgrammeWorld) -> GetReferrerStats:
    return GetReferrerStats(stats=p.referrer_stats, clock=p.world.clock)


def list_rewards(p: ProgrammeWorld) -> ListRewards:
    return ListRewards(queries=p.reward_queries, clock=p.world.clock)


def list_referrals(p: ProgrammeWorld) -> ListReferrals:
    return ListReferrals(queries=p.referral_queries)


def browse_referrals(p: ProgrammeWorld) -> BrowseReferrals:
    return BrowseReferrals(queries=p.referral_queries)


async def with_terms(p: ProgrammeWorld, terms: ProgrammeTerms = TERMS) -> Programme:
    return await set_programme(p)(terms)


async def referrer(p: ProgrammeWorld, email: str = "ada@example.com") -> User:
    return await registered(p.world, email)


async def referred_by(p: ProgrammeWorld, referrer: User, email: str = "bea@example.com") -> User:
    """A newcomer registered with the referrer's active code (made if need be): a pending referral."""
    active = p.world.codes.active_of(referrer.id)
    code = active[0] if active else await with_code(p.world, referrer)
    return await registered(p.world, email, code=code.code)


def purchase(
    user: User, conversion_id: str = "ord_1", amount: int = 4999, occurred_at: datetime | None = None
) -> ConversionReport:
    return ConversionReport(
        id=conversion_id, type="purchase", user_id=user.id, value=Money(amount, "USD"), occurred_at=occurred_at
    )


async def converted(p: ProgrammeWorld, referee: User, conversion_id: str = "ord_1") -> RecordedConversion:
    """A qualifying purchase, reported now."""
    return await record_conversion(p)(purchase(referee, conversion_id))


def reward_in(recorded: RecordedConversion, role: RewardRole) -> Reward:
    return next(reward for reward in recorded.rewards if reward.role is role)


def event_types(database: Database) -> list[str]:
    return [event.type.value for event in database.events.values()]


def events_of(database: Database, subject_id: UUID) -> list[str]:
    return [event.type.value for event in database.events.values() if event.subject_id == subject_id]


def copy_of(database: Database) -> Tables:
    """A deep copy of every table, to compare with after a refusal."""
    return copy.deepcopy(database.tables())
