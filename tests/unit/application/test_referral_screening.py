"""Registering with a code, screened for referral fraud: the use case over fakes of its ports."""

from datetime import timedelta

import pytest

from referrals.application.policies import FraudPolicy
from referrals.application.use_cases.create_referral_code import NewCode
from referrals.application.use_cases.log_in import Credentials
from referrals.application.use_cases.register_user import Registration
from referrals.domain.email_domains import DisposablePolicy
from referrals.domain.errors import DisposableEmail, InvalidReferralCode, SelfReferral
from referrals.domain.referral import FlagReason, ReferralState
from referrals.domain.referral_code import CodeState
from tests.unit.application.fakes import COMMIT, World, make_world
from tests.unit.application.steps import PASSWORD, create_referral_code, log_in, register_user, registered, with_code

HOME = "81.2.69.160"
OFFICE = "81.2.69.142"


async def sign_up(world: World, email: str, code: str, client: str | None = None) -> None:
    await register_user(world)(Registration(email=email, password=PASSWORD, referral_code=code, client=client))


def referral_state(world: World, email: str) -> tuple[ReferralState, list[FlagReason]]:
    (user,) = [user for user in world.database.users.values() if user.email == email]
    stored = world.database.referrals.get(user.id)
    if stored is None:  # the fakes' implied pending referral
        return ReferralState.PENDING, []
    return stored.referral.state, [flag.reason for flag in stored.referral.open_flags]


async def test_a_self_referral_is_refused_and_the_codes_use_given_back(world: World) -> None:
    owner = await registered(world, "ada.lovelace@gmail.com")
    code = await with_code(world, owner)

    with pytest.raises(SelfReferral):
        await sign_up(world, "adalovelace+2@gmail.com", code.code)

    assert len(world.database.users) == 1
    assert world.database.codes[code.id].uses == 0  # rolled back with the registration


async def test_a_throwaway_address_is_refused_before_any_hashing(world: World) -> None:
    code = await with_code(world, await registered(world))
    world.hasher.hashed.clear()

    with pytest.raises(DisposableEmail):
        await sign_up(world, "farmer@mailinator.com", code.code)

    assert world.hasher.hashed == []


async def test_a_throwaway_address_is_flagged_when_the_operator_says_so() -> None:
    world = make_world(fraud_policy=FraudPolicy(disposable=DisposablePolicy.FLAG))
    code = await with_code(world, await registered(world))

    await sign_up(world, "farmer@mailinator.com", code.code)

    assert referral_state(world, "farmer@mailinator.com") == (ReferralState.FLAGGED, [FlagReason.DISPOSABLE_EMAIL])


async def test_login_and_registration_leave_sightings_that_flag_a_newcomer_from_the_same_client(world: World) -> None:
    owner = await registered(world)
    code = await with_code(world, owner)
    await log_in(world)(Credentials(email="ada@example.com", password=PASSWORD, client=OFFICE))
    world.clock.advance(timedelta(minutes=3))

    await sign_up(world, "grace@example.org", code.code, client=OFFICE)
    await sign_up(world, "alan@example.org", code.code, client=HOME)

    assert referral_state(world, "grace@example.org") == (ReferralState.FLAGGED, [FlagReason.SAME_CLIENT])
    assert referral_state(world, "alan@example.org") == (ReferralState.PENDING, [])
    # Keyed hashes only: no address is kept anywhere.
    assert all(OFFICE not in fingerprint and HOME not in fingerprint for _, fingerprint in world.sightings.seen)
    assert len(world.sightings.seen) == 3


async def test_a_spent_code_is_dropped_from_the_cache_after_the_commit(world: World) -> None:
    owner = await registered(world)
    new_code = NewCode(owner_id=owner.id, expires_at=world.clock.now() + timedelta(days=1), max_uses=1)
    code = await create_referral_code(world)(new_code)
    world.database.journal.clear()

    await sign_up(world, "grace@example.org", code.code)

    assert world.database.codes[code.id].state is CodeState.SPENT
    assert world.database.journal[-2:] == [COMMIT, "invalidate ada@example.com"]
    with pytest.raises(InvalidReferralCode):
        await sign_up(world, "alan@example.org", code.code)
