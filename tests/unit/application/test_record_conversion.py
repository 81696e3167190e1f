from dataclasses import replace
from datetime import timedelta

import pytest

from referrals.application.use_cases.record_conversion import ConversionReport
from referrals.application.use_cases.void_referral import ReferralVoiding
from referrals.domain.ids import new_id
from referrals.domain.money import Money
from referrals.domain.programme_errors import (
    ConversionIdReused,
    ConversionInFuture,
    InvalidConversion,
    UnknownConversionUser,
)
from referrals.domain.referral import ReferralState, VoidReason
from referrals.domain.reward import RewardRole, RewardState
from tests.unit.application.fakes import World
from tests.unit.application.programme_fakes import ProgrammeWorld, make_programme_world
from tests.unit.application.programme_steps import (
    HOLD,
    TERMS,
    converted,
    copy_of,
    event_types,
    events_of,
    purchase,
    record_conversion,
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


async def test_a_qualifying_conversion_qualifies_the_referral_and_grants_both_rewards(p: ProgrammeWorld) -> None:
    ada = await referrer(p)
    bea = await referred_by(p, ada)
    programme = await with_terms(p)
    now = p.world.clock.now()

    recorded = await converted(p, bea)

    assert recorded.created
    assert recorded.qualified
    assert recorded.referral is not None
    assert (recorded.referral.id, recorded.referral.state) == (bea.id, ReferralState.QUALIFIED)
    assert recorded.referral.qualified_at == now
    assert [(r.role, r.user_id, r.amount, r.currency) for r in recorded.rewards] == [
        (RewardRole.REFERRER, ada.id, 1000, "USD"),
        (RewardRole.REFEREE, bea.id, 499, "USD"),  # 10 % of 4999, rounded down
    ]
    for reward in recorded.rewards:
        assert reward.state is RewardState.PENDING
        assert reward.available_at == now + HOLD
        assert reward.created_at == now
        assert reward.program_version == programme.version == 1
        assert reward.conversion_id == "ord_1"
        assert reward.referral_id == bea.id
        assert p.database.rewards[reward.id] == reward
    assert p.database.conversions["ord_1"].qualified


async def test_qualifying_records_the_referral_then_each_reward_created(p: ProgrammeWorld) -> None:
    ada = await referrer(p)
    bea = await referred_by(p, ada)
    await with_terms(p)
    before = len(p.database.events)

    recorded = await converted(p, bea)

    assert event_types(p.database)[before:] == ["referral.qualified", "reward.created", "reward.created"]
    assert [event.subject_id for event in list(p.database.events.values())[before:]] == [
        bea.id,
        *(reward.id for reward in recorded.rewards),
    ]


async def test_a_share_reward_is_capped_by_its_max_amount(p: ProgrammeWorld) -> None:
    bea = await referred_by(p, await referrer(p))
    await with_terms(p)

    recorded = await record_conversion(p)(purchase(bea, amount=100_000))

    assert reward_in(recorded, RewardRole.REFEREE).amount == 2500


async def test_occurred_at_sets_when_the_hold_ends(p: ProgrammeWorld) -> None:
    bea = await referred_by(p, await referrer(p))
    await with_terms(p)
    registered_at = p.world.clock.now()
    p.world.clock.advance(timedelta(days=3))
    occurred_at = registered_at + timedelta(days=1)

    recorded = await record_conversion(p)(purchase(bea, occurred_at=occurred_at))

    assert recorded.conversion.occurred_at == occurred_at
    assert recorded.conversion.received_at == p.world.clock.now()
    assert {reward.available_at for reward in recorded.rewards} == {occurred_at + HOLD}
    assert {reward.state for reward in recorded.rewards} == {RewardState.PENDING}


async def test_a_conversion_reported_after_its_hold_grants_available_rewards_at_once(p: ProgrammeWorld) -> None:
    bea = await referred_by(p, await referrer(p))
    await with_terms(p)
    occurred_at = p.world.clock.now() + timedelta(days=1)
    p.world.clock.advance(timedelta(days=20))
    before = len(p.database.events)

    recorded = await record_conversion(p)(purchase(bea, occurred_at=occurred_at))

    assert recorded.qualified
    assert {reward.state for reward in recorded.rewards} == {RewardState.AVAILABLE}
    assert {p.database.rewards[reward.id].state for reward in recorded.rewards} == {RewardState.AVAILABLE}
    assert event_types(p.database)[before:] == [
        "referral.qualified",
        "reward.created",
        "reward.available",
        "reward.created",
        "reward.available",
    ]


async def test_a_conversion_reported_by_email_finds_the_user_by_the_canonical_spelling(p: ProgrammeWorld) -> None:
    bea = await referred_by(p, await referrer(p))
    await with_terms(p)

    recorded = await record_conversion(p)(
        ConversionReport(id="ord_1", type="purchase", email="  BEA@Example.COM ", value=Money(4999, "USD"))
    )

    assert recorded.conversion.user_id == bea.id
    assert recorded.qualified


@pytest.mark.parametrize(
    "report",
    [
        ConversionReport(id="ord_1", type="purchase"),
        ConversionReport(id="ord_1", type="purchase", user_id=new_id(), email="bea@example.com"),
    ],
    ids=["neither", "both"],
)
async def test_exactly_one_of_user_id_and_email_is_required(p: ProgrammeWorld, report: ConversionReport) -> None:
    await referred_by(p, await referrer(p))
    journal = list(p.database.journal)

    with pytest.raises(InvalidConversion):
        await record_conversion(p)(report)

    assert p.database.journal == journal
    assert p.database.conversions == {}


@pytest.mark.parametrize(
    "report",
    [
        ConversionReport(id="ord_1", type="purchase", user_id=new_id()),
        ConversionReport(id="ord_1", type="purchase", email="nobody@example.com"),
    ],
    ids=["by-id", "by-email"],
)
async def test_an_unknown_user_is_refused_and_nothing_is_written(p: ProgrammeWorld, report: ConversionReport) -> None:
    await referred_by(p, await referrer(p))
    journal = list(p.database.journal)

    with pytest.raises(UnknownConversionUser):
        await record_conversion(p)(report)

    assert p.database.journal == journal
    assert p.database.conversions == {}


async def test_a_malformed_email_names_no_user_and_is_never_looked_up(p: ProgrammeWorld) -> None:
    with pytest.raises(UnknownConversionUser):
        await record_conversion(p)(ConversionReport(id="ord_1", type="purchase", email="not-an-email"))

    assert p.database.journal == []


async def test_a_conversion_in_the_future_is_refused_and_nothing_is_written(p: ProgrammeWorld) -> None:
    bea = await referred_by(p, await referrer(p))
    journal = list(p.database.journal)

    with pytest.raises(ConversionInFuture):
        await record_conversion(p)(purchase(bea, occurred_at=p.world.clock.now() + timedelta(seconds=1)))

    assert p.database.journal == journal
    assert p.database.conversions == {}


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"type": "signup"}, "not the qualifying event"),
        ({"value": Money(999, "USD")}, "under min_amount"),
        ({"value": Money(5000, "EUR")}, "min_amount in another currency"),
        ({"value": None}, "no amount at all"),
    ],
)
async def test_a_conversion_that_does_not_qualify_is_stored_and_grants_nothing(
    p: ProgrammeWorld, change: dict[str, object], why: str
) -> None:
    ada = await referrer(p)
    bea = await referred_by(p, ada)
    await with_terms(p)
    before = len(p.database.events)

    recorded = await record_conversion(p)(replace(purchase(bea), **change))  # type: ignore[arg-type]

    assert recorded.created, why
    assert not recorded.qualified
    assert list(recorded.rewards) == []
    assert recorded.referral is not None
    assert recorded.referral.state is ReferralState.PENDING
    assert p.database.conversions["ord_1"].conversion == recorded.conversion
    assert not p.database.conversions["ord_1"].qualified
    assert p.database.rewards == {}
    assert len(p.database.events) == before


async def test_a_conversion_after_the_attribution_window_does_not_qualify(p: ProgrammeWorld) -> None:
    bea = await referred_by(p, await referrer(p))
    await with_terms(p)
    p.world.clock.advance(TERMS.attribution_window + timedelta(seconds=1))

    recorded = await converted(p, bea)

    assert not recorded.qualified
    assert p.database.rewards == {}
    assert p.database.referrals == {}


async def test_a_conversion_at_the_end_of_the_attribution_window_still_qualifies(p: ProgrammeWorld) -> None:
    bea = await referred_by(p, await referrer(p))
    await with_terms(p)
    p.world.clock.advance(TERMS.attribution_window)

    recorded = await converted(p, bea)

    assert recorded.qualified


async def test_a_conversion_before_the_registration_does_not_qualify(p: ProgrammeWorld) -> None:
    ada = await referrer(p)
    registered_before = p.world.clock.now()
    p.world.clock.advance(timedelta(hours=1))
    bea = await referred_by(p, ada)
    await with_terms(p)

    recorded = await record_conversion(p)(purchase(bea, occurred_at=registered_before))

    assert not recorded.qualified
    assert p.database.rewards == {}


async def test_a_user_nobody_referred_converts_without_a_referral(p: ProgrammeWorld) -> None:
    ada = await referrer(p)
    await with_terms(p)

    recorded = await converted(p, ada)

    assert recorded.created
    assert not recorded.qualified
    assert recorded.referral is None
    assert list(recorded.rewards) == []
    assert "ord_1" in p.database.conversions


async def test_before_any_programme_a_purchase_qualifies_but_earns_nothing(p: ProgrammeWorld) -> None:
    bea = await referred_by(p, await referrer(p))

    recorded = await converted(p, bea)

    assert recorded.qualified
    assert list(recorded.rewards) == []
    assert p.database.rewards == {}


async def test_the_same_report_again_answers_the_stored_conversion_with_the_same_rewards(p: ProgrammeWorld) -> None:
    bea = await referred_by(p, await referrer(p))
    await with_terms(p)
    first = await record_conversion(p)(purchase(bea, occurred_at=p.world.clock.now()))
    stored = copy_of(p.database)
    p.world.clock.advance(timedelta(hours=1))

    again = await record_conversion(p)(purchase(bea, occurred_at=first.conversion.occurred_at))

    assert not again.created
    assert again.qualified
    assert again.conversion == first.conversion  # the stored one, received when it first came
    assert again.referral == first.referral
    assert [reward.id for reward in again.rewards] == [reward.id for reward in first.rewards]
    assert list(again.rewards) == list(first.rewards)
    assert copy_of(p.database) == stored  # nothing changed: no second qualification, no new event


async def test_a_replay_shows_the_rewards_as_they_stand_now(p: ProgrammeWorld) -> None:
    bea = await referred_by(p, await referrer(p))
    await with_terms(p)
    first = await converted(p, bea)
    p.world.clock.advance(HOLD)

    again = await record_conversion(p)(purchase(bea, occurred_at=first.conversion.occurred_at))

    assert {reward.state for reward in again.rewards} == {RewardState.AVAILABLE}
    assert {p.database.rewards[reward.id].state for reward in again.rewards} == {RewardState.PENDING}


async def test_a_replay_of_a_conversion_that_did_not_qualify_still_answers_not_qualified(p: ProgrammeWorld) -> None:
    bea = await referred_by(p, await referrer(p))
    await with_terms(p)
    await record_conversion(p)(purchase(bea, amount=10))

    again = await record_conversion(p)(purchase(bea, amount=10))

    assert (again.created, again.qualified, list(again.rewards)) == (False, False, [])


async def test_a_report_that_leaves_occurred_at_out_matches_the_stored_instant(p: ProgrammeWorld) -> None:
    bea = await referred_by(p, await referrer(p))
    await with_terms(p)
    first = await converted(p, bea)
    p.world.clock.advance(timedelta(minutes=5))

    again = await converted(p, bea)

    assert not again.created
    assert again.conversion.occurred_at == first.conversion.occurred_at
    assert [reward.id for reward in again.rewards] == [reward.id for reward in first.rewards]


async def test_a_report_that_leaves_occurred_at_out_matches_an_explicit_stored_instant(p: ProgrammeWorld) -> None:
    bea = await referred_by(p, await referrer(p))
    occurred_at = p.world.clock.now()
    p.world.clock.advance(timedelta(minutes=5))
    await record_conversion(p)(purchase(bea, occurred_at=occurred_at))

    again = await converted(p, bea)

    assert not again.created
    assert again.conversion.occurred_at == occurred_at


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"value": Money(5000, "USD")}, "another amount"),
        ({"value": None}, "no amount"),
        ({"type": "refund"}, "another type"),
        ({"occurred_at": "earlier"}, "another instant"),
    ],
)
async def test_the_same_id_with_other_content_is_refused_and_changes_nothing(
    p: ProgrammeWorld, change: dict[str, object], why: str
) -> None:
    bea = await referred_by(p, await referrer(p))
    await with_terms(p)
    first = await record_conversion(p)(purchase(bea, occurred_at=p.world.clock.now()))
    if change.get("occurred_at") == "earlier":
        change = {"occurred_at": first.conversion.occurred_at - timedelta(seconds=1)}
    stored = copy_of(p.database)

    with pytest.raises(ConversionIdReused):
        await record_conversion(p)(replace(purchase(bea), **change))  # type: ignore[arg-type]

    assert copy_of(p.database) == stored, why


async def test_the_same_id_for_another_user_is_refused(p: ProgrammeWorld) -> None:
    ada = await referrer(p)
    bea = await referred_by(p, ada)
    await with_terms(p)
    await converted(p, bea)
    stored = copy_of(p.database)

    with pytest.raises(ConversionIdReused):
        await converted(p, ada)

    assert copy_of(p.database) == stored


async def test_a_referral_qualifies_once_and_a_later_conversion_grants_nothing(p: ProgrammeWorld) -> None:
    bea = await referred_by(p, await referrer(p))
    await with_terms(p)
    first = await converted(p, bea)
    p.world.clock.advance(timedelta(days=1))
    before = len(p.database.events)

    second = await converted(p, bea, "ord_2")

    assert second.created
    assert not second.qualified
    assert list(second.rewards) == []
    assert second.referral == first.referral  # still qualified as of the first
    assert not p.database.conversions["ord_2"].qualified
    assert len(p.database.rewards) == 2
    assert len(p.database.events) == before


async def test_a_voided_referral_is_not_qualified_again(p: ProgrammeWorld) -> None:
    bea = await referred_by(p, await referrer(p))
    await with_terms(p)
    await void_referral(p)(ReferralVoiding(referee_id=bea.id, reason=VoidReason.FRAUD))
    before = len(p.database.events)

    recorded = await converted(p, bea)

    assert recorded.created
    assert not recorded.qualified
    assert recorded.referral is not None
    assert recorded.referral.state is ReferralState.VOIDED
    assert p.database.rewards == {}
    assert len(p.database.events) == before


async def test_the_cap_skips_the_referrer_reward_but_not_the_referees(p: ProgrammeWorld) -> None:
    ada = await referrer(p)
    bea = await referred_by(p, ada, "bea@example.com")
    cid = await referred_by(p, ada, "cid@example.com")
    await with_terms(p, replace(TERMS, max_rewarded_referrals_per_referrer=1))
    await converted(p, bea, "ord_1")

    capped = await converted(p, cid, "ord_2")

    assert capped.qualified
    assert [(reward.role, reward.user_id) for reward in capped.rewards] == [(RewardRole.REFEREE, cid.id)]
    assert p.rewards.grants_held_for == [ada.id, ada.id]


async def test_a_cap_of_zero_grants_no_referrer_reward_at_all(p: ProgrammeWorld) -> None:
    bea = await referred_by(p, await referrer(p))
    await with_terms(p, replace(TERMS, max_rewarded_referrals_per_referrer=0))

    recorded = await converted(p, bea)

    assert [reward.role for reward in recorded.rewards] == [RewardRole.REFEREE]


async def test_a_voided_referrer_reward_frees_its_place_under_the_cap(p: ProgrammeWorld) -> None:
    ada = await referrer(p)
    bea = await referred_by(p, ada, "bea@example.com")
    cid = await referred_by(p, ada, "cid@example.com")
    await with_terms(p, replace(TERMS, max_rewarded_referrals_per_referrer=1))
    first = await converted(p, bea, "ord_1")
    await void_reward(p)(reward_in(first, RewardRole.REFERRER).id)

    second = await converted(p, cid, "ord_2")

    assert [reward.role for reward in second.rewards] == [RewardRole.REFERRER, RewardRole.REFEREE]


async def test_a_programme_without_a_cap_grants_without_a_hold_on_the_referrer(p: ProgrammeWorld) -> None:
    # Nothing is counted, so nothing need take turns: the referrer's tallies are the only row grants share.
    ada = await referrer(p)
    bea = await referred_by(p, ada)
    await with_terms(p, TERMS)

    recorded = await converted(p, bea)

    assert [reward.role for reward in recorded.rewards] == [RewardRole.REFERRER, RewardRole.REFEREE]
    assert p.rewards.grants_held_for == []


async def test_a_programme_without_a_referrer_reward_takes_no_hold_on_the_referrer(p: ProgrammeWorld) -> None:
    bea = await referred_by(p, await referrer(p))
    await with_terms(p, replace(TERMS, referrer_reward=None))

    recorded = await converted(p, bea)

    assert [reward.role for reward in recorded.rewards] == [RewardRole.REFEREE]
    assert p.rewards.grants_held_for == []


async def test_a_share_that_rounds_down_to_nothing_grants_no_reward(p: ProgrammeWorld) -> None:
    bea = await referred_by(p, await referrer(p))
    await with_terms(p, replace(TERMS, min_amount=None))

    recorded = await record_conversion(p)(purchase(bea, amount=9))  # 10 % of 9 cents is 0

    assert recorded.qualified
    assert [reward.role for reward in recorded.rewards] == [RewardRole.REFERRER]


async def test_a_failure_while_granting_rolls_back_the_conversion_and_the_qualification(p: ProgrammeWorld) -> None:
    bea = await referred_by(p, await referrer(p))
    await with_terms(p)
    stored = copy_of(p.database)
    p.rewards.add_failure = RuntimeError("the INSERT failed")

    with pytest.raises(RuntimeError):
        await converted(p, bea)

    assert p.database.journal[-1] == "rollback"
    assert copy_of(p.database) == stored
    assert events_of(p.database, bea.id) == []
