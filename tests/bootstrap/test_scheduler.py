"""The scheduler over a real container whose jobs are stand-ins: batching, periods, failures, stopping."""

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime

import pytest
from dishka import AsyncContainer, Provider, Scope, make_async_container

from referrals.application.ports.common import Clock
from referrals.bootstrap.background import MAX_BATCHES_PER_TICK, Job, Scheduler
from referrals.bootstrap.config import BackgroundSettings
from tests.unit.application.fakes import FakeClock

BATCH = 3
SECRET_IN_THE_MESSAGE = "ada@example.com"


@dataclass
class Backlog:
    """Rows each stand-in job has left, what it was called with, and a failure to raise instead."""

    left: dict[str, int] = field(default_factory=dict)
    calls: list[tuple[str, datetime, int]] = field(default_factory=list)
    failing: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class StandIn:
    backlog: Backlog

    async def __call__(self, now: datetime, limit: int = 500) -> int:
        name = type(self).__name__
        self.backlog.calls.append((name, now, limit))
        if name in self.backlog.failing:
            msg = f"duplicate key value: {SECRET_IN_THE_MESSAGE}"
            raise RuntimeError(msg)
        taken = min(limit, self.backlog.left.get(name, 0))
        self.backlog.left[name] = self.backlog.left.get(name, 0) - taken
        return taken


class First(StandIn):
    pass


class Second(StandIn):
    pass


class Endless(StandIn):
    async def __call__(self, now: datetime, limit: int = 500) -> int:
        await super().__call__(now, limit)
        return limit


@pytest.fixture
def backlog() -> Backlog:
    return Backlog()


@pytest.fixture
async def container(backlog: Backlog) -> AsyncIterator[AsyncContainer]:
    provider = Provider()
    provider.provide(lambda: backlog, provides=Backlog, scope=Scope.APP)
    clock = FakeClock()
    provider.provide(lambda: clock, provides=Clock, scope=Scope.APP)
    for job in (First, Second, Endless):
        provider.provide(job, scope=Scope.REQUEST)
    container = make_async_container(provider)
    yield container
    await container.close()


def scheduler(container: AsyncContainer, *jobs: Job, interval: float = 5.0) -> Scheduler:
    return Scheduler(container, BackgroundSettings(interval=interval, batch_size=BATCH), jobs)


async def until(condition: Callable[[], bool], attempts: int = 500) -> None:
    for _ in range(attempts):
        if condition():
            return
        await asyncio.sleep(0.01)
    msg = "the scheduler did not get there"
    raise AssertionError(msg)


def calls_of(backlog: Backlog, name: str) -> int:
    return sum(1 for call in backlog.calls if call[0] == name)


async def test_a_job_takes_batches_until_one_comes_back_short(container: AsyncContainer, backlog: Backlog) -> None:
    backlog.left = {"First": 7, "Second": 0}

    handled = await scheduler(container, Job(First), Job(Second)).tick()

    assert handled == {"First": 7, "Second": 0}
    assert [(name, limit) for name, _, limit in backlog.calls] == [
        ("First", BATCH),
        ("First", BATCH),
        ("First", BATCH),
        ("Second", BATCH),
    ]
    assert backlog.calls[0][1] == FakeClock().now()


async def test_a_job_with_endless_work_yields_after_its_share_of_the_tick(
    container: AsyncContainer, backlog: Backlog
) -> None:
    handled = await scheduler(container, Job(Endless), Job(First)).tick()

    assert handled["Endless"] == MAX_BATCHES_PER_TICK * BATCH
    assert calls_of(backlog, "Endless") == MAX_BATCHES_PER_TICK
    assert calls_of(backlog, "First") == 1


async def test_a_failing_job_is_logged_without_its_message_and_the_others_still_run(
    container: AsyncContainer, backlog: Backlog, caplog: pytest.LogCaptureFixture
) -> None:
    backlog.left = {"Second": 1}
    backlog.failing = {"First"}
    jobs = scheduler(container, Job(First), Job(Second))

    with caplog.at_level(logging.INFO, logger="referrals.bootstrap.background"):
        first = await jobs.tick()
        backlog.failing.clear()
        second = await jobs.tick()

    assert first == {"Second": 1}
    assert second == {"First": 0, "Second": 0}
    failures = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert [record.getMessage() for record in failures] == [
        "Background job First failed (RuntimeError); it runs again next tick"
    ]
    assert all(record.exc_info is None for record in caplog.records)
    assert SECRET_IN_THE_MESSAGE not in caplog.text


async def test_one_info_line_per_job_that_did_something(
    container: AsyncContainer, backlog: Backlog, caplog: pytest.LogCaptureFixture
) -> None:
    backlog.left = {"First": 4, "Second": 0}

    with caplog.at_level(logging.INFO, logger="referrals.bootstrap.background"):
        await scheduler(container, Job(First), Job(Second)).tick()

    assert [record.getMessage() for record in caplog.records] == ["Background job First handled 4 rows"]


async def test_a_periodic_job_waits_its_period_unless_it_left_work_behind(
    container: AsyncContainer, backlog: Backlog
) -> None:
    jobs = scheduler(container, Job(First, every=3600), Job(Endless, every=3600))

    await jobs.tick()
    await jobs.tick()

    assert calls_of(backlog, "First") == 1  # finished: not due for an hour
    assert calls_of(backlog, "Endless") == 2 * MAX_BATCHES_PER_TICK  # unfinished: due again at once


async def test_run_ticks_until_asked_to_stop(container: AsyncContainer, backlog: Backlog) -> None:
    jobs = scheduler(container, Job(First), interval=0.01)
    running = asyncio.create_task(jobs.run())
    await until(lambda: calls_of(backlog, "First") >= 3)

    jobs.request_stop()

    await asyncio.wait_for(running, timeout=5)


async def test_a_stop_interrupts_the_wait_between_ticks(container: AsyncContainer, backlog: Backlog) -> None:
    jobs = scheduler(container, Job(First), interval=10)
    jobs.start()
    await until(lambda: bool(backlog.calls))  # the first tick comes at once

    # Well inside the ten seconds the scheduler would otherwise wait.
    await asyncio.wait_for(jobs.stop(), timeout=5)

    assert calls_of(backlog, "First") == 1


async def test_stopping_a_scheduler_that_never_started_does_nothing(container: AsyncContainer) -> None:
    await scheduler(container, Job(First)).stop()
