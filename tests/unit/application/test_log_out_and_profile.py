from datetime import timedelta

import pytest

from referrals.application.errors import InvalidAccessToken, InvalidRefreshToken
from referrals.application.use_cases.enrich_profile import EnrichProfile
from referrals.domain.ids import new_id
from referrals.domain.user import EnrichedProfile, Profile
from tests.unit.application.fakes import FakeProfileEnricher, World
from tests.unit.application.steps import get_profile, log_out, logged_in, refresh_session, registered, stored


async def test_logout_revokes_the_family_of_the_callers_token(world: World) -> None:
    ada = await registered(world)
    pair = await logged_in(world)
    rotated = await refresh_session(world)(pair.refresh_token)
    world.clock.advance(timedelta(minutes=1))

    await log_out(world)(ada.id, rotated.refresh_token)

    family = world.tokens.family((await stored(world, rotated.refresh_token)).family_id)
    assert len(family) == 2
    assert all(token.revoked_at == world.clock.now() for token in family)
    with pytest.raises(InvalidRefreshToken):
        await refresh_session(world)(rotated.refresh_token)


async def test_logout_with_an_earlier_token_of_the_chain_ends_the_whole_session(world: World) -> None:
    ada = await registered(world)
    first = await logged_in(world)
    newest = await refresh_session(world)(first.refresh_token)

    await log_out(world)(ada.id, first.refresh_token)

    assert (await stored(world, newest.refresh_token)).revoked_at is not None


async def test_logout_leaves_the_callers_other_sessions_alone(world: World) -> None:
    ada = await registered(world)
    laptop = await logged_in(world)
    phone = await logged_in(world)

    await log_out(world)(ada.id, laptop.refresh_token)

    assert (await stored(world, phone.refresh_token)).revoked_at is None
    assert await refresh_session(world)(phone.refresh_token)


async def test_logout_ignores_a_token_of_another_user(world: World) -> None:
    ada = await registered(world)
    await registered(world, "eve@example.com")
    eve_pair = await logged_in(world, "eve@example.com")

    await log_out(world)(ada.id, eve_pair.refresh_token)

    assert (await stored(world, eve_pair.refresh_token)).revoked_at is None
    assert await refresh_session(world)(eve_pair.refresh_token)


async def test_logout_ignores_an_unknown_token(world: World) -> None:
    ada = await registered(world)
    pair = await logged_in(world)
    before = dict(world.database.tokens)

    await log_out(world)(ada.id, "made-up")

    assert world.database.tokens == before
    assert await refresh_session(world)(pair.refresh_token)


async def test_logout_is_idempotent(world: World) -> None:
    ada = await registered(world)
    pair = await logged_in(world)
    await log_out(world)(ada.id, pair.refresh_token)
    revoked_at = (await stored(world, pair.refresh_token)).revoked_at
    world.clock.advance(timedelta(minutes=1))

    await log_out(world)(ada.id, pair.refresh_token)

    assert revoked_at is not None
    assert (await stored(world, pair.refresh_token)).revoked_at == revoked_at


async def test_the_profile_is_the_stored_user(world: World) -> None:
    user = await registered(world)

    assert await get_profile(world)(user.id) == user


async def test_the_profile_of_a_vanished_user_is_an_invalid_token(world: World) -> None:
    await registered(world)

    with pytest.raises(InvalidAccessToken):
        await get_profile(world)(new_id())


async def test_an_enriched_profile_is_stored_on_the_user_and_shown_by_the_profile(world: World) -> None:
    user = await registered(world)
    enricher = FakeProfileEnricher()
    enricher.profile = Profile(full_name="Ada Lovelace", company="Analytical Engines")
    enrich = EnrichProfile(users=world.users, enricher=enricher, transaction=world.transaction, clock=world.clock)

    enriched = await enrich(user.id, user.email)

    assert enriched == EnrichedProfile(profile=enricher.profile, enriched_at=world.clock.now(), source="fake")
    shown = await get_profile(world)(user.id)
    assert shown.profile == enriched
    assert (shown.email, shown.password_hash) == (user.email, user.password_hash)
