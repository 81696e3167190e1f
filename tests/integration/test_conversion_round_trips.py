"""What a qualifying conversion costs the database, counted in statements: conversions are the write path the
operator's backend drives hardest, and every statement is a round trip on the request's critical path."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dishka import AsyncContainer
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from referrals.application.idempotency import IdempotentRequests
from referrals.application.ports.idempotency import StoredAnswer
from referrals.application.use_cases.record_conversion import RecordConversion
from referrals.domain.events import EventType
from tests.integration.tally_checks import assert_tallies_agree
from tests.integration.test_programme_races import (
    container,
    engine,
    events_of,
    purchase,
    record,
    referrer_with_referees,
    set_programme,
)

__all__ = ["container", "engine"]

# The write transaction of a qualifying conversion: the referral locked, the programme read, the conversion
# stored, the referral saved, both rewards in one insert, the two tallies, and the events (with their order
# lock on PostgreSQL) in one insert. SQLite's BEGIN IMMEDIATE is a statement of its own; asyncpg's BEGIN and
# either's COMMIT are not cursor statements, and the user's read before the transaction runs on the committed-
# read path, not the engine: neither is counted here.
STATEMENTS_OF_A_QUALIFYING_CONVERSION = {"sqlite": 9, "postgresql": 8}


@contextmanager
def statements_run(engine: AsyncEngine) -> Iterator[list[str]]:
    run: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        run.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", note)
    try:
        yield run
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", note)


async def test_a_qualifying_conversion_grants_both_rewards_and_its_events_in_one_statement_each(
    container: AsyncContainer, engine: AsyncEngine
) -> None:
    await set_programme(container)
    _, (referee,) = await referrer_with_referees(container, 1)

    with statements_run(engine) as run:
        outcome = await record(container, purchase("order-1", referee))

    assert outcome.qualified
    assert len(outcome.rewards) == 2
    written = [statement for statement in run if not statement.lstrip().upper().startswith("SELECT")]
    assert sum("INSERT INTO rewards" in statement for statement in written) == 1, written
    assert sum("INSERT INTO events" in statement for statement in written) == 1, written
    assert not any("pg_advisory_xact_lock" in statement for statement in run if statement not in written), run
    assert len(run) == STATEMENTS_OF_A_QUALIFYING_CONVERSION[engine.dialect.name], run


def _first(run: list[str], prefix: str) -> int:
    found = [index for index, statement in enumerate(run) if statement.lstrip().startswith(prefix)]
    assert found, (prefix, run)
    return found[0]


async def test_a_keyed_conversion_keeps_its_answer_before_it_takes_the_tally_rows_and_the_event_order(
    container: AsyncContainer, engine: AsyncEngine
) -> None:
    """The tally rows and the event-order lock are the last locks a transaction takes, held until its commit:
    with an Idempotency-Key, the answer's insert comes before them, not while they are held."""
    await set_programme(container)
    _, (referee,) = await referrer_with_referees(container, 1)
    answer = StoredAnswer(status=201, body=b"{}", media_type="application/json", headers={})

    with statements_run(engine) as run:
        async with container() as request:
            requests = await request.get(IdempotentRequests)
            record_conversion = await request.get(RecordConversion)
            async with requests.handling("key:operator", "order-1", "fingerprint"):
                outcome = await record_conversion(purchase("order-1", referee))
                await requests.answered("key:operator", "order-1", "fingerprint", answer)

    assert outcome.qualified
    kept = _first(run, "INSERT INTO idempotency_keys")
    assert kept < _first(run, "INSERT INTO referrer_tallies"), run
    assert kept < _first(run, "INSERT INTO referrer_reward_tallies"), run
    assert kept < _first(run, "WITH event_order" if engine.dialect.name == "postgresql" else "INSERT INTO events"), run
    assert await events_of(engine, referee.id) == [EventType.REFERRAL_CREATED.value, EventType.REFERRAL_QUALIFIED.value]
    await assert_tallies_agree(engine)
