"""The programme's fakes keep the promises of their ports, or the use-case tests over them prove nothing."""

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from referrals.application.ports.rewards import RewardFilter
from referrals.domain.conversion import Conversion
from referrals.domain.ids import new_id
from referrals.domain.money import Money
from referrals.domain.programme import UNSET_PROGRAMME, ProgrammeTerms
from referrals.domain.referral import ReferralState, VoidReason
from referrals.domain.reward import Reward, RewardRole, RewardState
from tests.unit.application.fakes import World
from tests.unit.application.programme_fakes import ProgrammeWorld, make_programme_world
from tests.unit.application.programme_steps import event_types, referred_by, referrer

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@pytest.fixture
def p(world: World) -> ProgrammeWorld:
    return make_programme_world(world)


def conversion(conversion_id: str = "ord_1", amount: int = 4999) -> Conversion:
    return Conversion(conversion_id, new_id(), "purchase", Money(amount, "USD"), NOW, NOW)


def reward(
    conversion_id: str = "ord_1",
    role: RewardRole = RewardRole.REFERRER,
    available_at: datetime = NOW + timedelta(days=14),
    referral_id: UUID | None = None,
) -> Reward:
    return Reward(
        id=new_id(),
        referral_id=new_id() if referral_id is None else referral_id,
        user_id=new_id(),
        role=role,
        amount=1000,
        currency="USD",
        state=RewardState.PENDING,
        created_at=NOW,
        available_at=available_at,
        program_version=1,
        conversion_id=conversion_id,
    )


async def test_a_conversion_id_is_stored_once_and_add_says_whether_it_was(p: ProgrammeWorld) -> None:
    first, second = conversion(amount=1), conversion(amount=2)
    async with p.world.transaction.write():
        stored = await p.conversions.add(first, qualified=False)
        again = await p.conversions.add(second, qualified=False)

    assert (stored, again) == (True, False)
    found = await p.conversions.get("ord_1")
    assert found is not None
    assert (found.conversion, found.qualified) == (first, False)


async def test_repositories_refuse_to_write_outside_a_write_transaction(p: ProgrammeWorld) -> None:
    with pytest.raises(AssertionError):
        await p.conversions.add(conversion(), qualified=False)
    with pytest.raises(AssertionError):
        await p.programme.add(ProgrammeTerms(), NOW)

    assert p.database.conversions == {}
    assert p.database.programmes == {}


async def test_a_rolled_back_write_restores_the_programme_tables(p: ProgrammeWorld) -> None:
    granted = reward()

    async def failing_write() -> None:
        async with p.world.transaction.write():
            await p.conversions.add(conversion(), qualified=False)
            await p.rewards.add(granted)
            await p.programme.add(ProgrammeTerms(), NOW)
            raise RuntimeError

    with pytest.raises(RuntimeError):
        await failing_write()

    assert (p.database.conversions, p.database.rewards, p.database.programmes) == ({}, {}, {})
    assert p.database.events == {}
    assert await p.programme.current() == UNSET_PROGRAMME


async def test_a_referral_holds_at_most_one_reward_per_role(p: ProgrammeWorld) -> None:
    first = reward()
    async with p.world.transaction.write():
        await p.conversions.add(conversion(), qualified=False)
        await p.rewards.add(first)

    async def second_of_the_same_role() -> None:
        async with p.world.transaction.write():
            await p.rewards.add(reward(referral_id=first.referral_id))

    with pytest.raises(AssertionError):
        await second_of_the_same_role()

    assert list(p.database.rewards) == [first.id]


async def test_reward_reads_show_a_pending_reward_past_its_hold_as_available(p: ProgrammeWorld) -> None:
    due, later = reward(available_at=NOW), reward(available_at=NOW + timedelta(days=1))
    async with p.world.transaction.write():
        await p.conversions.add(conversion(), qualified=False)
        await p.rewards.add(due)
        await p.rewards.add(later)

    available, total = await p.reward_queries.page(RewardFilter(state=RewardState.AVAILABLE), NOW, 10, 0)
    pending, _ = await p.reward_queries.page(RewardFilter(state=RewardState.PENDING), NOW, 10, 0)

    assert ([r.id for r in available], total) == ([due.id], 1)
    assert available[0].state is RewardState.AVAILABLE
    assert [r.id for r in pending] == [later.id]
    assert p.database.rewards[due.id].state is RewardState.PENDING  # the stored state lags on purpose
    totals = (await p.referrer_stats.tallies(due.user_id, NOW)).rewards
    assert [(t.currency, t.pending, t.available) for t in totals] == [("USD", 0, 1000)]


async def test_reward_reads_see_committed_rewards_only(p: ProgrammeWorld) -> None:
    granted = reward()
    async with p.world.transaction.write():
        await p.conversions.add(conversion(), qualified=False)
        await p.rewards.add(granted)
        inside = await p.reward_queries.of_conversion("ord_1")

    assert list(inside) == []
    assert list(await p.reward_queries.of_conversion("ord_1")) == [granted]


async def test_a_reward_granted_past_its_hold_records_created_and_available(p: ProgrammeWorld) -> None:
    async with p.world.transaction.write():
        await p.conversions.add(conversion(), qualified=False)
        await p.rewards.add(reward(available_at=NOW).as_of(NOW))

    assert event_types(p.database) == ["reward.created", "reward.available"]


async def test_a_registered_referee_is_a_pending_referral_until_a_state_is_saved(p: ProgrammeWorld) -> None:
    ada = await referrer(p)
    bea = await referred_by(p, ada)

    async with p.world.transaction.write():
        pending = await p.referrals.lock(bea.id)
        nobody = await p.referrals.lock(ada.id)
        assert pending is not None
        await p.referrals.save(pending.voided(VoidReason.FRAUD, NOW), note="why")

    assert (pending.referrer_id, pending.state, pending.created_at) == (ada.id, ReferralState.PENDING, bea.created_at)
    assert nobody is None
    found = await p.referral_queries.get(bea.id)
    assert found is not None
    assert found.state is ReferralState.VOIDED
    assert event_types(p.database)[-1] == "referral.voided"
