"""Webhook delivery: fan events out into deliveries, claim what is due, send each, record how it went.

Runs beside the scheduler in every process that does background work. A delivery is claimed for longer than an
attempt may take and released when its outcome is recorded; a process killed in between leaves the claim to
lapse, and whichever process claims it next sends it again (at least once: receivers deduplicate by
``webhook-id``). Slots bound the attempts in flight, in all and per endpoint, so a slow endpoint holds only its
own share; a process claims a little ahead of its slots, so the next delivery to an endpoint is at hand when one
of its attempts ends.
"""

import asyncio
import contextlib
import logging
import time
from typing import Final

from dishka import AsyncContainer

from referrals.adapters.persistence.commit_signal import CommitSignal
from referrals.application.ports.common import Clock
from referrals.application.ports.webhooks import ClaimedDelivery, WebhookDeliveryQueries
from referrals.application.use_cases.deliver_webhooks import (
    AttemptDelivery,
    ClaimDueDeliveries,
    DeliveryPolicy,
    RecordDeliveryAttempts,
)
from referrals.application.use_cases.fan_out_events import FanOutEvents
from referrals.bootstrap.attempt_slots import AttemptSlots
from referrals.bootstrap.config import WebhookSettings
from referrals.bootstrap.webhook_metrics import observe_attempt, oldest_pending_age
from referrals.domain.webhook_deliveries import DeliveryAttempt, WebhookDelivery

logger = logging.getLogger(__name__)

# Events turned into deliveries in one short transaction; a round takes batches until one comes back short.
FAN_OUT_BATCH: Final = 500
# Seconds at least between the starts of rounds that this process's own commits wake: under a stream of
# commits, one round fans out the events of many transactions instead of costing two transactions per commit.
FAN_OUT_SPACING: Final = 0.05
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
        self._slots = AttemptSlots(settings.concurrency_per_endpoint, settings.concurrency, self._slot_freed.set)
        self._task: asyncio.Task[None] | None = None
        self._next_lag_reading = 0.0
        self._next_look = 0.0
        self._spacing_ends = 0.0
        self._unrecorded: list[_Unrecorded] = []
        self._recording = False

    async def run(self) -> None:
        """Poll until ``request_stop``: each round fans out (a backlog a batch at a time) and fills the free slots
        with due deliveries."""
        while not self._stopping.is_set():
            # Cleared before the round, not after: a delivery that finishes during the round wakes the next one.
            self._slot_freed.clear()
            committed = await self._container.get(CommitSignal)
            # New events are looked for after this process committed some, and once a poll interval otherwise
            # (other processes' commits): not in each round that only a finished wave of attempts started, nor
            # sooner than the spacing after the last look.
            now = time.monotonic()
            look = (committed.is_set() and now >= self._spacing_ends) or now >= self._next_look
            if look:
                committed.clear()
            try:
                await self.poll(fan_out=look)
            except Exception as error:  # noqa: BLE001 - the loop outlives a failing database; it retries next round
                logger.error("Webhook delivery round failed (%s); it runs again", type(error).__name__)  # noqa: TRY400
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake_up(), self._settings.poll_interval)

    async def _wake_up(self) -> None:
        """Until a stop, a free slot, or an event committed by this process (once the spacing is over),
        whichever comes first."""
        waits = {
            asyncio.ensure_future(self._stopping.wait()),
            asyncio.ensure_future(self._slot_freed.wait()),
            asyncio.ensure_future(self._own_commit_past_spacing()),
        }
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()

    async def _own_commit_past_spacing(self) -> None:
        """Until this process commits an event, and the spacing since the last look is over."""
        committed = await self._container.get(CommitSignal)
        await committed.wait()
        await asyncio.sleep(max(0.0, self._spacing_ends - time.monotonic()))

    async def poll(self, *, fan_out: bool = True) -> int:
        """One round: fan out, claim as many due deliveries as there are free slots, start them; how many.

        A backlog is fanned out a batch at a time with a claim after each, so its first deliveries are on their
        way while the rest is still being turned into deliveries."""
        clock = await self._container.get(Clock)
        if fan_out:
            started = time.monotonic()
            self._next_look = started + self._settings.poll_interval
            self._spacing_ends = started + FAN_OUT_SPACING
        backlog_left = fan_out
        claimed = 0
        while True:
            if backlog_left:
                async with self._container() as request:
                    fan_out_events = await request.get(FanOutEvents)
                    backlog_left = await fan_out_events(clock.now(), FAN_OUT_BATCH) >= FAN_OUT_BATCH
            if self._stopping.is_set():
                return claimed
            claimed += await self._claim_and_start()
            if time.monotonic() >= self._next_lag_reading:
                self._next_lag_reading = time.monotonic() + LAG_READING_PERIOD
                await self._read_lag(clock)
            if not backlog_left:
                return claimed

    async def _claim_and_start(self) -> int:
        free = self._slots.room()
        if free <= 0:
            return 0
        async with self._container() as request:
            claim = await request.get(ClaimDueDeliveries)
            claimed = await claim(free, self._slots.held)
        for delivery in claimed:
            self._start(delivery)
        return len(claimed)

    async def _read_lag(self, clock: Clock) -> None:
        async with self._container() as request:
            oldest = await (await request.get(WebhookDeliveryQueries)).oldest_pending_since()
        oldest_pending_age.set(0 if oldest is None else max(0.0, (clock.now() - oldest).total_seconds()))

    def _start(self, claimed: ClaimedDelivery) -> None:
        self._slots.hold(claimed.delivery.endpoint_id)
        task = asyncio.get_running_loop().create_task(self._deliver(claimed), name="webhook-delivery")
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)

    async def _deliver(self, claimed: ClaimedDelivery) -> None:
        try:
            async with self._slots.attempt(claimed.delivery.endpoint_id):
                attempt = await self._attempt(claimed)
            if attempt is None:
                return
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

    async def _attempt(self, claimed: ClaimedDelivery) -> DeliveryAttempt | None:
        """The attempt, unless the claim has too little time left for one: it lapses, and is sent again."""
        clock, policy = await self._container.get(Clock), await self._container.get(DeliveryPolicy)
        if not policy.leaves_time_to_attempt(claimed, clock.now()):
            logger.warning(
                "Webhook delivery %s waited past its claim's time for an attempt; it is sent once the claim lapses",
                claimed.delivery.id,
            )
            return None
        return await (await self._container.get(AttemptDelivery))(claimed)

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
