from datetime import timedelta

import pytest

from referrals.application.policies import CodePolicy
from referrals.application.ports.codes import CacheMiss, LiveCode
from referrals.domain.errors import NoActiveCode
from tests.unit.application.fakes import World, make_world
from tests.unit.application.steps import delete_referral_code, find_active_code, registered, with_code

LOOKUP = "live_by_owner_email"


async def test_a_miss_reads_the_database_and_fills_the_cache(world: World) -> None:
    owner = await registered(world)
    code = await with_code(world, owner)

    found = await find_active_code(world)("ada@example.com")

    assert found == LiveCode(code.code, code.expires_at)
    assert world.codes.calls.count(LOOKUP) == 1
    [put] = world.cache.puts
    assert (put.email, put.code) == ("ada@example.com", found)
    assert put.ttl_seconds == world.code_policy.cache_ttl.total_seconds()
    assert await world.cache.inner.get("ada@example.com") == found


async def test_a_hit_is_served_from_the_cache_without_touching_the_repository(world: World) -> None:
    owner = await registered(world)
    code = await with_code(world, owner)
    find = find_active_code(world)
    await find("ada@example.com")
    world.codes.calls.clear()

    second = await find("ada@example.com")

    assert second == LiveCode(code.code, code.expires_at)
    assert world.codes.calls == []
    assert len(world.cache.puts) == 1


async def test_the_cache_ttl_never_outlasts_the_code(world: World) -> None:
    owner = await registered(world)
    await with_code(world, owner, timedelta(seconds=30))

    await find_active_code(world)("ada@example.com")

    assert world.cache.puts[0].ttl_seconds == 30


async def test_the_email_is_canonicalised_before_it_keys_the_cache(world: World) -> None:
    owner = await registered(world)
    code = await with_code(world, owner)

    found = await find_active_code(world)("  ＡＤＡ@Example.COM ")

    assert found.code == code.code
    assert world.cache.gets == ["ada@example.com"]
    assert world.cache.puts[0].email == "ada@example.com"


async def test_a_cached_code_past_its_expiry_is_not_served(world: World) -> None:
    owner = await registered(world)
    await with_code(world, owner, timedelta(minutes=10))
    find = find_active_code(world)
    await find("ada@example.com")  # cached for five minutes of the cache's own (monotonic) clock
    world.clock.advance(timedelta(minutes=10))
    world.codes.calls.clear()

    with pytest.raises(NoActiveCode):
        await find("ada@example.com")

    assert world.codes.calls == [LOOKUP]  # the stale entry sent the lookup to the database


async def test_a_stale_cached_code_gives_way_to_the_databases_answer(world: World) -> None:
    owner = await registered(world)
    code = await with_code(world, owner)
    miss = await world.cache.inner.get("ada@example.com")
    assert isinstance(miss, CacheMiss)
    stale = LiveCode("OLD0000000000", world.clock.now())  # expires exactly now: dead
    await world.cache.inner.put("ada@example.com", stale, miss, 300)

    found = await find_active_code(world)("ada@example.com")

    assert found == LiveCode(code.code, code.expires_at)


@pytest.mark.parametrize("email", ["nobody@example.com", "ada@example.com"])
async def test_unknown_emails_and_referrers_without_a_code_answer_alike(world: World, email: str) -> None:
    await registered(world)

    with pytest.raises(NoActiveCode):
        await find_active_code(world)(email)

    assert world.cache.puts == []


@pytest.mark.parametrize("email", ["not an email", "", "ada@@example.com", "ada@example"])
async def test_a_malformed_email_answers_no_active_code_without_a_lookup(world: World, email: str) -> None:
    await registered(world)

    with pytest.raises(NoActiveCode):
        await find_active_code(world)(email)

    assert world.cache.gets == []
    assert world.codes.calls.count(LOOKUP) == 0


async def test_a_deleted_code_is_gone_at_once_even_when_it_was_cached(world: World) -> None:
    owner = await registered(world)
    await with_code(world, owner)
    find = find_active_code(world)
    await find("ada@example.com")

    await delete_referral_code(world)(owner.id)

    with pytest.raises(NoActiveCode):
        await find("ada@example.com")


async def test_a_new_code_replaces_the_cached_one_at_once(world: World) -> None:
    owner = await registered(world)
    await with_code(world, owner, timedelta(minutes=1))
    find = find_active_code(world)
    await find("ada@example.com")
    world.clock.advance(timedelta(minutes=1))

    new = await with_code(world, owner)

    assert await find("ada@example.com") == LiveCode(new.code, new.expires_at)


async def test_a_fill_that_raced_a_delete_is_not_kept(world: World) -> None:
    owner = await registered(world)
    code = await with_code(world, owner)

    async def delete_meanwhile() -> None:
        await delete_referral_code(world)(owner.id)

    # The lookup misses, reads the live code, and before it fills the cache the delete commits.
    world.codes.after_live_by_owner_email = delete_meanwhile
    raced = await find_active_code(world)("ada@example.com")

    assert raced.code == code.code  # what it read was true when it read it ...
    assert len(world.cache.puts) == 1  # ... and it tried to fill ...
    assert isinstance(await world.cache.inner.get("ada@example.com"), CacheMiss)  # ... but the fill was dropped
    with pytest.raises(NoActiveCode):
        await find_active_code(world)("ada@example.com")


async def test_a_zero_cache_ttl_keeps_every_lookup_on_the_database() -> None:
    world = make_world(code_policy=CodePolicy(cache_ttl=timedelta(0)))
    owner = await registered(world)
    code = await with_code(world, owner)

    first = await find_active_code(world)("ada@example.com")

    assert first.code == code.code
    assert isinstance(await world.cache.inner.get("ada@example.com"), CacheMiss)


async def test_with_caching_off_a_lookup_never_asks_the_cache_but_a_delete_still_invalidates() -> None:
    # Another process sharing the cache may have caching on: its entries must still go when a code does.
    world = make_world(code_policy=CodePolicy(cache_ttl=timedelta(0)))
    owner = await registered(world)
    await with_code(world, owner)
    world.cache.invalidated.clear()

    await find_active_code(world)("ada@example.com")
    await delete_referral_code(world)(owner.id)

    assert (world.cache.gets, world.cache.puts) == ([], [])
    assert world.cache.invalidated == ["ada@example.com"]
