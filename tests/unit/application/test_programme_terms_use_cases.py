from dataclasses import replace
from datetime import timedelta

import pytest

from referrals.application.errors import ProgrammeChanged
from referrals.domain.programme import UNSET_PROGRAMME, FlatReward, Programme, ProgrammeTerms
from referrals.domain.reward import RewardRole
from tests.unit.application.fakes import World
from tests.unit.application.programme_fakes import ProgrammeWorld, make_programme_world
from tests.unit.application.programme_steps import (
    TERMS,
    converted,
    get_programme,
    referred_by,
    referrer,
    reward_in,
    set_programme,
    with_terms,
)


@pytest.fixture
def p(world: World) -> ProgrammeWorld:
    return make_programme_world(world)


async def test_before_any_terms_are_set_the_programme_is_version_zero(p: ProgrammeWorld) -> None:
    programme = await get_programme(p)()

    assert programme == UNSET_PROGRAMME
    assert (programme.version, programme.updated_at) == (0, None)
    assert (programme.terms.referrer_reward, programme.terms.referee_reward) == (None, None)


async def test_setting_terms_makes_version_one_in_force(p: ProgrammeWorld) -> None:
    programme = await set_programme(p)(TERMS)

    assert programme == Programme(version=1, terms=TERMS, updated_at=p.world.clock.now())
    assert await get_programme(p)() == programme
    assert p.database.journal == ["commit"]


async def test_each_change_of_terms_is_the_next_version(p: ProgrammeWorld) -> None:
    versions = []
    for n in range(3):
        p.world.clock.advance(timedelta(minutes=1))
        versions.append(await set_programme(p)(replace(TERMS, hold=timedelta(days=n))))

    assert [programme.version for programme in versions] == [1, 2, 3]
    current = await get_programme(p)()
    assert current == versions[-1]
    assert current.terms.hold == timedelta(days=2)
    assert current.updated_at == p.world.clock.now()


async def test_rewards_keep_the_version_they_were_granted_under(p: ProgrammeWorld) -> None:
    ada = await referrer(p)
    bea = await referred_by(p, ada, "bea@example.com")
    cid = await referred_by(p, ada, "cid@example.com")
    await with_terms(p)
    first = await converted(p, bea, "ord_1")
    await set_programme(p)(replace(TERMS, referrer_reward=FlatReward(amount=2000, currency="USD")))

    second = await converted(p, cid, "ord_2")

    assert {reward.program_version for reward in first.rewards} == {1}
    assert {p.database.rewards[reward.id].program_version for reward in first.rewards} == {1}
    assert p.database.rewards[reward_in(first, RewardRole.REFERRER).id].amount == 1000
    assert {reward.program_version for reward in second.rewards} == {2}
    assert reward_in(second, RewardRole.REFERRER).amount == 2000


async def test_a_version_set_by_someone_else_at_the_same_moment_is_retried_as_the_next(p: ProgrammeWorld) -> None:
    theirs = ProgrammeTerms(qualifying_event="subscription")

    async def another_operator_sets_theirs() -> None:
        p.database.commit_elsewhere(lambda tables: tables.programmes.update({1: Programme(1, theirs, None)}))

    p.programme.before_insert = another_operator_sets_theirs

    mine = await set_programme(p)(TERMS)

    assert mine.version == 2
    assert (await get_programme(p)()).terms == TERMS
    assert p.database.programmes[1].terms == theirs
    assert p.database.journal == ["rollback", "commit"]


async def test_losing_every_attempt_gives_up_with_programme_changed(p: ProgrammeWorld) -> None:
    async def another_operator_always_wins() -> None:
        version = max(p.database.programmes, default=0) + 1
        p.database.commit_elsewhere(lambda tables: tables.programmes.update({version: UNSET_PROGRAMME}))
        p.programme.before_insert = another_operator_always_wins

    p.programme.before_insert = another_operator_always_wins

    with pytest.raises(ProgrammeChanged):
        await set_programme(p)(TERMS)

    assert p.database.journal == ["rollback"] * 3
    assert sorted(p.database.programmes) == [1, 2, 3]
