from datetime import timedelta

import pytest

from referrals.application.errors import InvalidAccessToken
from referrals.domain.errors import NoActiveCode
from referrals.domain.ids import new_id
from referrals.domain.referral_code import CodeState
from tests.unit.application.fakes import World
from tests.unit.application.steps import delete_referral_code, registered, with_code


async def test_delete_marks_the_code_deleted_and_invalidates_after_commit(world: World) -> None:
    owner = await registered(world)
    code = await with_code(world, owner)
    world.clock.advance(timedelta(minutes=5))
    journal_before = len(world.database.journal)

    await delete_referral_code(world)(owner.id)

    assert world.database.codes[code.id].state is CodeState.DELETED
    assert world.database.ended_at[code.id] == world.clock.now()
    assert world.database.journal[journal_before:] == ["commit", "invalidate ada@example.com"]


async def test_the_deleted_code_is_kept_for_history(world: World) -> None:
    owner = await registered(world)
    code = await with_code(world, owner)

    await delete_referral_code(world)(owner.id)

    kept = world.database.codes[code.id]
    assert (kept.code, kept.owner_id, kept.expires_at) == (code.code, code.owner_id, code.expires_at)


async def test_delete_without_any_code_is_refused(world: World) -> None:
    owner = await registered(world)

    with pytest.raises(NoActiveCode):
        await delete_referral_code(world)(owner.id)

    assert world.cache.invalidated == []


async def test_delete_of_an_expired_code_is_refused_and_leaves_it_stored_as_it_was(world: World) -> None:
    owner = await registered(world)
    code = await with_code(world, owner, timedelta(minutes=1))
    world.cache.invalidated.clear()
    world.clock.advance(timedelta(minutes=1))

    with pytest.raises(NoActiveCode):
        await delete_referral_code(world)(owner.id)

    assert world.database.codes[code.id].state is CodeState.ACTIVE
    assert world.database.journal[-1] == "rollback"
    assert world.cache.invalidated == []


async def test_a_second_delete_is_refused(world: World) -> None:
    owner = await registered(world)
    await with_code(world, owner)
    await delete_referral_code(world)(owner.id)

    with pytest.raises(NoActiveCode):
        await delete_referral_code(world)(owner.id)


async def test_only_the_callers_code_is_deleted(world: World) -> None:
    ada = await registered(world)
    bob = await registered(world, "bob@example.com")
    await with_code(world, ada)
    bobs = await with_code(world, bob)

    await delete_referral_code(world)(ada.id)

    assert world.database.codes[bobs.id].state is CodeState.ACTIVE
    assert world.cache.invalidated[-1] == "ada@example.com"


async def test_a_vanished_owner_cannot_delete(world: World) -> None:
    with pytest.raises(InvalidAccessToken):
        await delete_referral_code(world)(new_id())

    assert world.database.journal == []
