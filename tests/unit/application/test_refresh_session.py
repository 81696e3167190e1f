from dataclasses import replace
from datetime import timedelta

import pytest

from referrals.application.errors import InvalidRefreshToken
from tests.unit.application.fakes import Tables, World
from tests.unit.application.steps import logged_in, refresh_session, registered, stored


async def test_refresh_rotates_within_the_same_family(world: World) -> None:
    user = await registered(world)
    first = await logged_in(world)
    world.clock.advance(timedelta(minutes=5))

    second = await refresh_session(world)(first.refresh_token)

    old = await stored(world, first.refresh_token)
    new = await stored(world, second.refresh_token)
    assert second.refresh_token != first.refresh_token
    assert old.used_at == world.clock.now()
    assert old.revoked_at is None
    assert not new.is_spent()
    assert new.family_id == old.family_id
    assert new.user_id == user.id
    assert new.issued_at == world.clock.now()
    assert new.expires_at == world.clock.now() + world.session_policy.refresh_token_ttl
    assert world.access_tokens.verify(second.access_token) == user.id


async def test_a_chain_can_be_rotated_again_and_again(world: World) -> None:
    await registered(world)
    pair = await logged_in(world)
    family = (await stored(world, pair.refresh_token)).family_id

    for _ in range(3):
        pair = await refresh_session(world)(pair.refresh_token)

    tokens = world.tokens.family(family)
    assert len(tokens) == 4
    assert [token.is_spent() for token in tokens] == [True, True, True, False]


async def test_a_replayed_token_revokes_its_whole_family_and_the_revocation_is_committed(world: World) -> None:
    await registered(world)
    first = await logged_in(world)
    other_session = await logged_in(world)
    second = await refresh_session(world)(first.refresh_token)
    world.clock.advance(timedelta(seconds=30))
    rollbacks_before = world.database.rollbacks

    with pytest.raises(InvalidRefreshToken):
        await refresh_session(world)(first.refresh_token)

    # The newest token of the chain dies too, and that change was committed, not rolled back.
    newest = await stored(world, second.refresh_token)
    assert newest.revoked_at == world.clock.now()
    assert all(token.revoked_at is not None for token in world.tokens.family(newest.family_id))
    assert world.database.rollbacks == rollbacks_before
    assert world.database.journal[-1] == "commit"
    # Another chain of the same user is untouched.
    assert (await stored(world, other_session.refresh_token)).revoked_at is None
    # Nothing new was issued for the replay.
    assert len(world.tokens.family(newest.family_id)) == 2
    with pytest.raises(InvalidRefreshToken):
        await refresh_session(world)(second.refresh_token)


async def test_a_concurrent_rotation_of_the_same_token_revokes_the_family(world: World) -> None:
    await registered(world)
    pair = await logged_in(world)
    token = await stored(world, pair.refresh_token)

    def spend_it(tables: Tables) -> None:
        tables.tokens[token.id] = replace(tables.tokens[token.id], used_at=world.clock.now())

    async def the_other_request_wins() -> None:
        world.database.commit_elsewhere(spend_it)

    world.tokens.before_spend = the_other_request_wins

    with pytest.raises(InvalidRefreshToken):
        await refresh_session(world)(pair.refresh_token)

    assert (await stored(world, pair.refresh_token)).revoked_at == world.clock.now()
    assert len(world.tokens.family(token.family_id)) == 1  # no new token was issued


async def test_an_expired_refresh_token_is_refused_from_its_expiry_instant(world: World) -> None:
    await registered(world)
    pair = await logged_in(world)
    world.clock.advance(world.session_policy.refresh_token_ttl)

    with pytest.raises(InvalidRefreshToken):
        await refresh_session(world)(pair.refresh_token)

    assert not (await stored(world, pair.refresh_token)).is_spent()
    assert len(world.database.tokens) == 1


async def test_a_refresh_token_works_until_just_before_it_expires(world: World) -> None:
    await registered(world)
    pair = await logged_in(world)
    world.clock.advance(world.session_policy.refresh_token_ttl - timedelta(microseconds=1))

    assert await refresh_session(world)(pair.refresh_token)


@pytest.mark.parametrize("secret", ["made-up", "", "8ba5L0x3eHq9GHkw19rgEW3bn3IweHROWPZhPsfc-GA"])
async def test_an_unknown_refresh_token_is_refused_and_changes_nothing(world: World, secret: str) -> None:
    await registered(world)
    pair = await logged_in(world)
    before = dict(world.database.tokens)

    with pytest.raises(InvalidRefreshToken):
        await refresh_session(world)(secret)

    assert world.database.tokens == before
    assert await refresh_session(world)(pair.refresh_token)


async def test_a_spent_token_replayed_after_its_expiry_still_revokes_the_chain(world: World) -> None:
    await registered(world)
    first = await logged_in(world)
    second = await refresh_session(world)(first.refresh_token)
    world.clock.advance(timedelta(days=31))  # the first token is long expired; the chain lives on

    with pytest.raises(InvalidRefreshToken):
        await refresh_session(world)(first.refresh_token)

    assert (await stored(world, second.refresh_token)).revoked_at == world.clock.now()
