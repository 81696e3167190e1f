"""The background jobs' use cases over the fakes: what each changes, records and leaves alone."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest

from referrals.application.errors import InvalidRefreshToken
from referrals.application.policies import RetentionPolicy
from referrals.application.ports.events import EventRetention
from referrals.application.use_cases.expire_codes import ExpireCodes
from referrals.application.use_cases.purge_events import PurgeEvents
from referrals.application.use_cases.purge_refresh_tokens import PurgeRefreshTokens
from referrals.domain.events import DomainEvent, EventType
from referrals.domain.referral_code import CodeState
from tests.unit.application.fakes import World
from tests.unit.application.steps import (
    delete_referral_code,
    logged_in,
    refresh_session,
    registered,
    stored,
    with_code,
)


def expire_codes(world: World) -> ExpireCodes:
    return ExpireCodes(codes=world.codes, transaction=world.transaction)


def purge_refresh_tokens(world: World) -> PurgeRefreshTokens:
    return PurgeRefreshTokens(refresh_tokens=world.tokens, transaction=world.transaction)


def expiries(world: World) -> list[DomainEvent]:
    return [event for event in world.database.events.values() if event.type is EventType.CODE_EXPIRED]


async def test_codes_past_their_expiry_are_expired_each_with_one_event_at_its_expiry(world: World) -> None:
    ada, bob, eve = [await registered(world, f"{name}@example.com") for name in ("ada", "bob", "eve")]
    first = await with_code(world, ada, timedelta(minutes=1))
    second = await with_code(world, bob, timedelta(minutes=2))
    live = await with_code(world, eve, timedelta(hours=1))
    world.clock.advance(timedelta(minutes=5))

    assert await expire_codes(world)(world.clock.now()) == 2

    assert world.database.codes[first.id].state is CodeState.EXPIRED
    assert world.database.codes[second.id].state is CodeState.EXPIRED
    assert world.database.codes[live.id].state is CodeState.ACTIVE
    # It ended when it expired, however late the job came round to it.
    assert world.database.ended_at[first.id] == first.expires_at
    events = expiries(world)
    assert [(event.subject_id, event.occurred_at) for event in events] == [
        (first.id, first.expires_at),
        (second.id, second.expires_at),
    ]
    assert events[0].data["state"] == "expired"
    assert events[0].data["ended_at"] == first.expires_at


async def test_a_code_expires_at_its_expiry_instant_and_not_a_microsecond_before(world: World) -> None:
    code = await with_code(world, await registered(world), timedelta(minutes=1))

    assert await expire_codes(world)(code.expires_at - timedelta(microseconds=1)) == 0
    assert await expire_codes(world)(code.expires_at) == 1


async def test_a_second_run_finds_nothing_to_do_and_records_nothing(world: World) -> None:
    await with_code(world, await registered(world), timedelta(minutes=1))
    world.clock.advance(timedelta(minutes=1))
    await expire_codes(world)(world.clock.now())

    assert await expire_codes(world)(world.clock.now()) == 0

    assert len(expiries(world)) == 1


async def test_a_batch_expires_at_most_its_limit_earliest_expiry_first(world: World) -> None:
    owners = [await registered(world, f"user{n}@example.com") for n in range(5)]
    codes = [await with_code(world, owner, timedelta(minutes=5 - n)) for n, owner in enumerate(owners)]
    world.clock.advance(timedelta(hours=1))

    assert await expire_codes(world)(world.clock.now(), limit=2) == 2

    assert {event.subject_id for event in expiries(world)} == {codes[4].id, codes[3].id}
    assert await expire_codes(world)(world.clock.now(), limit=10) == 3


async def test_deleted_codes_are_left_as_they_are(world: World) -> None:
    owner = await registered(world)
    code = await with_code(world, owner, timedelta(minutes=1))
    await delete_referral_code(world)(owner.id)
    world.clock.advance(timedelta(hours=1))

    assert await expire_codes(world)(world.clock.now()) == 0

    assert world.database.codes[code.id].state is CodeState.DELETED


async def test_a_code_the_job_expired_is_not_expired_again_by_the_next_create(world: World) -> None:
    owner = await registered(world)
    old = await with_code(world, owner, timedelta(minutes=1))
    world.clock.advance(timedelta(minutes=2))
    await expire_codes(world)(world.clock.now())

    new = await with_code(world, owner)

    assert [event.subject_id for event in expiries(world)] == [old.id]
    assert world.codes.active_of(owner.id) == [new]


async def test_a_code_a_create_retired_is_not_expired_again_by_the_job(world: World) -> None:
    owner = await registered(world)
    old = await with_code(world, owner, timedelta(minutes=1))
    world.clock.advance(timedelta(minutes=2))
    await with_code(world, owner)

    assert await expire_codes(world)(world.clock.now()) == 0

    (event,) = expiries(world)
    # Both paths say the same of it: it ended at its expiry.
    assert (event.subject_id, event.occurred_at) == (old.id, old.expires_at)
    assert world.database.ended_at[old.id] == old.expires_at


async def test_the_job_leaves_the_code_cache_alone(world: World) -> None:
    await with_code(world, await registered(world), timedelta(minutes=1))
    world.cache.invalidated.clear()
    world.clock.advance(timedelta(minutes=1))

    await expire_codes(world)(world.clock.now())

    assert world.cache.invalidated == []


async def test_tokens_past_their_expiry_go_used_revoked_or_not(world: World) -> None:
    await registered(world)
    used = await logged_in(world)
    await refresh_session(world)(used.refresh_token)
    untouched = await logged_in(world)
    world.clock.advance(world.session_policy.refresh_token_ttl)

    # The used one, its successor and the untouched one, all issued at the same instant, all expired now.
    assert await purge_refresh_tokens(world)(world.clock.now()) == 3

    assert world.database.tokens == {}
    with pytest.raises(InvalidRefreshToken):
        await refresh_session(world)(untouched.refresh_token)


async def test_tokens_within_their_lifetime_stay_spent_or_not(world: World) -> None:
    await registered(world)
    spent = await logged_in(world)
    successor = await refresh_session(world)(spent.refresh_token)
    world.clock.advance(world.session_policy.refresh_token_ttl - timedelta(microseconds=1))

    assert await purge_refresh_tokens(world)(world.clock.now()) == 0

    # The spent one is still known, so presenting it again is still a replay that ends the chain.
    with pytest.raises(InvalidRefreshToken):
        await refresh_session(world)(spent.refresh_token)
    assert (await stored(world, successor.refresh_token)).revoked_at == world.clock.now()


async def test_a_token_purge_takes_at_most_its_limit(world: World) -> None:
    await registered(world)
    for _ in range(3):
        await logged_in(world)
    world.clock.advance(world.session_policy.refresh_token_ttl)

    assert await purge_refresh_tokens(world)(world.clock.now(), limit=2) == 2
    assert await purge_refresh_tokens(world)(world.clock.now(), limit=2) == 1


@dataclass
class FakeEventRetention(EventRetention):
    """Events by the instant they were recorded, oldest first."""

    recorded_at: list[datetime]
    cutoffs: list[datetime] = field(default_factory=list)

    async def purge_recorded_before(self, cutoff: datetime, limit: int) -> int:
        self.cutoffs.append(cutoff)
        old = [instant for instant in self.recorded_at if instant < cutoff][:limit]
        self.recorded_at = [instant for instant in self.recorded_at if instant not in old]
        return len(old)


async def test_events_older_than_the_retention_period_go(world: World) -> None:
    now = world.clock.now()
    retention = timedelta(days=30)
    kept = [now - retention, now - timedelta(days=1)]
    events = FakeEventRetention([now - retention - timedelta(seconds=1), now - timedelta(days=90), *kept])
    purge = PurgeEvents(events=events, transaction=world.transaction, policy=RetentionPolicy(events=retention))

    assert await purge(now) == 2

    assert events.recorded_at == kept
    assert events.cutoffs == [now - retention]
    assert world.database.commits >= 1
