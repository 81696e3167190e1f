from datetime import timedelta

import pytest

from referrals.domain.ids import new_id
from referrals.domain.programme_errors import RewardNotAvailable, RewardNotFound, RewardNotVoidable
from referrals.domain.reward import Reward, RewardRole, RewardState
from tests.unit.application.fakes import World
from tests.unit.application.programme_fakes import ProgrammeWorld, make_programme_world
from tests.unit.application.programme_steps import (
    HOLD,
    converted,
    copy_of,
    events_of,
    mature_rewards,
    redeem_reward,
    referred_by,
    referrer,
    reward_in,
    void_reward,
    with_terms,
)


@pytest.fixture
def p(world: World) -> ProgrammeWorld:
    return make_programme_world(world)


async def granted(p: ProgrammeWorld) -> Reward:
    """The referrer's reward of a fresh qualifying purchase, pending for the hold."""
    bea = await referred_by(p, await referrer(p))
    await with_terms(p)
    return reward_in(await converted(p, bea), RewardRole.REFERRER)


async def test_an_unknown_reward_cannot_be_redeemed(p: ProgrammeWorld) -> None:
    with pytest.raises(RewardNotFound):
        await redeem_reward(p)(new_id())

    assert p.database.journal == ["rollback"]


async def test_an_unknown_reward_cannot_be_voided(p: ProgrammeWorld) -> None:
    with pytest.raises(RewardNotFound):
        await void_reward(p)(new_id())

    assert p.database.journal == ["rollback"]


async def test_a_pending_reward_cannot_be_redeemed_and_stays_pending(p: ProgrammeWorld) -> None:
    reward = await granted(p)
    p.world.clock.advance(HOLD - timedelta(seconds=1))
    stored = copy_of(p.database)

    with pytest.raises(RewardNotAvailable):
        await redeem_reward(p)(reward.id)

    assert copy_of(p.database) == stored
    assert p.database.journal[-1] == "rollback"


async def test_a_reward_is_redeemable_from_the_instant_its_hold_ends(p: ProgrammeWorld) -> None:
    reward = await granted(p)
    p.world.clock.advance(HOLD)

    redeemed = await redeem_reward(p)(reward.id)

    assert redeemed.state is RewardState.REDEEMED
    assert redeemed.redeemed_at == p.world.clock.now()
    assert p.database.rewards[reward.id] == redeemed


async def test_redeeming_a_matured_but_unrecorded_reward_records_it_available_first(p: ProgrammeWorld) -> None:
    reward = await granted(p)
    p.world.clock.advance(HOLD + timedelta(days=1))

    await redeem_reward(p)(reward.id)

    assert events_of(p.database, reward.id) == ["reward.created", "reward.available", "reward.redeemed"]
    available, redeemed = [event for event in p.database.events.values() if event.subject_id == reward.id][1:]
    assert available.occurred_at == reward.available_at  # dated at the end of the hold
    assert available.data["state"] == "available"
    assert redeemed.occurred_at == p.world.clock.now()
    assert redeemed.data["state"] == "redeemed"


async def test_redeeming_a_reward_already_recorded_available_records_only_the_redemption(p: ProgrammeWorld) -> None:
    reward = await granted(p)
    p.world.clock.advance(HOLD)
    await mature_rewards(p)(p.world.clock.now())

    await redeem_reward(p)(reward.id)

    assert events_of(p.database, reward.id) == ["reward.created", "reward.available", "reward.redeemed"]


async def test_a_redeemed_reward_cannot_be_redeemed_again(p: ProgrammeWorld) -> None:
    reward = await granted(p)
    p.world.clock.advance(HOLD)
    await redeem_reward(p)(reward.id)
    stored = copy_of(p.database)

    with pytest.raises(RewardNotAvailable):
        await redeem_reward(p)(reward.id)

    assert copy_of(p.database) == stored


async def test_a_voided_reward_cannot_be_redeemed(p: ProgrammeWorld) -> None:
    reward = await granted(p)
    await void_reward(p)(reward.id)
    p.world.clock.advance(HOLD)

    with pytest.raises(RewardNotAvailable):
        await redeem_reward(p)(reward.id)

    assert p.database.rewards[reward.id].state is RewardState.VOIDED


async def test_a_pending_reward_can_be_voided(p: ProgrammeWorld) -> None:
    reward = await granted(p)

    voided = await void_reward(p)(reward.id)

    assert voided.state is RewardState.VOIDED
    assert voided.voided_at == p.world.clock.now()
    assert p.database.rewards[reward.id] == voided
    assert events_of(p.database, reward.id) == ["reward.created", "reward.voided"]


async def test_voiding_a_matured_but_unrecorded_reward_records_it_available_first(p: ProgrammeWorld) -> None:
    reward = await granted(p)
    p.world.clock.advance(HOLD)

    voided = await void_reward(p)(reward.id)

    assert voided.state is RewardState.VOIDED
    assert events_of(p.database, reward.id) == ["reward.created", "reward.available", "reward.voided"]


@pytest.mark.parametrize("settled", ["redeemed", "voided"])
async def test_a_settled_reward_cannot_be_voided_and_nothing_changes(p: ProgrammeWorld, settled: str) -> None:
    reward = await granted(p)
    p.world.clock.advance(HOLD)
    await (redeem_reward(p) if settled == "redeemed" else void_reward(p))(reward.id)
    stored = copy_of(p.database)

    with pytest.raises(RewardNotVoidable):
        await void_reward(p)(reward.id)

    assert copy_of(p.database) == stored
    assert p.database.journal[-1] == "rollback"
