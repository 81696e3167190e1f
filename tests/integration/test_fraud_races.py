"""Referral fraud's races, settled by the database on both backends: a code's use limit under a crowd."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from dishka import AsyncContainer
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from referrals.adapters.persistence.tables import events, referral_codes, referrals, users
from referrals.application.use_cases.create_referral_code import CreateReferralCode, NewCode
from referrals.application.use_cases.find_active_code import FindActiveCode
from referrals.application.use_cases.register_user import RegisterUser, Registration
from referrals.domain.errors import InvalidReferralCode, NoActiveCode
from referrals.domain.referral_code import ReferralCode
from referrals.domain.user import User
from tests.integration.test_programme_races import (
    PASSWORD,
    container,
    engine,
    in_request,
    register,
    scalar,
    warm_pool,
)

__all__ = ["container", "engine"]
RACERS = 20
MAX_USES = 3


async def registration(container: AsyncContainer, email: str, code: str) -> User | InvalidReferralCode:
    attempt = Registration(email, PASSWORD, code)
    try:
        return await in_request(container, RegisterUser, lambda register_user: register_user(attempt))
    except InvalidReferralCode as refused:
        return refused


async def test_twenty_registrations_at_once_on_a_code_of_three_uses_make_exactly_three_referrals(
    container: AsyncContainer, engine: AsyncEngine
) -> None:
    owner = await register(container, "ada@example.com")
    new_code = NewCode(owner.id, expires_at=datetime.now(UTC) + timedelta(days=1), max_uses=MAX_USES)
    code = await in_request(container, CreateReferralCode, lambda create: create(new_code))
    looked_up = await in_request(container, FindActiveCode, lambda find: find(owner.email))
    assert looked_up.code == code.code  # and cached

    await warm_pool(engine, 10)
    outcomes = await asyncio.gather(
        *(registration(container, f"friend{n}@example.com", code.code) for n in range(RACERS))
    )

    registered = [outcome for outcome in outcomes if isinstance(outcome, User)]
    assert len(registered) == MAX_USES
    assert all(isinstance(outcome, InvalidReferralCode) for outcome in outcomes if not isinstance(outcome, User))
    assert await scalar(engine, select(func.count()).where(users.c.referrer_id == owner.id)) == MAX_USES
    async with engine.connect() as connection:
        stored = (await connection.execute(select(referral_codes).where(referral_codes.c.id == code.id))).one()
    assert (stored.state, stored.uses) == ("spent", MAX_USES)
    spent_events = select(func.count()).where(events.c.type == "code.spent", events.c.subject_id == code.id)
    assert await scalar(engine, spent_events) == 1
    assert isinstance(await registration(container, "late@example.com", code.code), InvalidReferralCode)
    # Spent, the code is gone for lookups too, whatever the cache held before.
    with pytest.raises(NoActiveCode):
        await in_request(container, FindActiveCode, lambda find: find(owner.email))


PAIRS = 10


async def live_code_of(container: AsyncContainer, owner_email: str) -> ReferralCode:
    owner = await register(container, owner_email)
    new_code = NewCode(owner.id, expires_at=datetime.now(UTC) + timedelta(days=1))
    return await in_request(container, CreateReferralCode, lambda create: create(new_code))


async def test_two_accounts_on_one_mailbox_registering_at_once_through_two_codes_flag_the_second(
    container: AsyncContainer, engine: AsyncEngine
) -> None:
    codes = [await live_code_of(container, "ada@example.com"), await live_code_of(container, "alan@example.com")]

    await warm_pool(engine, 10)
    outcomes = await asyncio.gather(
        *(
            registration(container, email, code.code)
            for pair in range(PAIRS)
            for email, code in ((f"bob.smith{pair}+a@gmail.com", codes[0]), (f"bobsmith{pair}+b@gmail.com", codes[1]))
        )
    )

    assert all(isinstance(outcome, User) for outcome in outcomes)
    async with engine.connect() as connection:
        rows = (await connection.execute(select(users.c.mailbox_key, referrals.c.state).join(
            referrals, referrals.c.id == users.c.id
        ))).all()  # fmt: skip
    states_by_mailbox: dict[str, list[str]] = {}
    for mailbox, state in rows:
        states_by_mailbox.setdefault(mailbox, []).append(state)
    assert len(states_by_mailbox) == PAIRS
    assert all(sorted(states) == ["flagged", "pending"] for states in states_by_mailbox.values()), states_by_mailbox
