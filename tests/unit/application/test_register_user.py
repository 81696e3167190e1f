from dataclasses import replace
from datetime import timedelta

import pytest

from referrals.application.errors import EmailVerificationUnavailable, ProviderUnavailable
from referrals.application.policies import EmailPolicy
from referrals.application.ports.accounts import EmailVerdict
from referrals.application.use_cases.register_user import Registration
from referrals.domain.errors import EmailTaken, InvalidEmail, InvalidReferralCode, UndeliverableEmail, WeakPassword
from referrals.domain.ids import new_id
from referrals.domain.referral_code import CodeState
from referrals.domain.user import User
from tests.unit.application.fakes import Tables, World, make_world
from tests.unit.application.steps import (
    PASSWORD,
    delete_referral_code,
    register_user,
    registered,
    with_code,
)


async def test_a_user_is_stored_with_a_canonical_email_and_a_hash(world: World) -> None:
    user = await registered(world, "  Ada@Example.COM ")

    assert user.email == "ada@example.com"
    assert user.password_hash == f"hashed:{PASSWORD}"
    assert user.referrer_id is None
    assert user.referred_with_code_id is None
    assert user.created_at == world.clock.now()
    assert world.database.users == {user.id: user}
    assert world.hasher.hashed == [PASSWORD]
    assert world.database.commits == 1


async def test_an_nfkc_spelling_is_stored_canonically_and_then_counts_as_taken(world: World) -> None:
    user = await registered(world, "ＡＤＡ@ＥＸＡＭＰＬＥ.ＣＯＭ")

    assert user.email == "ada@example.com"
    with pytest.raises(EmailTaken):
        await registered(world, "ada@example.com")


@pytest.mark.parametrize("email", ["not-an-email", "ada@localhost", "", "ada@@example.com"])
async def test_an_invalid_email_is_refused_before_any_work(world: World, email: str) -> None:
    with pytest.raises(InvalidEmail):
        await registered(world, email)

    assert world.database.users == {}
    assert world.hasher.hashed == []
    assert world.database.journal == []


@pytest.mark.parametrize("password", ["", "1234567", "x" * 129])
async def test_a_weak_password_is_refused_before_any_work(world: World, password: str) -> None:
    with pytest.raises(WeakPassword):
        await register_user(world)(Registration(email="ada@example.com", password=password))

    assert world.database.users == {}
    assert world.hasher.hashed == []


async def test_a_taken_email_costs_no_hashing(world: World) -> None:
    await registered(world)
    world.hasher.hashed.clear()
    journal_before = list(world.database.journal)

    with pytest.raises(EmailTaken):
        await registered(world, "ADA@example.com")

    assert world.hasher.hashed == []
    assert world.database.journal == journal_before  # no write transaction was even opened
    assert len(world.database.users) == 1


@pytest.mark.parametrize("code", ["not a code", "0000000000000", "", "ABCDEFGHJKMNPQ"])
async def test_a_bad_code_is_refused_alike_whether_the_email_is_taken_or_free(world: World, code: str) -> None:
    await registered(world, "bob@example.com")
    world.hasher.hashed.clear()
    journal_before = list(world.database.journal)

    with pytest.raises(InvalidReferralCode):
        await registered(world, "bob@example.com", code=code)
    with pytest.raises(InvalidReferralCode):
        await registered(world, "carol@example.com", code=code)

    assert world.hasher.hashed == []  # neither path costs a hash, so neither is slower than the other
    assert world.database.journal == journal_before
    # A committed read that holds nothing: the locking read belongs inside the write transaction only.
    assert "claim_use" not in world.codes.calls
    assert len(world.database.users) == 1


async def test_an_expired_code_is_refused_alike_whether_the_email_is_taken_or_free(world: World) -> None:
    referrer = await registered(world)
    code = await with_code(world, referrer, lifetime=timedelta(minutes=1))
    await registered(world, "bob@example.com")
    world.clock.advance(timedelta(hours=1))

    for email in ("bob@example.com", "carol@example.com"):
        with pytest.raises(InvalidReferralCode):
            await registered(world, email, code=code.code)


async def test_a_taken_email_is_refused_with_a_live_code(world: World) -> None:
    referrer = await registered(world)
    code = await with_code(world, referrer)
    await registered(world, "bob@example.com")

    with pytest.raises(EmailTaken):
        await registered(world, "bob@example.com", code=code.code)


async def test_a_live_code_makes_the_newcomer_a_referral(world: World) -> None:
    referrer = await registered(world)
    code = await with_code(world, referrer)

    newcomer = await registered(world, "bob@example.com", code=code.code)

    assert newcomer.referrer_id == referrer.id
    assert newcomer.referred_with_code_id == code.id
    assert world.database.users[newcomer.id] == newcomer


async def test_a_code_typed_loosely_is_still_recognised(world: World) -> None:
    referrer = await registered(world)
    code = await with_code(world, referrer)
    typed = f" {code.code[:4].lower()}-{code.code[4:8]} {code.code[8:].lower()} "
    # Where the code has a 1 or a 0, a person may type I/L or O: those read the same.
    typed = typed.replace("1", "l").replace("0", "O")

    newcomer = await registered(world, "bob@example.com", code=typed)

    assert newcomer.referred_with_code_id == code.id


@pytest.mark.parametrize("typed", ["not a code", "", "ABCDEFGHJKMN", "ABCDEFGHJKMNU", "ABCDEFGHJKMNP!"])
async def test_a_malformed_code_is_refused_without_hashing(world: World, typed: str) -> None:
    with pytest.raises(InvalidReferralCode):
        await registered(world, "bob@example.com", code=typed)

    assert world.database.users == {}
    assert world.hasher.hashed == []


async def test_an_unknown_code_is_refused_before_any_hashing_and_nothing_is_stored(world: World) -> None:
    await registered(world)
    world.hasher.hashed.clear()

    with pytest.raises(InvalidReferralCode):
        await registered(world, "bob@example.com", code="0000000000000")

    assert [user.email for user in world.database.users.values()] == ["ada@example.com"]
    assert world.hasher.hashed == []
    assert world.database.rollbacks == 0  # no write transaction was opened


async def test_an_expired_code_is_refused_from_the_instant_it_expires(world: World) -> None:
    code = await with_code(world, await registered(world), lifetime=timedelta(minutes=1))
    world.clock.advance(timedelta(minutes=1))

    with pytest.raises(InvalidReferralCode):
        await registered(world, "bob@example.com", code=code.code)

    assert await world.users.by_email("bob@example.com") is None


async def test_a_code_one_microsecond_before_expiry_still_works(world: World) -> None:
    referrer = await registered(world)
    code = await with_code(world, referrer, lifetime=timedelta(minutes=1))
    world.clock.advance(timedelta(minutes=1) - timedelta(microseconds=1))

    newcomer = await registered(world, "bob@example.com", code=code.code)

    assert newcomer.referrer_id == referrer.id


async def test_a_deleted_code_is_refused(world: World) -> None:
    referrer = await registered(world)
    code = await with_code(world, referrer)
    await delete_referral_code(world)(referrer.id)

    with pytest.raises(InvalidReferralCode):
        await registered(world, "bob@example.com", code=code.code)

    assert await world.users.by_email("bob@example.com") is None


async def test_unknown_expired_and_deleted_codes_read_alike(world: World) -> None:
    referrer = await registered(world)
    expired = await with_code(world, referrer, lifetime=timedelta(minutes=1))
    world.clock.advance(timedelta(minutes=1))
    deleted = await with_code(world, referrer)
    await delete_referral_code(world)(referrer.id)

    messages = []
    for code in ("0000000000000", expired.code, deleted.code):
        with pytest.raises(InvalidReferralCode) as caught:
            await registered(world, "bob@example.com", code=code)
        messages.append((caught.value.code, caught.value.message))

    assert len(set(messages)) == 1


async def test_an_email_taken_while_the_password_was_hashed_is_refused_under_the_lock(world: World) -> None:
    def add_rival(tables: Tables) -> None:
        rival = User(new_id(), "bob@example.com", "hashed:rival", world.clock.now())
        tables.users[rival.id] = rival

    async def concurrent_registration() -> None:
        world.database.commit_elsewhere(add_rival)

    world.hasher.during_hash = concurrent_registration

    with pytest.raises(EmailTaken):
        await registered(world, "bob@example.com")

    assert [user.password_hash for user in world.database.users.values()] == ["hashed:rival"]
    assert world.database.rollbacks == 1


async def test_a_code_deleted_while_the_password_was_hashed_is_refused(world: World) -> None:
    referrer = await registered(world)
    code = await with_code(world, referrer)

    async def concurrent_delete() -> None:
        world.database.codes[code.id] = replace(code, state=CodeState.DELETED)

    world.hasher.during_hash = concurrent_delete

    with pytest.raises(InvalidReferralCode):
        await registered(world, "bob@example.com", code=code.code)

    assert await world.users.by_email("bob@example.com") is None


async def test_the_email_gate_is_asked_about_the_canonical_address_before_hashing(world: World) -> None:
    await registered(world, " Ada@Example.com ")

    assert world.email_verifier.asked == ["ada@example.com"]


@pytest.mark.parametrize("verdict", sorted(EmailPolicy().rejected))
async def test_a_rejected_address_is_refused_before_hashing_and_nothing_is_stored(
    world: World, verdict: EmailVerdict
) -> None:
    world.email_verifier.verdict = verdict

    with pytest.raises(UndeliverableEmail):
        await registered(world)

    assert world.hasher.hashed == []
    assert world.database.users == {}
    assert world.database.journal == []


@pytest.mark.parametrize("verdict", sorted(set(EmailVerdict) - EmailPolicy().rejected))
async def test_an_address_with_an_accepted_verdict_registers(world: World, verdict: EmailVerdict) -> None:
    world.email_verifier.verdict = verdict

    user = await registered(world)

    assert world.database.users == {user.id: user}


async def test_a_taken_email_or_a_malformed_code_is_refused_without_asking_the_verifier(world: World) -> None:
    await registered(world)
    world.email_verifier.asked.clear()

    with pytest.raises(EmailTaken):
        await registered(world)
    with pytest.raises(InvalidReferralCode):
        await registered(world, "bob@example.com", code="not a code")

    assert world.email_verifier.asked == []


async def test_a_verifier_outage_lets_registration_through_when_failing_open(world: World) -> None:
    world.email_verifier.failure = ProviderUnavailable("down")

    user = await registered(world)

    assert world.database.users == {user.id: user}


async def test_a_verifier_outage_refuses_registration_when_failing_closed() -> None:
    world = make_world(email_policy=EmailPolicy(fail_closed=True))
    world.email_verifier.failure = ProviderUnavailable("down")

    with pytest.raises(EmailVerificationUnavailable):
        await registered(world)

    assert world.hasher.hashed == []
    assert world.database.users == {}
