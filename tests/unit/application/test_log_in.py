import pytest

from referrals.application.errors import InvalidCredentials
from referrals.application.use_cases.log_in import Credentials
from referrals.domain.ids import new_id
from referrals.domain.refresh_token import refresh_digest
from referrals.domain.user import User
from tests.unit.application.fakes import FakeAccessTokens, World, make_world
from tests.unit.application.steps import PASSWORD, log_in, logged_in, registered, stored


async def test_login_issues_a_pair_and_stores_only_the_refresh_digest(world: World) -> None:
    user = await registered(world)

    pair = await logged_in(world)

    assert world.access_tokens.verify(pair.access_token) == user.id
    assert pair.expires_in == FakeAccessTokens.EXPIRES_IN
    [token] = world.database.tokens.values()
    assert token.digest == refresh_digest(pair.refresh_token)
    assert token.user_id == user.id
    assert token.issued_at == world.clock.now()
    assert token.expires_at == world.clock.now() + world.session_policy.refresh_token_ttl
    assert not token.is_spent()
    assert pair.refresh_token not in repr(world.database)
    assert world.database.commits == 2  # the registration, then the login


async def test_the_email_is_canonicalised_before_the_lookup(world: World) -> None:
    user = await registered(world)

    pair = await log_in(world)(Credentials(email="  ADA@Example.com ", password=PASSWORD))

    assert world.access_tokens.verify(pair.access_token) == user.id


async def test_every_login_starts_a_new_family(world: World) -> None:
    await registered(world)

    first = await stored(world, (await logged_in(world)).refresh_token)
    second = await stored(world, (await logged_in(world)).refresh_token)

    assert first.family_id != second.family_id


async def test_a_wrong_password_is_one_verification_and_no_session(world: World) -> None:
    user = await registered(world)

    with pytest.raises(InvalidCredentials):
        await log_in(world)(Credentials(email="ada@example.com", password="wrong password"))

    assert world.hasher.verified == [user.password_hash]
    assert world.database.tokens == {}


async def test_an_unknown_email_still_costs_one_dummy_verification(world: World) -> None:
    await registered(world)

    with pytest.raises(InvalidCredentials):
        await log_in(world)(Credentials(email="nobody@example.com", password=PASSWORD))

    assert world.hasher.verified == [None]
    assert world.database.tokens == {}


async def test_an_unknown_email_and_a_wrong_password_read_alike(world: World) -> None:
    await registered(world)

    with pytest.raises(InvalidCredentials) as unknown:
        await log_in(world)(Credentials(email="nobody@example.com", password=PASSWORD))
    with pytest.raises(InvalidCredentials) as wrong:
        await log_in(world)(Credentials(email="ada@example.com", password="wrong password"))

    assert (unknown.value.code, unknown.value.message) == (wrong.value.code, wrong.value.message)


@pytest.mark.parametrize("email", ["not an email", "", "ada@@example.com", "ada@localhost"])
async def test_a_malformed_email_is_just_bad_credentials_after_a_dummy_verification(world: World, email: str) -> None:
    await registered(world)

    with pytest.raises(InvalidCredentials):
        await log_in(world)(Credentials(email=email, password=PASSWORD))

    assert world.hasher.verified == [None]


async def test_an_outdated_hash_is_replaced_at_login(world: World) -> None:
    user = await registered(world)
    await world.users.set_password_hash(user.id, f"old-scheme:{PASSWORD}")
    world.hasher.hashed.clear()

    pair = await logged_in(world)

    assert world.hasher.hashed == [PASSWORD]
    assert world.database.users[user.id].password_hash == f"hashed:{PASSWORD}"
    assert world.access_tokens.verify(pair.access_token) == user.id


async def test_a_current_hash_is_left_alone(world: World) -> None:
    user = await registered(world)
    world.hasher.hashed.clear()

    await logged_in(world)

    assert world.hasher.hashed == []
    assert world.database.users[user.id].password_hash == user.password_hash


async def test_no_rehash_happens_for_a_wrong_password(world: World) -> None:
    user = await registered(world)
    await world.users.set_password_hash(user.id, f"old-scheme:{PASSWORD}")
    world.hasher.hashed.clear()

    with pytest.raises(InvalidCredentials):
        await log_in(world)(Credentials(email="ada@example.com", password="wrong password"))

    assert world.hasher.hashed == []
    assert world.database.users[user.id].password_hash == f"old-scheme:{PASSWORD}"


async def test_no_transaction_is_open_while_the_password_is_verified() -> None:
    world = make_world()
    await registered(world, "ada@example.com")
    open_while_verifying: list[bool] = []

    async def look() -> None:
        open_while_verifying.append(world.database.open_snapshot is not None)

    world.hasher.during_verify = look
    await log_in(world)(Credentials(email="ada@example.com", password=PASSWORD))

    assert open_while_verifying == [False]


async def test_an_account_stored_before_look_alikes_were_refused_still_logs_in(world: World) -> None:
    # Registration refuses a Cyrillic а among Latin letters now; an account that has one must stay reachable.
    user = User(new_id(), "pаypal@example.com", f"{world.hasher.PREFIX}{PASSWORD}", world.clock.now())
    world.database.users[user.id] = user

    pair = await log_in(world)(Credentials(email="PАYPAL@example.com", password=PASSWORD))

    assert world.access_tokens.verify(pair.access_token) == user.id
