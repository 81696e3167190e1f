from datetime import timedelta

import pytest

from referrals.application.errors import CodeCollision, InvalidAccessToken, NotReferrer
from referrals.application.ports import LiveCode
from referrals.application.use_cases.create_referral_code import MAX_GENERATION_ATTEMPTS, NewCode
from referrals.application.use_cases.list_referrals import ListReferrals, ReferralsRequest
from referrals.domain import codes as code_module
from referrals.domain.errors import ActiveCodeExists, ExpiryNotInFuture, ExpiryTooFar, NoActiveCode
from referrals.domain.ids import new_id
from referrals.domain.referral_code import CodeState
from tests.unit.application.conftest import World
from tests.unit.application.steps import (
    create_referral_code,
    delete_referral_code,
    find_active_code,
    registered,
    with_code,
)


async def test_a_code_is_created_and_the_owners_cache_entry_invalidated_after_commit(world: World) -> None:
    owner = await registered(world)
    commits_before = world.database.commits

    code = await with_code(world, owner)

    assert code.state is CodeState.ACTIVE
    assert code.expires_at == world.clock.now() + timedelta(days=1)
    assert world.database.commits == commits_before + 1
    assert world.cache.calls[-1] == ("invalidate", "ada@example.com")


@pytest.mark.parametrize(
    ("lifetime", "error"),
    [
        (timedelta(0), ExpiryNotInFuture),
        (timedelta(seconds=-1), ExpiryNotInFuture),
        (timedelta(days=366), ExpiryTooFar),
    ],
)
async def test_an_expiry_out_of_bounds_is_refused_and_nothing_changes(
    world: World, lifetime: timedelta, error: type[Exception]
) -> None:
    owner = await registered(world)

    with pytest.raises(error):
        await with_code(world, owner, lifetime)

    assert world.database.codes == {}
    assert ("invalidate", "ada@example.com") not in world.cache.calls


async def test_a_second_live_code_is_refused(world: World) -> None:
    owner = await registered(world)
    await with_code(world, owner)
    calls_before = list(world.cache.calls)

    with pytest.raises(ActiveCodeExists):
        await with_code(world, owner)

    assert world.cache.calls == calls_before


async def test_an_expired_code_is_retired_to_make_room(world: World) -> None:
    owner = await registered(world)
    old = await with_code(world, owner, timedelta(minutes=1))
    world.clock.advance(timedelta(minutes=1))

    new = await with_code(world, owner)

    assert world.database.codes[old.id].state is CodeState.EXPIRED
    assert world.database.codes[new.id].state is CodeState.ACTIVE


async def test_a_colliding_code_is_drawn_again(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    owner = await registered(world)
    draws = iter(["TAKEN00000000", "FREE000000000"])
    monkeypatch.setattr("referrals.application.use_cases.create_referral_code.generate_code", lambda: next(draws))
    world.codes.taken_codes.add("TAKEN00000000")

    code = await with_code(world, owner)

    assert code.code == "FREE000000000"


async def test_persistent_collisions_give_up(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    owner = await registered(world)
    attempts: list[str] = []

    def always_taken() -> str:
        attempts.append("TAKEN00000000")
        return "TAKEN00000000"

    monkeypatch.setattr("referrals.application.use_cases.create_referral_code.generate_code", always_taken)
    world.codes.taken_codes.add("TAKEN00000000")

    with pytest.raises(CodeCollision):
        await with_code(world, owner)

    assert len(attempts) == MAX_GENERATION_ATTEMPTS
    assert code_module.CODE_LENGTH == 13


async def test_a_vanished_owner_cannot_create_or_delete(world: World) -> None:
    with pytest.raises(InvalidAccessToken):
        await create_referral_code(world)(NewCode(owner_id=new_id(), expires_at=world.clock.now() + timedelta(days=1)))
    with pytest.raises(InvalidAccessToken):
        await delete_referral_code(world)(new_id())


async def test_delete_marks_the_code_deleted_and_invalidates(world: World) -> None:
    owner = await registered(world)
    code = await with_code(world, owner)

    await delete_referral_code(world)(owner.id)

    assert world.database.codes[code.id].state is CodeState.DELETED
    assert world.cache.calls[-1] == ("invalidate", "ada@example.com")


async def test_delete_without_a_live_code_is_refused(world: World) -> None:
    owner = await registered(world)
    with pytest.raises(NoActiveCode):
        await delete_referral_code(world)(owner.id)

    await with_code(world, owner, timedelta(minutes=1))
    world.clock.advance(timedelta(minutes=2))
    with pytest.raises(NoActiveCode):
        await delete_referral_code(world)(owner.id)


async def test_lookup_misses_then_serves_from_the_cache(world: World) -> None:
    owner = await registered(world)
    code = await with_code(world, owner)
    find = find_active_code(world)

    first = await find("ADA@example.com")
    world.database.codes.clear()  # the database is not asked again
    second = await find("ada@example.com")

    assert first.code == second.code == code.code
    assert ("put", "ada@example.com") in world.cache.calls


async def test_a_cached_code_past_its_expiry_is_not_served(world: World) -> None:
    owner = await registered(world)
    await with_code(world, owner, timedelta(minutes=10))
    find = find_active_code(world)
    await find("ada@example.com")

    world.clock.advance(timedelta(minutes=10))

    with pytest.raises(NoActiveCode):
        await find("ada@example.com")


@pytest.mark.parametrize("email", ["nobody@example.com", "not an email", "ada@example.com"])
async def test_unknown_malformed_and_codeless_emails_answer_alike(world: World, email: str) -> None:
    await registered(world)

    with pytest.raises(NoActiveCode):
        await find_active_code(world)(email)


async def test_a_fill_that_raced_a_delete_is_not_kept(world: World) -> None:
    owner = await registered(world)
    code = await with_code(world, owner)
    miss = await world.cache.inner.get("ada@example.com")  # a lookup misses and reads the live code ...
    stale = LiveCode(code.code, code.expires_at)
    await delete_referral_code(world)(owner.id)  # ... the delete commits and invalidates ...

    await world.cache.inner.put("ada@example.com", stale, miss, 60)  # ... and the late fill must not land

    with pytest.raises(NoActiveCode):
        await find_active_code(world)("ada@example.com")


async def test_referrals_are_the_referrers_own_newest_first(world: World) -> None:
    referrer = await registered(world)
    code = await with_code(world, referrer)
    for n in range(3):
        world.clock.advance(timedelta(seconds=1))
        await registered(world, f"f{n}@example.com", code=code.code)
    list_referrals = ListReferrals(world.users)

    page = await list_referrals(ReferralsRequest(referrer.id, referrer.id, limit=2, offset=0))

    assert [item.email for item in page.items] == ["f2@example.com", "f1@example.com"]
    assert page.total == 3


async def test_another_user_may_not_read_them(world: World) -> None:
    with pytest.raises(NotReferrer):
        await ListReferrals(world.users)(ReferralsRequest(new_id(), new_id()))


@pytest.mark.parametrize(("limit", "offset", "expected"), [(0, 0, (1, 0)), (500, 0, (100, 0)), (10, -5, (10, 0))])
async def test_paging_is_clamped(world: World, limit: int, offset: int, expected: tuple[int, int]) -> None:
    referrer = await registered(world)

    page = await ListReferrals(world.users)(ReferralsRequest(referrer.id, referrer.id, limit=limit, offset=offset))

    assert (page.limit, page.offset) == expected
