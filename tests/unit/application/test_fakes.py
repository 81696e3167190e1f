"""The fakes keep the promises of the real adapters; otherwise the use-case tests would prove nothing."""

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from referrals.application.errors import CodeCollision
from referrals.domain.errors import ActiveCodeExists, EmailTaken, SelfReferral
from referrals.domain.ids import new_id
from referrals.domain.referral_code import CodeState, ReferralCode
from referrals.domain.refresh_token import RefreshToken
from referrals.domain.user import User
from tests.unit.application.fakes import Tables, World

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def user(email: str = "ada@example.com") -> User:
    return User(new_id(), email, "hashed:x", NOW)


def code(owner: User, text: str = "ABCDEFGHJKMNP", state: CodeState = CodeState.ACTIVE) -> ReferralCode:
    return ReferralCode(new_id(), owner.id, text, NOW, NOW + timedelta(days=1), state)


def token(family_id: UUID | None = None) -> RefreshToken:
    return RefreshToken(new_id(), new_id(), family_id or new_id(), new_id().hex, NOW, NOW + timedelta(days=1))


async def test_a_committed_write_stays(world: World) -> None:
    ada = user()
    async with world.transaction.write():
        await world.users.add(ada)

    assert world.database.users == {ada.id: ada}
    assert world.database.journal == ["commit"]


async def test_a_write_that_raises_is_rolled_back_entirely(world: World) -> None:
    ada, bob = user(), user("bob@example.com")
    await world.users.add(ada)
    ada_code = code(ada)
    async with world.transaction.write():
        await world.codes.add(ada_code)
    family = new_id()
    await world.tokens.add(token(family))

    async def failing_write() -> None:
        async with world.transaction.write():
            await world.users.add(bob)
            await world.codes.end(ada_code, CodeState.DELETED, NOW)
            await world.tokens.revoke_family(family, NOW)
            raise RuntimeError

    with pytest.raises(RuntimeError):
        await failing_write()

    assert world.database.users == {ada.id: ada}
    assert world.database.codes == {ada_code.id: ada_code}
    assert world.database.ended_at == {}
    assert [event.type for event in world.database.events.values()] == ["code.created"]
    assert all(t.revoked_at is None for t in world.database.tokens.values())
    assert world.database.journal == ["commit", "rollback"]


async def test_a_change_committed_elsewhere_survives_a_rollback(world: World) -> None:
    ada, bob = user(), user("bob@example.com")

    def add_bob(tables: Tables) -> None:
        tables.users[bob.id] = bob

    async def failing_write() -> None:
        async with world.transaction.write():
            await world.users.add(ada)
            world.database.commit_elsewhere(add_bob)
            raise RuntimeError

    with pytest.raises(RuntimeError):
        await failing_write()

    assert world.database.users == {bob.id: bob}


async def test_writes_do_not_nest(world: World) -> None:
    with pytest.raises(AssertionError, match="nest"):
        async with world.transaction.write(), world.transaction.write():
            pass


async def test_the_user_store_refuses_a_duplicate_email_and_a_self_referral(world: World) -> None:
    ada = user()
    await world.users.add(ada)

    with pytest.raises(EmailTaken):
        await world.users.add(user())
    loner = user("loner@example.com")
    with pytest.raises(SelfReferral):
        await world.users.add(User(loner.id, loner.email, "h", NOW, referrer_id=loner.id))
    assert list(world.database.users) == [ada.id]


async def test_the_code_store_keeps_one_active_code_per_owner_and_unique_spellings(world: World) -> None:
    ada, bob = user(), user("bob@example.com")
    async with world.transaction.write():
        await world.codes.add(code(ada, "AAAAAAAAAAAAA"))

    with pytest.raises(ActiveCodeExists):
        async with world.transaction.write():
            await world.codes.add(code(ada, "BBBBBBBBBBBBB"))
    with pytest.raises(CodeCollision):
        async with world.transaction.write():
            await world.codes.add(code(bob, "AAAAAAAAAAAAA"))
    async with world.transaction.write():
        await world.codes.add(code(ada, "CCCCCCCCCCCCC", CodeState.DELETED))
    assert len(world.database.codes) == 2


async def test_ending_a_code_only_moves_an_active_one(world: World) -> None:
    ada = user()
    ada_code = code(ada)
    async with world.transaction.write():
        await world.codes.add(ada_code)
        assert await world.codes.end(ada_code, CodeState.DELETED, NOW)
        assert not await world.codes.end(ada_code, CodeState.EXPIRED, NOW + timedelta(hours=1))

    assert world.database.codes[ada_code.id].state is CodeState.DELETED
    assert world.database.ended_at[ada_code.id] == NOW


async def test_spending_a_token_succeeds_once(world: World) -> None:
    spent = token()
    await world.tokens.add(spent)

    assert await world.tokens.spend(spent.id, NOW) is True
    assert await world.tokens.spend(spent.id, NOW) is False
    assert await world.tokens.spend(new_id(), NOW) is False


async def test_a_revoked_token_cannot_be_spent_and_revocation_keeps_the_first_instant(world: World) -> None:
    family = new_id()
    first, other = token(family), token()
    await world.tokens.add(first)
    await world.tokens.add(other)

    await world.tokens.revoke_family(family, NOW)
    await world.tokens.revoke_family(family, NOW + timedelta(hours=1))

    assert world.database.tokens[first.id].revoked_at == NOW
    assert world.database.tokens[other.id].revoked_at is None
    assert await world.tokens.spend(first.id, NOW) is False


async def test_the_hasher_verifies_what_it_hashed_and_nothing_else(world: World) -> None:
    hashed = await world.hasher.hash("secret password")

    assert await world.hasher.verify(hashed, "secret password") is True
    assert await world.hasher.verify(hashed, "other password") is False
    assert await world.hasher.verify(None, "secret password") is False
    assert world.hasher.needs_rehash(hashed) is False
    assert world.hasher.needs_rehash("old:secret password") is True
    assert world.hasher.verified == [hashed, hashed, None]
