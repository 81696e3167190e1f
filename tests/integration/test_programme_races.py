"""The programme's races, which the database must settle on its own, on both backends.

Every concurrent caller gets a request scope of its own from one real container, so each runs on its own session
and connection, as concurrent requests do.
"""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from uuid import UUID

import pytest
from dishka import AsyncContainer
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from referrals.adapters.persistence.tables import conversions, events, referrals, rewards
from referrals.application.use_cases.create_referral_code import CreateReferralCode, NewCode
from referrals.application.use_cases.mature_rewards import MatureRewards
from referrals.application.use_cases.programme import SetProgramme
from referrals.application.use_cases.record_conversion import ConversionReport, RecordConversion, RecordedConversion
from referrals.application.use_cases.register_user import RegisterUser, Registration
from referrals.application.use_cases.settle_rewards import RedeemReward, VoidReward
from referrals.application.use_cases.void_referral import ReferralVoiding, VoidReferral
from referrals.bootstrap.container import make_container
from referrals.domain.errors import DomainError
from referrals.domain.events import EventType
from referrals.domain.money import Money
from referrals.domain.programme import FlatReward, ProgrammeTerms
from referrals.domain.programme_errors import RewardAlreadyRedeemed, RewardNotAvailable, RewardNotVoidable
from referrals.domain.referral import Referral, ReferralState, VoidReason
from referrals.domain.reward import Reward, RewardRole, RewardState
from referrals.domain.user import User
from tests.conftest import make_settings
from tests.integration.tally_checks import assert_tallies_agree

UseCase = TypeVar("UseCase")
Result = TypeVar("Result")

PASSWORD = "correct horse battery staple"
REFERRER_REWARD = FlatReward(amount=500, currency="USD")
REFEREE_REWARD = FlatReward(amount=300, currency="USD")
PURCHASE = Money(amount=2_000, currency="USD")
# Rounds of a two-sided race: each is one chance for a missing lock to let both sides through.
RACE_ROUNDS = 6


@pytest.fixture
async def container(database_url: str) -> AsyncIterator[AsyncContainer]:
    app_container = make_container(make_settings(database_url))
    yield app_container
    await app_container.close()


@pytest.fixture
async def engine(container: AsyncContainer) -> AsyncEngine:
    return await container.get(AsyncEngine)


async def warm_pool(engine: AsyncEngine, connections: int) -> None:
    """Leave ``connections`` open in the pool, so that racers start at once rather than one of them finishing
    while another is still connecting."""
    async with AsyncExitStack() as stack:
        for _ in range(connections):
            await stack.enter_async_context(engine.connect())


async def in_request(
    container: AsyncContainer, kind: type[UseCase], action: Callable[[UseCase], Awaitable[Result]]
) -> Result:
    """``action`` on the use case of a request scope of its own: its own session, as a request has."""
    async with container() as request:
        return await action(await request.get(kind))


async def set_programme(
    container: AsyncContainer, *, hold: timedelta = timedelta(days=14), cap: int | None = None
) -> None:
    terms = ProgrammeTerms(
        hold=hold,
        referrer_reward=REFERRER_REWARD,
        referee_reward=REFEREE_REWARD,
        max_rewarded_referrals_per_referrer=cap,
    )
    await in_request(container, SetProgramme, lambda set_terms: set_terms(terms))


async def register(container: AsyncContainer, email: str, code: str | None = None) -> User:
    registration = Registration(email, PASSWORD, code)
    return await in_request(container, RegisterUser, lambda register_user: register_user(registration))


async def referrer_with_referees(container: AsyncContainer, referees: int) -> tuple[User, list[User]]:
    """A referrer and ``referees`` users who registered with the referrer's code (each a pending referral)."""
    referrer = await register(container, "ada@example.com")
    new_code = NewCode(referrer.id, expires_at=datetime.now(UTC) + timedelta(days=1))
    code = await in_request(container, CreateReferralCode, lambda create: create(new_code))
    return referrer, [await register(container, f"friend{n}@example.com", code.code) for n in range(referees)]


def purchase(conversion_id: str, referee: User, occurred_at: datetime | None = None) -> ConversionReport:
    return ConversionReport(
        id=conversion_id, type="purchase", user_id=referee.id, value=PURCHASE, occurred_at=occurred_at
    )


async def record(container: AsyncContainer, report: ConversionReport) -> RecordedConversion:
    return await in_request(container, RecordConversion, lambda record_conversion: record_conversion(report))


async def redeem_reward(container: AsyncContainer, reward_id: UUID) -> Reward:
    return await in_request(container, RedeemReward, lambda redeem: redeem(reward_id))


async def void_reward(container: AsyncContainer, reward_id: UUID) -> Reward:
    return await in_request(container, VoidReward, lambda void: void(reward_id))


async def void_referral(container: AsyncContainer, voiding: ReferralVoiding) -> Referral:
    return await in_request(container, VoidReferral, lambda void: void(voiding))


async def scalar(engine: AsyncEngine, query: Select[int]) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(query)).scalar_one())


async def rewards_of_referral(engine: AsyncEngine, referral_id: UUID) -> list[tuple[str, str]]:
    """(role, state) of each reward the referral holds, by role."""
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(rewards.c.role, rewards.c.state).where(rewards.c.referral_id == referral_id).order_by(rewards.c.role)
        )
        return [(role, state) for role, state in rows]


async def events_of(engine: AsyncEngine, subject_id: UUID) -> list[str]:
    """The types of the events recorded about ``subject_id``, in the order they were recorded."""
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(events.c.type).where(events.c.subject_id == subject_id).order_by(events.c.id)
        )
        return list(rows.scalars())


async def referral_state(engine: AsyncEngine, referee_id: UUID) -> str:
    async with engine.connect() as connection:
        return str(
            (await connection.execute(select(referrals.c.state).where(referrals.c.id == referee_id))).scalar_one()
        )


async def test_concurrent_conversions_of_one_referee_qualify_its_referral_once(
    container: AsyncContainer, engine: AsyncEngine
) -> None:
    await set_programme(container)
    _, (referee,) = await referrer_with_referees(container, 1)

    await warm_pool(engine, 10)

    outcomes = await asyncio.gather(*(record(container, purchase(f"order-{n}", referee)) for n in range(10)))

    assert all(outcome.created for outcome in outcomes)
    (winner,) = [outcome for outcome in outcomes if outcome.qualified]
    assert sorted(reward.role for reward in winner.rewards) == [RewardRole.REFEREE, RewardRole.REFERRER]
    assert all(not outcome.rewards for outcome in outcomes if not outcome.qualified)
    assert await rewards_of_referral(engine, referee.id) == [("referee", "pending"), ("referrer", "pending")]
    assert await scalar(engine, select(func.count()).select_from(conversions)) == 10
    assert await scalar(engine, select(func.count()).where(conversions.c.qualified)) == 1
    assert (await events_of(engine, referee.id)).count(EventType.REFERRAL_QUALIFIED.value) == 1
    await assert_tallies_agree(engine)


@pytest.mark.parametrize("occurred_at_given", [True, False], ids=["occurred-at-given", "occurred-at-left-to-service"])
async def test_one_conversion_reported_five_times_at_once_is_stored_once_and_answered_alike(
    container: AsyncContainer, engine: AsyncEngine, occurred_at_given: bool
) -> None:
    await set_programme(container)
    _, (referee,) = await referrer_with_referees(container, 1)
    report = purchase("order-1", referee, datetime.now(UTC) if occurred_at_given else None)

    await warm_pool(engine, 5)

    outcomes = await asyncio.gather(*(record(container, report) for _ in range(5)))

    assert sum(outcome.created for outcome in outcomes) == 1
    answers = {
        (outcome.conversion, outcome.qualified, outcome.referral, tuple(outcome.rewards)) for outcome in outcomes
    }
    assert len(answers) == 1, answers
    (conversion, qualified, referral, granted) = answers.pop()
    assert qualified
    assert referral is not None
    assert referral.state is ReferralState.QUALIFIED
    assert sorted(reward.role for reward in granted) == [RewardRole.REFEREE, RewardRole.REFERRER]
    assert await scalar(engine, select(func.count()).where(conversions.c.id == conversion.id)) == 1
    assert await rewards_of_referral(engine, referee.id) == [("referee", "pending"), ("referrer", "pending")]


async def test_referees_of_one_referrer_converting_at_once_earn_the_referrer_no_more_than_the_cap(
    container: AsyncContainer, engine: AsyncEngine
) -> None:
    cap, referee_count = 3, 8
    await set_programme(container, cap=cap)
    referrer, referees = await referrer_with_referees(container, referee_count)

    await warm_pool(engine, referee_count)

    outcomes = await asyncio.gather(
        *(record(container, purchase(f"order-{n}", referee)) for n, referee in enumerate(referees))
    )

    assert all(outcome.qualified for outcome in outcomes)
    referrer_rewards = select(func.count()).where(
        rewards.c.user_id == referrer.id, rewards.c.role == RewardRole.REFERRER.value
    )
    assert await scalar(engine, referrer_rewards) == cap
    # The cap is the referrer's: every referee is rewarded.
    referee_rewards = select(func.count()).where(rewards.c.role == RewardRole.REFEREE.value)
    assert await scalar(engine, referee_rewards) == referee_count
    answered_with_referrer_reward = sum(
        any(reward.role is RewardRole.REFERRER for reward in outcome.rewards) for outcome in outcomes
    )
    assert answered_with_referrer_reward == cap
    await assert_tallies_agree(engine)


async def attempt(action: Awaitable[Result]) -> Result | DomainError:
    """The result, or the domain error that refused it: a race's loser is told no, not crashed."""
    try:
        return await action
    except DomainError as error:
        return error


def reward_in(outcome: Sequence[Reward], role: RewardRole) -> Reward:
    (found,) = [reward for reward in outcome if reward.role is role]
    return found


async def available_rewards_of(container: AsyncContainer, referees: list[User]) -> list[Reward]:
    """The referee rewards that each referee's purchase earns at once (the programme holds nothing back)."""
    outcomes = [await record(container, purchase(f"order-{n}", referee)) for n, referee in enumerate(referees)]
    earned = [reward_in(outcome.rewards, RewardRole.REFEREE) for outcome in outcomes]
    assert {reward.state for reward in earned} == {RewardState.AVAILABLE}
    return earned


async def test_voiding_a_reward_while_redeeming_it_lets_exactly_one_win(
    container: AsyncContainer, engine: AsyncEngine
) -> None:
    await set_programme(container, hold=timedelta(0))
    _, referees = await referrer_with_referees(container, RACE_ROUNDS)

    available = await available_rewards_of(container, referees)
    await warm_pool(engine, 2)

    for reward in available:
        redeemed, voided = await asyncio.gather(
            attempt(redeem_reward(container, reward.id)),
            attempt(void_reward(container, reward.id)),
        )

        stored = await rewards_of_referral(engine, reward.referral_id)
        settled = [event for event in await events_of(engine, reward.id) if event.endswith(("redeemed", "voided"))]
        if isinstance(redeemed, Reward):
            assert isinstance(voided, RewardNotVoidable), voided
            assert ("referee", "redeemed") in stored
            assert settled == [EventType.REWARD_REDEEMED.value]
        else:
            assert isinstance(redeemed, RewardNotAvailable), redeemed
            assert isinstance(voided, Reward), voided
            assert ("referee", "voided") in stored
            assert settled == [EventType.REWARD_VOIDED.value]
    await assert_tallies_agree(engine)


async def test_voiding_a_referral_while_redeeming_its_reward_lets_exactly_one_win(
    container: AsyncContainer, engine: AsyncEngine
) -> None:
    await set_programme(container, hold=timedelta(0))
    _, referees = await referrer_with_referees(container, RACE_ROUNDS)

    available = await available_rewards_of(container, referees)
    await warm_pool(engine, 2)

    for reward in available:
        fraud = ReferralVoiding(reward.referral_id, VoidReason.FRAUD)
        redeemed, voided = await asyncio.gather(
            attempt(redeem_reward(container, reward.id)),
            attempt(void_referral(container, fraud)),
        )

        stored = await rewards_of_referral(engine, reward.referral_id)
        state = await referral_state(engine, reward.referral_id)
        if isinstance(redeemed, Reward):
            assert isinstance(voided, RewardAlreadyRedeemed), voided
            assert state == ReferralState.QUALIFIED.value
            # Nothing of the refused void is left behind: the referrer's reward is untouched too.
            assert stored == [("referee", "redeemed"), ("referrer", "available")]
        else:
            assert isinstance(redeemed, RewardNotAvailable), redeemed
            assert not isinstance(voided, DomainError), voided
            assert state == ReferralState.VOIDED.value
            assert stored == [("referee", "voided"), ("referrer", "voided")]
    await assert_tallies_agree(engine)


@pytest.mark.parametrize("batch", [3, 500], ids=["small-batches", "one-batch"])
async def test_two_schedulers_maturing_at_once_record_each_reward_available_once(
    container: AsyncContainer, engine: AsyncEngine, batch: int
) -> None:
    referee_count = 10
    await set_programme(container, hold=timedelta(hours=1))
    _, referees = await referrer_with_referees(container, referee_count)
    granted = [
        reward
        for n, referee in enumerate(referees)
        for reward in (await record(container, purchase(f"order-{n}", referee))).rewards
    ]
    assert {reward.state for reward in granted} == {RewardState.PENDING}
    after_the_hold = datetime.now(UTC) + timedelta(hours=2)

    async def scheduler() -> int:
        matured = 0
        # Bounded: one batch more than the rewards could ever need, even if this scheduler matured them all.
        for _ in range(len(granted) // batch + 2):
            count = await in_request(container, MatureRewards, lambda mature: mature(after_the_hold, batch))
            if count == 0:
                break
            matured += count
        return matured

    await warm_pool(engine, 2)
    first, second = await asyncio.gather(scheduler(), scheduler())

    assert first + second == len(granted)
    for reward in granted:
        assert (await events_of(engine, reward.id)).count(EventType.REWARD_AVAILABLE.value) == 1
    still_pending = select(func.count()).where(rewards.c.state == RewardState.PENDING.value)
    assert await scalar(engine, still_pending) == 0
    await assert_tallies_agree(engine)
