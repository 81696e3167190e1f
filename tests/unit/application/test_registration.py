from datetime import timedelta

import pytest

from referrals.application.use_cases.register_user import Registration
from referrals.domain.errors import EmailTaken, InvalidEmail, InvalidReferralCode, WeakPassword
from tests.unit.application.conftest import World
from tests.unit.application.steps import PASSWORD, delete_referral_code, register_user, registered, with_code


async def test_a_user_is_stored_with_a_canonical_email_and_a_hash(world: World) -> None:
    user = await registered(world, "  Ada@Example.COM ")

    assert user.email == "ada@example.com"
    assert user.password_hash == f"hashed:{PASSWORD}"
    assert user.referrer_id is None
    assert user.created_at == world.clock.now()
    assert world.database.users == {user.id: user}


async def test_an_invalid_email_is_refused_before_anything_is_stored(world: World) -> None:
    with pytest.raises(InvalidEmail):
        await registered(world, "not-an-email")

    assert world.database.users == {}
    assert world.hasher.hashed == 0


async def test_a_weak_password_is_refused(world: World) -> None:
    with pytest.raises(WeakPassword):
        await register_user(world)(Registration(email="ada@example.com", password="short"))


async def test_a_taken_email_costs_no_hashing(world: World) -> None:
    await registered(world)
    hashed_before = world.hasher.hashed

    with pytest.raises(EmailTaken):
        await registered(world, "ADA@example.com")

    assert world.hasher.hashed == hashed_before


async def test_a_taken_email_wins_over_a_bad_code(world: World) -> None:
    await registered(world, "bob@example.com")

    with pytest.raises(EmailTaken):
        await registered(world, "bob@example.com", code="not a code")


async def test_a_live_code_makes_the_newcomer_a_referral(world: World) -> None:
    referrer = await registered(world)
    code = await with_code(world, referrer)

    newcomer = await registered(world, "bob@example.com", code=code.code.lower())

    assert newcomer.referrer_id == referrer.id
    assert newcomer.referred_with_code_id == code.id


@pytest.mark.parametrize("typed", ["not a code", "0000000000000", ""])
async def test_a_malformed_or_unknown_code_is_refused(world: World, typed: str) -> None:
    with pytest.raises(InvalidReferralCode):
        await registered(world, "bob@example.com", code=typed)

    assert world.database.users == {}


async def test_an_expired_code_is_refused(world: World) -> None:
    code = await with_code(world, await registered(world), lifetime=timedelta(minutes=1))
    world.clock.advance(timedelta(minutes=1))

    with pytest.raises(InvalidReferralCode):
        await registered(world, "bob@example.com", code=code.code)


async def test_a_deleted_code_is_refused(world: World) -> None:
    referrer = await registered(world)
    code = await with_code(world, referrer)
    await delete_referral_code(world)(referrer.id)

    with pytest.raises(InvalidReferralCode):
        await registered(world, "bob@example.com", code=code.code)
