from datetime import timedelta

import pytest

from referrals.application.use_cases.void_referral import ReferralVoiding
from referrals.domain.ids import new_id
from referrals.domain.programme_errors import ReferralAlreadyVoided, ReferralNotFound, RewardAlreadyRedeemed
from referrals.domain.referral import ReferralState, VoidReason
from referrals.domain.reward import RewardRole, RewardState
from tests.unit.application.fakes import World
from tests.unit.application.programme_fakes import ProgrammeWorld, make_programme_world
from tests.unit.application.programme_steps import (
    HOLD,
    converted,
    copy_of,
    event_types,
    events_of,
    redeem_reward,
    referred_by,
    referrer,
    reward_in,
    void_referral,
    void_reward,
    with_terms,
)


@pytest.fixture
def p(world: World) -> ProgrammeWorld:
    return make_programme_world(world)


async def test_voiding_a_pending_referral_stores_its_reason_and_note(p: ProgrammeWorld) -> None:
    bea = await referred_by(p, await referrer(p))

    voided = await void_referral(p)(ReferralVoiding(bea.id, VoidReason.DUPLICATE, note="same card as ada"))

    assert (voided.id, voided.state, voided.void_reason) == (bea.id, ReferralState.VOIDED, VoidReason.DUPLICATE)
    assert voided.voided_at == p.world.clock.now()
    assert p.database.referrals[bea.id].referral == voided
    assert p.database.referrals[bea.id].note == "same card as ada"
    assert events_of(p.database, bea.id) == ["referral.voided"]
    assert await p.referral_queries.get(bea.id) == voided


async def test_voiding_a_qualified_referral_voids_its_rewards_then_itself(p: ProgrammeWorld) -> None:
    bea = await referred_by(p, await referrer(p))
    await with_terms(p)
    recorded = await converted(p, bea)
    before = len(p.database.events)

    voided = await void_referral(p)(ReferralVoiding(bea.id, VoidReason.REFUND))

    assert voided.state is ReferralState.VOIDED
    assert {p.database.rewards[reward.id].state for reward in recorded.rewards} == {RewardState.VOIDED}
    assert {p.database.rewards[reward.id].voided_at for reward in recorded.rewards} == {p.world.clock.now()}
    assert event_types(p.database)[before:] == ["reward.voided", "reward.voided", "referral.voided"]


async def test_a_reward_voided_before_is_left_as_it_was(p: ProgrammeWorld) -> None:
    bea = await referred_by(p, await referrer(p))
    await with_terms(p)
    recorded = await converted(p, bea)
    referrer_reward = await void_reward(p)(reward_in(recorded, RewardRole.REFERRER).id)
    p.world.clock.advance(timedelta(hours=1))

    await void_referral(p)(ReferralVoiding(bea.id, VoidReason.FRAUD))

    assert p.database.rewards[referrer_reward.id] == referrer_reward
    assert events_of(p.database, referrer_reward.id) == ["reward.created", "reward.voided"]
    assert p.database.rewards[reward_in(recorded, RewardRole.REFEREE).id].state is RewardState.VOIDED


async def test_a_matured_but_unrecorded_reward_is_recorded_available_before_it_is_voided(p: ProgrammeWorld) -> None:
    bea = await referred_by(p, await referrer(p))
    await with_terms(p)
    recorded = await converted(p, bea)
    p.world.clock.advance(HOLD)

    await void_referral(p)(ReferralVoiding(bea.id, VoidReason.OTHER))

    for reward in recorded.rewards:
        assert events_of(p.database, reward.id) == ["reward.created", "reward.available", "reward.voided"]


async def test_a_voided_referral_cannot_be_voided_again(p: ProgrammeWorld) -> None:
    bea = await referred_by(p, await referrer(p))
    await void_referral(p)(ReferralVoiding(bea.id, VoidReason.FRAUD, note="first"))
    stored = copy_of(p.database)

    with pytest.raises(ReferralAlreadyVoided):
        await void_referral(p)(ReferralVoiding(bea.id, VoidReason.OTHER, note="second"))

    assert copy_of(p.database) == stored
    assert p.database.referrals[bea.id].note == "first"


async def test_a_referral_with_a_redeemed_reward_is_refused_and_nothing_changes(p: ProgrammeWorld) -> None:
    bea = await referred_by(p, await referrer(p))
    await with_terms(p)
    recorded = await converted(p, bea)
    p.world.clock.advance(HOLD)
    await redeem_reward(p)(reward_in(recorded, RewardRole.REFEREE).id)  # the referrer's is matured, unrecorded
    stored = copy_of(p.database)

    with pytest.raises(RewardAlreadyRedeemed):
        await void_referral(p)(ReferralVoiding(bea.id, VoidReason.REFUND))

    assert copy_of(p.database) == stored
    assert p.database.journal[-1] == "rollback"
    assert p.database.rewards[reward_in(recorded, RewardRole.REFERRER).id].state is RewardState.PENDING


async def test_an_unknown_referral_is_not_found(p: ProgrammeWorld) -> None:
    with pytest.raises(ReferralNotFound):
        await void_referral(p)(ReferralVoiding(new_id(), VoidReason.FRAUD))

    assert p.database.journal == ["rollback"]


async def test_a_user_nobody_referred_has_no_referral_to_void(p: ProgrammeWorld) -> None:
    ada = await referrer(p)

    with pytest.raises(ReferralNotFound):
        await void_referral(p)(ReferralVoiding(ada.id, VoidReason.FRAUD))

    assert p.database.referrals == {}
