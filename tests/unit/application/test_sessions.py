from datetime import timedelta

import pytest

from referrals.application.errors import InvalidAccessToken, InvalidCredentials, InvalidRefreshToken
from referrals.application.use_cases.get_profile import GetProfile
from referrals.application.use_cases.log_in import Credentials
from referrals.application.use_cases.log_out import LogOut
from referrals.domain.ids import new_id
from referrals.domain.refresh_token import refresh_digest
from tests.unit.application.conftest import World
from tests.unit.application.steps import PASSWORD, log_in, logged_in, refresh_session, registered


async def test_login_issues_a_pair_and_stores_only_the_refresh_digest(world: World) -> None:
    user = await registered(world)

    pair = await logged_in(world)

    assert world.access_tokens.verify(pair.access_token) == user.id
    stored = list(world.database.tokens.values())
    assert [token.digest for token in stored] == [refresh_digest(pair.refresh_token)]
    assert pair.refresh_token not in repr(stored)


async def test_an_unknown_email_and_a_wrong_password_cost_one_verification_each(world: World) -> None:
    await registered(world)

    with pytest.raises(InvalidCredentials):
        await log_in(world)(Credentials(email="nobody@example.com", password=PASSWORD))
    with pytest.raises(InvalidCredentials):
        await log_in(world)(Credentials(email="ada@example.com", password="wrong password"))

    assert world.hasher.verified == [None, f"hashed:{PASSWORD}"]


async def test_a_malformed_email_is_just_bad_credentials(world: World) -> None:
    with pytest.raises(InvalidCredentials):
        await log_in(world)(Credentials(email="not an email", password=PASSWORD))

    assert world.hasher.verified == [None]


async def test_an_outdated_hash_is_replaced_at_login(world: World) -> None:
    user = await registered(world)
    world.hasher.outdated.add(user.password_hash)
    hashed_before = world.hasher.hashed

    await logged_in(world)

    assert world.hasher.hashed == hashed_before + 1
    assert world.database.users[user.id].password_hash == f"hashed:{PASSWORD}"


async def test_refresh_rotates_within_the_same_family(world: World) -> None:
    await registered(world)
    first = await logged_in(world)

    second = await refresh_session(world)(first.refresh_token)

    old = await world.tokens.by_digest(refresh_digest(first.refresh_token))
    new = await world.tokens.by_digest(refresh_digest(second.refresh_token))
    assert old is not None
    assert old.is_spent()
    assert new is not None
    assert not new.is_spent()
    assert new.family_id == old.family_id


async def test_a_replayed_token_revokes_its_whole_family_and_the_revocation_sticks(world: World) -> None:
    await registered(world)
    first = await logged_in(world)
    other_session = await logged_in(world)
    second = await refresh_session(world)(first.refresh_token)

    with pytest.raises(InvalidRefreshToken):
        await refresh_session(world)(first.refresh_token)

    newest = await world.tokens.by_digest(refresh_digest(second.refresh_token))
    untouched = await world.tokens.by_digest(refresh_digest(other_session.refresh_token))
    assert newest is not None
    assert newest.revoked_at is not None
    assert untouched is not None
    assert untouched.revoked_at is None
    with pytest.raises(InvalidRefreshToken):
        await refresh_session(world)(second.refresh_token)


async def test_an_expired_refresh_token_is_refused(world: World) -> None:
    await registered(world)
    pair = await logged_in(world)
    world.clock.advance(timedelta(days=31))

    with pytest.raises(InvalidRefreshToken):
        await refresh_session(world)(pair.refresh_token)


async def test_an_unknown_refresh_token_is_refused(world: World) -> None:
    with pytest.raises(InvalidRefreshToken):
        await refresh_session(world)("made-up")


async def test_logout_revokes_the_callers_session_only(world: World) -> None:
    ada = await registered(world)
    await registered(world, "eve@example.com")
    ada_pair = await logged_in(world)
    eve_pair = await logged_in(world, "eve@example.com")
    log_out = LogOut(world.tokens, world.transaction, world.clock)

    await log_out(ada.id, eve_pair.refresh_token)  # someone else's: ignored
    await log_out(ada.id, "made-up")  # unknown: ignored
    await log_out(ada.id, ada_pair.refresh_token)

    with pytest.raises(InvalidRefreshToken):
        await refresh_session(world)(ada_pair.refresh_token)
    assert await refresh_session(world)(eve_pair.refresh_token)


async def test_the_profile_of_a_vanished_user_is_an_invalid_token(world: World) -> None:
    user = await registered(world)

    assert await GetProfile(world.users)(user.id) == user
    with pytest.raises(InvalidAccessToken):
        await GetProfile(world.users)(new_id())
