from datetime import timedelta

import pytest

from referrals.application.access import check_may_read_referrer
from referrals.application.errors import InsufficientScope, NotReferrer
from referrals.application.pages import PageRequest
from referrals.application.ports.operators import KeyCaller, UserCaller
from referrals.application.ports.referrals import ReferralCounts, ReferralFilter
from referrals.application.ports.rewards import CurrencyTotals, RewardFilter
from referrals.application.use_cases.list_referrals import ReferralsRequest
from referrals.application.use_cases.referrer_stats import ReferrerStats
from referrals.application.use_cases.void_referral import ReferralVoiding
from referrals.domain.api_keys import Scope
from referrals.domain.ids import new_id
from referrals.domain.referral import ReferralState, VoidReason
from referrals.domain.reward import RewardRole, RewardState
from referrals.domain.user import User
from tests.unit.application.fakes import World
from tests.unit.application.programme_fakes import ProgrammeWorld, make_programme_world
from tests.unit.application.programme_steps import (
    HOLD,
    browse_referrals,
    converted,
    get_referrer_stats,
    list_referrals,
    list_rewards,
    redeem_reward,
    referred_by,
    referrer,
    reward_in,
    void_referral,
    with_terms,
)

READER = KeyCaller(key_id=new_id(), scopes=frozenset({Scope.REFERRALS_READ}))
WRITER = KeyCaller(key_id=new_id(), scopes=frozenset({Scope.EVENTS_WRITE, Scope.REFERRALS_WRITE}))


@pytest.fixture
def p(world: World) -> ProgrammeWorld:
    return make_programme_world(world)


async def ada_with_four_referrals(p: ProgrammeWorld) -> User:
    """Ada's referrals: bea and cid qualified, dan voided, eve pending."""
    ada = await referrer(p)
    referees = [await referred_by(p, ada, f"{name}@example.com") for name in ("bea", "cid", "dan", "eve")]
    await with_terms(p)
    for n, referee in enumerate(referees[:2]):
        await converted(p, referee, f"ord_{n}")
    await void_referral(p)(ReferralVoiding(referees[2].id, VoidReason.FRAUD))
    return ada


async def test_the_referrer_and_a_key_with_referrals_read_list_the_same_referrals(p: ProgrammeWorld) -> None:
    ada = await ada_with_four_referrals(p)

    as_referrer = await list_referrals(p)(ReferralsRequest(UserCaller(ada.id), ada.id))
    as_key = await list_referrals(p)(ReferralsRequest(READER, ada.id))

    assert as_referrer == as_key
    assert as_key.total == 4
    assert {item.referrer_id for item in as_key.items} == {ada.id}


def test_another_user_may_not_read() -> None:
    with pytest.raises(NotReferrer):
        check_may_read_referrer(UserCaller(new_id()), new_id())


def test_a_key_without_referrals_read_may_not_read() -> None:
    with pytest.raises(InsufficientScope) as refused:
        check_may_read_referrer(WRITER, new_id())

    assert refused.value.scope == Scope.REFERRALS_READ


async def test_the_stats_count_referrals_by_state_and_sum_rewards_as_they_stand(p: ProgrammeWorld) -> None:
    ada = await ada_with_four_referrals(p)

    stats = await get_referrer_stats(p)(UserCaller(ada.id), ada.id)

    assert stats.referrer_id == ada.id
    assert stats.referrals == ReferralCounts(pending=1, qualified=2, voided=1)
    assert stats.conversion_rate == 0.5
    # Only ada's own rewards as referrer: two of $10, pending; the referees' rewards are theirs.
    assert list(stats.rewards) == [CurrencyTotals(currency="USD", pending=2000)]


async def test_the_reward_sums_follow_the_hold_and_the_payouts(p: ProgrammeWorld) -> None:
    ada = await referrer(p)
    bea = await referred_by(p, ada)
    await with_terms(p)
    recorded = await converted(p, bea)
    p.world.clock.advance(HOLD)

    available = await get_referrer_stats(p)(READER, ada.id)
    await redeem_reward(p)(reward_in(recorded, RewardRole.REFERRER).id)
    redeemed = await get_referrer_stats(p)(READER, ada.id)

    assert list(available.rewards) == [CurrencyTotals(currency="USD", available=1000)]
    assert list(redeemed.rewards) == [CurrencyTotals(currency="USD", redeemed=1000)]


async def test_a_key_with_referrals_read_gets_the_same_stats_as_the_referrer(p: ProgrammeWorld) -> None:
    ada = await ada_with_four_referrals(p)

    assert await get_referrer_stats(p)(READER, ada.id) == await get_referrer_stats(p)(UserCaller(ada.id), ada.id)


async def test_another_user_gets_no_stats(p: ProgrammeWorld) -> None:
    ada = await ada_with_four_referrals(p)
    eve = await p.world.users.by_email("eve@example.com")
    assert eve is not None

    with pytest.raises(NotReferrer):
        await get_referrer_stats(p)(UserCaller(eve.id), ada.id)


async def test_a_key_without_the_scope_gets_no_stats(p: ProgrammeWorld) -> None:
    ada = await ada_with_four_referrals(p)

    with pytest.raises(InsufficientScope):
        await get_referrer_stats(p)(WRITER, ada.id)


async def test_a_referrer_without_referrals_has_a_conversion_rate_of_zero(p: ProgrammeWorld) -> None:
    ada = await referrer(p)

    stats = await get_referrer_stats(p)(UserCaller(ada.id), ada.id)

    assert (stats.referrals.total, stats.conversion_rate, list(stats.rewards)) == (0, 0.0, [])


@pytest.mark.parametrize(
    ("counts", "rate"),
    [
        (ReferralCounts(pending=2, qualified=1), 0.3333),
        (ReferralCounts(qualified=2, voided=1), 0.6667),
        (ReferralCounts(qualified=3), 1.0),
        (ReferralCounts(pending=3), 0.0),
    ],
)
def test_the_conversion_rate_is_qualified_over_all_rounded_to_four_places(counts: ReferralCounts, rate: float) -> None:
    assert ReferrerStats(referrer_id=new_id(), referrals=counts, rewards=[]).conversion_rate == rate


async def test_a_reading_key_lists_a_referrers_referrals_in_one_state(p: ProgrammeWorld) -> None:
    ada = await ada_with_four_referrals(p)

    page = await list_referrals(p)(ReferralsRequest(READER, ada.id, state=ReferralState.QUALIFIED))

    assert sorted(item.email for item in page.items) == ["bea@example.com", "cid@example.com"]
    assert {item.state for item in page.items} == {ReferralState.QUALIFIED}
    assert page.total == 2


async def test_a_key_without_the_scope_lists_no_referrals(p: ProgrammeWorld) -> None:
    ada = await ada_with_four_referrals(p)

    with pytest.raises(InsufficientScope):
        await list_referrals(p)(ReferralsRequest(WRITER, ada.id))

    assert p.referral_queries.pages_asked == []


async def test_the_operator_browses_every_referral_in_one_state(p: ProgrammeWorld) -> None:
    ada = await ada_with_four_referrals(p)
    other = await referrer(p, "zed@example.com")
    p.world.clock.advance(timedelta(seconds=1))
    await referred_by(p, other, "yan@example.com")

    pending = await browse_referrals(p)(ReferralFilter(state=ReferralState.PENDING), PageRequest())
    voided_of_ada = await browse_referrals(p)(
        ReferralFilter(referrer_id=ada.id, state=ReferralState.VOIDED), PageRequest()
    )

    assert [item.email for item in pending.items] == ["yan@example.com", "eve@example.com"]
    assert [item.email for item in voided_of_ada.items] == ["dan@example.com"]


async def test_the_payout_queue_shows_pending_rewards_past_their_hold_as_available(p: ProgrammeWorld) -> None:
    ada = await referrer(p)
    bea = await referred_by(p, ada, "bea@example.com")
    cid = await referred_by(p, ada, "cid@example.com")
    await with_terms(p)
    early = await converted(p, bea, "ord_1")
    p.world.clock.advance(timedelta(days=1))
    await converted(p, cid, "ord_2")
    p.world.clock.advance(HOLD - timedelta(days=1))

    queue = await list_rewards(p)(RewardFilter(state=RewardState.AVAILABLE), PageRequest())
    still_pending = await list_rewards(p)(RewardFilter(state=RewardState.PENDING), PageRequest())

    assert {reward.id for reward in queue.items} == {reward.id for reward in early.rewards}
    assert {reward.state for reward in queue.items} == {RewardState.AVAILABLE}
    assert queue.total == 2
    assert {reward.user_id for reward in still_pending.items} == {ada.id, cid.id}
    assert {reward.state for reward in still_pending.items} == {RewardState.PENDING}


async def test_a_users_rewards_are_theirs_in_either_role_newest_first(p: ProgrammeWorld) -> None:
    ada = await referrer(p)
    bea = await referred_by(p, ada, "bea@example.com")
    await with_terms(p)
    await converted(p, bea, "ord_1")
    p.world.clock.advance(timedelta(days=1))
    cid = await referred_by(p, bea, "cid@example.com")
    await converted(p, cid, "ord_2")

    page = await list_rewards(p)(RewardFilter(user_id=bea.id), PageRequest(limit=500, offset=-1))

    assert [reward.role for reward in page.items] == [RewardRole.REFERRER, RewardRole.REFEREE]
    assert (page.total, page.limit, page.offset) == (2, 100, 0)
    assert p.reward_queries.pages_asked[-1][1:] == (p.world.clock.now(), 100, 0)
