"""Background work: time-driven jobs run on a tick, inside the server's processes or in dedicated workers.

Every process that runs a scheduler runs every job. That is safe because each job claims its rows with a
conditional statement the database arbitrates (``UPDATE ... WHERE state = 'active'``, ``FOR UPDATE SKIP
LOCKED``): two processes never handle one row, so an event is recorded once however many run.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Protocol

from dishka import AsyncContainer

from referrals.application.idempotency import PurgeIdempotencyKeys
from referrals.application.ports.common import Clock
from referrals.application.use_cases.expire_codes import ExpireCodes
from referrals.application.use_cases.mature_rewards import MatureRewards
from referrals.application.use_cases.purge_client_sightings import PurgeClientSightings
from referrals.application.use_cases.purge_events import PurgeEvents
from referrals.application.use_cases.purge_refresh_tokens import PurgeRefreshTokens
from referrals.application.use_cases.purge_webhook_deliveries import PurgeWebhookDeliveries
from referrals.bootstrap.config import BackgroundSettings

logger = logging.getLogger(__name__)


class BackgroundJob(Protocol):
    """A use case the scheduler runs: one bounded batch at ``now``, returning how many rows it handled."""

    async def __call__(self, now: datetime, limit: int = ...) -> int: ...


# Housekeeping no answer depends on runs seldom: each run reads its table for rows past a date.
HOUSEKEEPING_PERIOD: Final = 300.0


@dataclass(frozen=True, slots=True)
class Job:
    use_case: type[BackgroundJob]
    # Seconds between runs; None runs it on every tick, as time-driven events need (recorded within 60 s).
    every: float | None = None

    @property
    def name(self) -> str:
        return self.use_case.__name__


# What every scheduler runs, in this order, each a use case the container provides at REQUEST scope.
# A new time-driven job is one line here (and its use case in its area's provider).
JOBS: Final[tuple[Job, ...]] = (
    Job(ExpireCodes),
    Job(MatureRewards),
    Job(PurgeRefreshTokens, every=HOUSEKEEPING_PERIOD),
    Job(PurgeEvents, every=HOUSEKEEPING_PERIOD),
    Job(PurgeWebhookDeliveries, every=HOUSEKEEPING_PERIOD),
    Job(PurgeIdempotencyKeys, every=HOUSEKEEPING_PERIOD),
    Job(PurgeClientSightings, every=HOUSEKEEPING_PERIOD),
)

# Batches one job may take in one tick before the next job gets its turn; what is left waits a tick.
MAX_BATCHES_PER_TICK: Final = 20
# How long a stop waits for the batch in flight (bounded by the statement timeout) before cancelling it;
# a cancelled batch rolls back whole, so nothing is half done.
STOP_GRACE_SECONDS: Final = 5.0


class Scheduler:
    """Runs the jobs on a tick until told to stop. One per process; ``run`` or ``start``/``stop``."""

    def __init__(self, container: AsyncContainer, settings: BackgroundSettings, jobs: Sequence[Job] = JOBS) -> None:
        self._container = container
        self._settings = settings
        self._jobs = tuple(jobs)
        self._stopping = asyncio.Event()
        self._next_run: dict[Job, float] = {}
        self._task: asyncio.Task[None] | None = None

    async def run(self) -> None:
        """Tick until ``request_stop``; the first tick is at once."""
        while not self._stopping.is_set():
            await self.tick()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._settings.interval)

    def request_stop(self) -> None:
        """Ask ``run`` to return: at once if it is waiting, after the batch in flight if it is working."""
        self._stopping.set()

    def start(self) -> None:
        """Run in the background of the running event loop (the server's startup hook)."""
        self._task = asyncio.get_running_loop().create_task(self.run(), name="background-work")

    async def stop(self) -> None:
        """Stop what ``start`` began, waiting a few seconds at most (the server's shutdown hook)."""
        self.request_stop()
        task, self._task = self._task, None
        if task is None:
            return
        try:
            await asyncio.wait_for(task, STOP_GRACE_SECONDS)
        except TimeoutError:
            logger.warning("Background work did not stop within %g s; its batch was cancelled", STOP_GRACE_SECONDS)

    async def tick(self) -> dict[str, int]:
        """Run every job that is due; how many rows each handled. A job that fails is logged and skipped."""
        clock = await self._container.get(Clock)
        handled: dict[str, int] = {}
        for job in self._jobs:
            if self._stopping.is_set():
                break
            if time.monotonic() < self._next_run.get(job, 0.0):
                continue
            try:
                count, finished = await self._run(job, clock)
            except Exception as error:  # noqa: BLE001 - one job's failure must not stop the others or the loop
                # The type only: a driver's message can quote the row it failed on, emails and codes included.
                logger.error("Background job %s failed (%s); it runs again next tick", job.name, _kind(error))  # noqa: TRY400
                continue
            handled[job.name] = count
            if count:
                logger.info("Background job %s handled %d rows", job.name, count)
            # A job that left work behind runs again next tick, whatever its period.
            if finished and job.every is not None:
                self._next_run[job] = time.monotonic() + job.every
        return handled

    async def _run(self, job: Job, clock: Clock) -> tuple[int, bool]:
        """Batches until one comes back short (finished) or the tick's share is spent (not finished)."""
        limit = self._settings.batch_size
        total = 0
        async with self._container() as request:
            use_case = await request.get(job.use_case)
            for _ in range(MAX_BATCHES_PER_TICK):
                count = await use_case(clock.now(), limit)
                total += count
                if count < limit:
                    return total, True
                if self._stopping.is_set():
                    break
        return total, False


def _kind(error: BaseException) -> str:
    """The error's type, and its driver's beneath it when SQLAlchemy wrapped one."""
    kind = type(error).__name__
    cause = getattr(error, "orig", None) or error.__cause__
    return kind if cause is None else f"{kind} from {type(cause).__name__}"
