"""Webhook delivery: fan events out into deliveries, claim what is due, send each, record how it went.

Runs beside the scheduler in every process that does background work. A delivery is claimed for longer than an
attempt may take and released when its outcome is recorded; a process killed in between leaves the claim to
lapse, and whichever process claims it next sends it again (at least once: receivers deduplicate by
``webhook-id``). Slots bound the attempts in flight, in all and per endpoint, so a slow endpoint holds only its
own share.
"""

import asyncio
import contextlib
import logging
import time
from collections import Counter
from typing import TYPE_CHECKING, Final

from dishka import AsyncContainer

from referrals.adapters.persistence.commit_signal import CommitSignal
from referrals.application.ports.common import Clock
from referrals.application.ports.webhooks import ClaimedDelivery, WebhookDeliveryQueries
from referrals.application.use_cases.deliver_webhooks import AttemptDelivery, ClaimDueDeliveries, RecordDeliveryAttempts
from referrals.application.use_cases.fan_out_events import FanOutEvents
from referrals.bootstrap.config import WebhookSettings
from referrals.bootstrap.webhook_metrics import observe_attempt, oldest_pending_age
from referrals.domain.webhook_deliveries import DeliveryAttempt, WebhookDelivery

if TYPE_CHECKING:
    from uuid import UUID

logger = logging.getLogger(__name__)

# Events turned into deliveries in one short transaction; a round takes batches until one comes back short.
FAN_OUT_BATCH: Final = 500
# Seconds between readings of the oldest pending delivery's age (a query, so not every round).
LAG_READING_PERIOD: Final = 5.0
# How long a stop waits for the attempts in flight; one cut short is sent again once its claim lapses.
STOP_GRACE_SECONDS: Final = 5.0


_Unrecorded = tuple[ClaimedDelivery, DeliveryAttempt, "asyncio.Future[WebhookDelivery | None]"]


class WebhookDispatcher:
    def __init__(self, container: AsyncContainer, settings: WebhookSettings) -> None:
        self._container = container
        self._settings = settings
        self._stopping = asyncio.Event()
        self._slot_freed = asyncio.Event()
        self._in_flight: set[asyncio.Task[None]] = set()
        self._per_endpoint: Counter[UUID] = Counter()
        self._task: asyncio.Task[None] | None = None
        self._next_lag_reading = 0.0
        self._unrecorded: list[_Unrecorded] = []
        self._recording = False

    async def run(self) -> None:
        """Poll until ``request_stop``: each round fans out, then fills the free slots with due deliveries."""
        while not self._stopping.is_set():
            # Cleared before the round, not after: a delivery that finishes during the round wakes the next one.
            self._slot_freed.clear()
            (await self._container.get(CommitSignal)).clear()
            try:
                await self.poll()
            except Exception as error:  # noqa: BLE001 - the loop outlives a failing database; it retries next round
                logger.error("Webhook delivery round failed (%s); it runs again", type(error).__name__)  # noqa: TRY400
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake_up(), self._settings.poll_interval)

    async def _wake_up(self) -> None:
        """Until a stop, a free slot, or an event committed by this process, whichever comes first."""
        committed = await self._container.get(CommitSignal)
        waits = {
            asyncio.ensure_future(self._stopping.wait()),
            asyncio.ensure_future(self._slot_freed.wait()),
            asyncio.ensure_future(committed.wait()),
        }
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()

    async def poll(self) -> int:
        """One round: fan out, claim as many due deliveries as there are free slots, start them; how many."""
        clock = await self._container.get(Clock)
        async with self._container() as request:
            fan_out = await request.get(FanOutEvents)
            while await fan_out(clock.now(), FAN_OUT_BATCH) >= FAN_OUT_BATCH:
                if self._stopping.is_set():
                    return 0
        if time.monotonic() >= self._next_lag_reading:
            self._next_lag_reading = time.monotonic() + LAG_READING_PERIOD
            await self._read_lag(clock)
        free = self._settings.concurrency - len(self._in_flight)
        if free <= 0:
            return 0
        async with self._container() as request:
            claim = await request.get(ClaimDueDeliveries)
            claimed = await claim(free, self._per_endpoint)
        for delivery in claimed:
            self._start(delivery)
        return len(claimed)

    async def _read_lag(self, clock: Clock) -> None:
        async with self._container() as request:
            oldest = await (await request.get(WebhookDeliveryQueries)).oldest_pending_since()
        oldest_pending_age.set(0 if oldest is None else max(0.0, (clock.now() - oldest).total_seconds()))

    def _start(self, claimed: ClaimedDelivery) -> None:
        endpoint = claimed.delivery.endpoint_id
        self._per_endpoint[endpoint] += 1
        task = asyncio.get_running_loop().create_task(self._deliver(claimed), name="webhook-delivery")
        self._in_flight.add(task)

        def done(finished: asyncio.Task[None]) -> None:
            self._in_flight.discard(finished)
            self._per_endpoint[endpoint] -= 1
            if self._per_endpoint[endpoint] <= 0:
                del self._per_endpoint[endpoint]
            # Once half the slots are free, not at each one: a claim is a write transaction, worth a batch.
            if len(self._in_flight) <= self._settings.concurrency // 2:
                self._slot_freed.set()

        task.add_done_callback(done)

    async def _deliver(self, claimed: ClaimedDelivery) -> None:
        try:
            attempt = await (await self._container.get(AttemptDelivery))(claimed)
            after = await self._record(claimed, attempt)
            if after is None:
                logger.warning(
                    "Webhook delivery %s: its claim lapsed before its outcome was recorded; it is sent again",
                    claimed.delivery.id,
                )
            else:
                observe_attempt(attempt, after.state)
        except Exception as error:  # noqa: BLE001 - one delivery's failure is retried once its claim lapses
            logger.error(  # noqa: TRY400 - the type only: a driver's message can quote the row
                "Webhook delivery %s could not be recorded (%s); it is sent again once its claim lapses",
                claimed.delivery.id,
                type(error).__name__,
            )

    async def _record(self, claimed: ClaimedDelivery, attempt: DeliveryAttempt) -> WebhookDelivery | None:
        """Record the attempt with the others that finished meanwhile: one transaction for all of them. The
        first to arrive records, and goes on recording whatever arrived while it did, until none is left."""
        recorded: asyncio.Future[WebhookDelivery | None] = asyncio.get_running_loop().create_future()
        self._unrecorded.append((claimed, attempt, recorded))
        if not self._recording:
            self._recording = True
            try:
                while self._unrecorded:
                    batch, self._unrecorded = self._unrecorded, []
                    await self._record_batch(batch)
            finally:
                self._recording = False
        return await recorded

    async def _record_batch(self, batch: list[_Unrecorded]) -> None:
        try:
            async with self._container() as request:
                record = await request.get(RecordDeliveryAttempts)
                results = await record([(claimed, attempt) for claimed, attempt, _ in batch])
        except BaseException as error:
            # Each delivery waiting on this batch hears of it (and is sent again once its claim lapses).
            for _, _, recorded in batch:
                if not recorded.done():
                    recorded.set_exception(error if isinstance(error, Exception) else RuntimeError("cut short"))
            if not isinstance(error, Exception):
                raise
            return
        for (_, _, recorded), after in zip(batch, results, strict=True):
            recorded.set_result(after)

    async def drain(self) -> None:
        """Wait for every attempt in flight (tests, and a stop)."""
        while self._in_flight:
            await asyncio.wait(set(self._in_flight))

    def request_stop(self) -> None:
        self._stopping.set()

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self.run(), name="webhook-dispatch")

    async def stop(self) -> None:
        self.request_stop()
        task, self._task = self._task, None
        if task is not None:
            await task
        try:
            await asyncio.wait_for(self.drain(), STOP_GRACE_SECONDS)
        except TimeoutError:
            logger.warning("Webhook attempts still in flight after %g s were cut short", STOP_GRACE_SECONDS)
            for attempt in list(self._in_flight):
                attempt.cancel()
            await asyncio.gather(*self._in_flight, return_exceptions=True)
