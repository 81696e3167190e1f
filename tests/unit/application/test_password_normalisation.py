"""One password however its characters are composed (NFKC before hashing), with hashes made before that
still verifying, once, as typed, and then replaced."""

import unicodedata

import pytest

from referrals.application.errors import InvalidCredentials
from referrals.application.use_cases.log_in import Credentials
from referrals.domain.ids import new_id
from referrals.domain.user import User
from tests.unit.application.fakes import World
from tests.unit.application.steps import log_in, registered

COMPOSED = "café crème brûlée"  # precomposed é, è, û
DECOMPOSED = unicodedata.normalize("NFD", COMPOSED)  # each as a letter and a combining mark
FULLWIDTH = "ｃａｆｅ ｃｒｅｍｅ"  # NFKC makes these the ASCII letters


def test_the_spellings_differ_as_strings() -> None:
    assert COMPOSED != DECOMPOSED


@pytest.mark.parametrize(("typed_at_registration", "typed_at_login"), [(COMPOSED, DECOMPOSED), (DECOMPOSED, COMPOSED)])
async def test_a_password_composed_either_way_is_one_password(
    world: World, typed_at_registration: str, typed_at_login: str
) -> None:
    user = await registered(world, password=typed_at_registration)

    await log_in(world)(Credentials(email=user.email, password=typed_at_login))

    assert world.hasher.hashed == [COMPOSED]  # what is hashed is the NFKC form


async def test_compatibility_characters_are_folded_too(world: World) -> None:
    user = await registered(world, password=FULLWIDTH)

    await log_in(world)(Credentials(email=user.email, password="cafe creme"))


def legacy_account(world: World, password_as_typed: str) -> User:
    """An account whose hash was made of the password as typed, before passwords were normalised."""
    user = User(new_id(), "old@example.com", f"{world.hasher.PREFIX}{password_as_typed}", world.clock.now())
    world.database.users[user.id] = user
    return user


async def test_a_hash_of_the_password_as_typed_still_verifies_and_is_replaced(world: World) -> None:
    user = legacy_account(world, DECOMPOSED)

    await log_in(world)(Credentials(email=user.email, password=DECOMPOSED))

    assert world.database.users[user.id].password_hash == f"{world.hasher.PREFIX}{COMPOSED}"
    # From now on, either spelling is the password.
    await log_in(world)(Credentials(email=user.email, password=COMPOSED))


async def test_a_wrong_password_costs_as_many_verifications_for_an_unknown_email(world: World) -> None:
    legacy_account(world, DECOMPOSED)

    for email in ("old@example.com", "nobody@example.com"):
        with pytest.raises(InvalidCredentials):
            await log_in(world)(Credentials(email=email, password=unicodedata.normalize("NFD", "wrong é password")))

    known, unknown = world.hasher.verified[:2], world.hasher.verified[2:]
    assert len(known) == len(unknown) == 2  # the normalised form, then the form as typed
