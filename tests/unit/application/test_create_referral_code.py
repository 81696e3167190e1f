from datetime import UTC, datetime, timedelta, timezone

import pytest

from referrals.application.errors import CodeCollision, InvalidAccessToken
from referrals.application.policies import CodePolicy
from referrals.application.use_cases.create_referral_code import MAX_GENERATION_ATTEMPTS, NewCode
from referrals.domain.codes import CODE_LENGTH, CROCKFORD_ALPHABET
from referrals.domain.errors import ActiveCodeExists, ExpiryNotInFuture, ExpiryTooFar
from referrals.domain.ids import new_id
from referrals.domain.referral_code import CodeState, ReferralCode
from tests.unit.application.fakes import Tables, World, make_world
from tests.unit.application.steps import create_referral_code, registered, with_code

GENERATE = "referrals.application.use_cases.create_referral_code.generate_code"


def draws(monkeypatch: pytest.MonkeyPatch, *codes: str) -> list[str]:
    """Make the generator hand out ``codes`` in turn (the last one forever); return the list of draws made."""
    made: list[str] = []
    supply = iter(codes)

    def generate() -> str:
        made.append(next(supply, codes[-1]))
        return made[-1]

    monkeypatch.setattr(GENERATE, generate)
    return made


async def test_a_code_is_created_stored_and_the_owners_cache_entry_invalidated_after_commit(world: World) -> None:
    owner = await registered(world)
    journal_before = len(world.database.journal)

    code = await with_code(world, owner)

    assert code.owner_id == owner.id
    assert code.state is CodeState.ACTIVE
    assert code.created_at == world.clock.now()
    assert code.expires_at == world.clock.now() + timedelta(days=1)
    assert len(code.code) == CODE_LENGTH
    assert set(code.code) <= set(CROCKFORD_ALPHABET)
    assert world.database.codes == {code.id: code}
    assert world.database.journal[journal_before:] == ["commit", "invalidate ada@example.com"]


async def test_the_expiry_is_stored_in_utc_whatever_offset_it_came_with(world: World) -> None:
    owner = await registered(world)
    tokyo = timezone(timedelta(hours=9))
    expires_at = (world.clock.now() + timedelta(days=2)).astimezone(tokyo)

    code = await create_referral_code(world)(NewCode(owner.id, expires_at))

    assert code.expires_at == expires_at
    assert code.expires_at.utcoffset() == timedelta(0)
    assert world.database.codes[code.id].expires_at.tzinfo is UTC


@pytest.mark.parametrize(
    ("lifetime", "error"),
    [
        (timedelta(0), ExpiryNotInFuture),
        (-timedelta(microseconds=1), ExpiryNotInFuture),
        (-timedelta(days=1), ExpiryNotInFuture),
        (timedelta(days=365) + timedelta(microseconds=1), ExpiryTooFar),
        (timedelta(days=3650), ExpiryTooFar),
    ],
)
async def test_an_expiry_out_of_bounds_is_refused_and_nothing_changes(
    world: World, lifetime: timedelta, error: type[Exception]
) -> None:
    owner = await registered(world)
    journal_before = list(world.database.journal)

    with pytest.raises(error):
        await with_code(world, owner, lifetime)

    assert world.database.codes == {}
    assert world.database.journal == journal_before
    assert world.cache.invalidated == []


@pytest.mark.parametrize("lifetime", [timedelta(microseconds=1), timedelta(days=365)])
async def test_the_expiry_bounds_are_inclusive_of_the_extremes(world: World, lifetime: timedelta) -> None:
    owner = await registered(world)

    code = await with_code(world, owner, lifetime)

    assert code.expires_at == world.clock.now() + lifetime


async def test_a_naive_expiry_is_refused(world: World) -> None:
    owner = await registered(world)

    with pytest.raises(ExpiryNotInFuture):
        await create_referral_code(world)(NewCode(owner.id, datetime(2030, 1, 1)))  # noqa: DTZ001

    assert world.database.codes == {}


async def test_the_maximum_lifetime_comes_from_the_policy() -> None:
    world = make_world(code_policy=CodePolicy(max_lifetime=timedelta(days=7)))
    owner = await registered(world)

    with pytest.raises(ExpiryTooFar, match="7 days"):
        await with_code(world, owner, timedelta(days=8))
    assert await with_code(world, owner, timedelta(days=7))


async def test_a_second_live_code_is_refused_and_the_cache_is_left_alone(world: World) -> None:
    owner = await registered(world)
    first = await with_code(world, owner)
    world.cache.invalidated.clear()

    with pytest.raises(ActiveCodeExists):
        await with_code(world, owner, timedelta(days=2))

    assert world.database.codes == {first.id: first}
    assert world.cache.invalidated == []


async def test_an_expired_code_is_retired_to_make_room(world: World) -> None:
    owner = await registered(world)
    old = await with_code(world, owner, timedelta(minutes=1))
    world.clock.advance(timedelta(minutes=1))

    new = await with_code(world, owner)

    assert world.database.codes[old.id].state is CodeState.EXPIRED
    assert world.database.ended_at[old.id] == world.clock.now()
    assert world.database.codes[new.id].state is CodeState.ACTIVE
    assert world.codes.active_of(owner.id) == [new]


async def test_a_deleted_code_does_not_block_the_next(world: World) -> None:
    owner = await registered(world)
    old = await with_code(world, owner)
    world.database.codes[old.id] = ReferralCode(
        old.id, old.owner_id, old.code, old.created_at, old.expires_at, CodeState.DELETED
    )

    new = await with_code(world, owner)

    assert world.database.codes[old.id].state is CodeState.DELETED
    assert world.codes.active_of(owner.id) == [new]


async def test_a_colliding_code_is_drawn_again(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    owner = await registered(world)
    made = draws(monkeypatch, "TAKEN00000000", "FREE000000000")
    world.codes.taken_codes.add("TAKEN00000000")

    code = await with_code(world, owner)

    assert made == ["TAKEN00000000", "FREE000000000"]
    assert code.code == "FREE000000000"
    assert world.database.codes == {code.id: code}
    assert world.database.journal[-3:] == ["rollback", "commit", "invalidate ada@example.com"]


async def test_a_collision_with_an_existing_code_row_is_drawn_again(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    ada = await registered(world)
    bob = await registered(world, "bob@example.com")
    draws(monkeypatch, "SAME000000000", "SAME000000000", "NEXT000000000")
    await with_code(world, ada)

    code = await with_code(world, bob)

    assert code.code == "NEXT000000000"


async def test_a_retirement_rolled_back_by_a_collision_is_redone_on_the_next_attempt(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = await registered(world)
    old = await with_code(world, owner, timedelta(minutes=1))
    world.clock.advance(timedelta(hours=1))
    draws(monkeypatch, "TAKEN00000000", "FREE000000000")
    world.codes.taken_codes.add("TAKEN00000000")

    new = await with_code(world, owner)

    assert world.database.codes[old.id].state is CodeState.EXPIRED
    assert world.codes.active_of(owner.id) == [new]
    assert world.codes.calls.count("end") == 2


async def test_persistent_collisions_give_up_and_roll_everything_back(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = await registered(world)
    old = await with_code(world, owner, timedelta(minutes=1))
    world.clock.advance(timedelta(hours=1))
    world.cache.invalidated.clear()
    made = draws(monkeypatch, "TAKEN00000000")
    world.codes.taken_codes.add("TAKEN00000000")
    rollbacks_before = world.database.rollbacks

    with pytest.raises(CodeCollision):
        await with_code(world, owner)

    assert len(made) == MAX_GENERATION_ATTEMPTS
    assert world.database.rollbacks == rollbacks_before + MAX_GENERATION_ATTEMPTS
    # Every attempt was rolled back, including the retirement of the expired code.
    assert world.database.codes == {old.id: old}
    assert world.cache.invalidated == []


async def test_a_code_created_concurrently_for_the_same_owner_is_refused_by_the_store(world: World) -> None:
    owner = await registered(world)
    rival = ReferralCode(new_id(), owner.id, "R1VA100000000", world.clock.now(), world.clock.now() + timedelta(days=1))

    def add_rival(tables: Tables) -> None:
        tables.codes[rival.id] = rival

    async def concurrent_create() -> None:
        world.database.commit_elsewhere(add_rival)

    world.codes.after_stored_active_of = concurrent_create

    with pytest.raises(ActiveCodeExists):
        await with_code(world, owner)

    assert world.database.codes == {rival.id: rival}
    assert world.codes.calls.count("add") == 1  # not retried as if it were a collision
    assert world.database.journal[-1:] == ["rollback"]
    assert world.database.rollbacks == 1
    assert world.cache.invalidated == []


async def test_a_vanished_owner_cannot_create(world: World) -> None:
    with pytest.raises(InvalidAccessToken):
        await create_referral_code(world)(NewCode(owner_id=new_id(), expires_at=world.clock.now() + timedelta(days=1)))

    assert world.database.codes == {}
    assert world.database.journal == []
