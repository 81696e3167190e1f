from datetime import timedelta

import pytest

from referrals.domain.reward import Reward, RewardRole, RewardState
from tests.unit.application.fakes import World
from tests.unit.application.programme_fakes import ProgrammeWorld, make_programme_world
from tests.unit.application.programme_steps import (
    HOLD,
    converted,
    event_types,
    events_of,
    mature_rewards,
    redeem_reward,
    referred_by,
    referrer,
    void_reward,
    with_terms,
)


@pytest.fixture
def p(world: World) -> ProgrammeWorld:
    return make_programme_world(world)


async def two_grants_a_day_apart(p: ProgrammeWorld) -> tuple[list[Reward], list[Reward]]:
    ada = await referrer(p)
    bea = await referred_by(p, ada, "bea@example.com")
    cid = await referred_by(p, ada, "cid@example.com")
    await with_terms(p)
    early = await converted(p, bea, "ord_1")
    p.world.clock.advance(timedelta(days=1))
    late = await converted(p, cid, "ord_2")
    return list(early.rewards), list(late.rewards)


async def test_only_rewards_whose_hold_ended_mature(p: ProgrammeWorld) -> None:
    early, late = await two_grants_a_day_apart(p)
    now = early[0].available_at

    matured = await mature_rewards(p)(now)

    assert matured == 2
    assert {p.database.rewards[reward.id].state for reward in early} == {RewardState.AVAILABLE}
    assert {p.database.rewards[reward.id].state for reward in late} == {RewardState.PENDING}


async def test_each_matured_reward_records_one_available_event_dated_at_the_end_of_its_hold(
    p: ProgrammeWorld,
) -> None:
    early, _ = await two_grants_a_day_apart(p)
    before = len(p.database.events)

    await mature_rewards(p)(early[0].available_at + timedelta(hours=1))

    recorded = list(p.database.events.values())[before:]
    assert [event.type.value for event in recorded] == ["reward.available", "reward.available"]
    assert {event.subject_id for event in recorded} == {reward.id for reward in early}
    assert {event.occurred_at for event in recorded} == {early[0].available_at}


async def test_a_reward_matures_once(p: ProgrammeWorld) -> None:
    early, late = await two_grants_a_day_apart(p)
    later = late[0].available_at

    first = await mature_rewards(p)(later)
    events = event_types(p.database)
    again = await mature_rewards(p)(later + HOLD)

    assert (first, again) == (4, 0)
    assert event_types(p.database) == events
    for reward in early + late:
        assert events_of(p.database, reward.id) == ["reward.created", "reward.available"]


async def test_one_call_matures_a_bounded_batch_oldest_hold_first(p: ProgrammeWorld) -> None:
    early, late = await two_grants_a_day_apart(p)

    matured = await mature_rewards(p)(late[0].available_at, limit=2)

    assert matured == 2
    assert {p.database.rewards[reward.id].state for reward in early} == {RewardState.AVAILABLE}
    assert {p.database.rewards[reward.id].state for reward in late} == {RewardState.PENDING}


async def test_nothing_due_matures_nothing(p: ProgrammeWorld) -> None:
    early, _ = await two_grants_a_day_apart(p)

    matured = await mature_rewards(p)(early[0].available_at - timedelta(seconds=1))

    assert matured == 0
    assert all(reward.state is RewardState.PENDING for reward in p.database.rewards.values())
    assert p.database.journal[-1] == "commit"


async def test_a_voided_reward_does_not_mature(p: ProgrammeWorld) -> None:
    early, _ = await two_grants_a_day_apart(p)
    voided = await void_reward(p)(next(reward for reward in early if reward.role is RewardRole.REFERRER).id)

    matured = await mature_rewards(p)(early[0].available_at)

    assert matured == 1
    assert p.database.rewards[voided.id] == voided


async def test_a_reward_a_redeem_recorded_available_on_the_way_does_not_mature_again(p: ProgrammeWorld) -> None:
    early, _ = await two_grants_a_day_apart(p)
    reward = early[0]
    p.world.clock.current = reward.available_at
    await redeem_reward(p)(reward.id)

    matured = await mature_rewards(p)(reward.available_at)

    assert matured == 1  # the other reward of that conversion
    assert p.database.rewards[reward.id].state is RewardState.REDEEMED
    assert events_of(p.database, reward.id) == ["reward.created", "reward.available", "reward.redeemed"]
