"""Delivering what is owed: claim due deliveries, attempt each one, record how it went.

The three are apart so that nothing is held open while an endpoint is waited on: a claim and a record are each
one short write transaction, and the attempt between them touches no database at all.
"""

import logging
import random
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from referrals.application.ports.common import Clock, TransactionManager
from referrals.application.ports.webhooks import (
    ClaimedDelivery,
    WebhookDeliveryRepository,
    WebhookEndpointRepository,
    WebhookSigner,
    WebhookTransport,
    WebhookUnreachable,
)
from referrals.domain.webhook_deliveries import DISABLE_AFTER_FAILING_FOR, GONE, DeliveryAttempt, WebhookDelivery
from referrals.domain.webhook_errors import InvalidWebhookUrl, WebhookAddressRefused
from referrals.domain.webhooks import checked_webhook_url

logger = logging.getLogger(__name__)


# An endpoint's deliveries are claimed this many per slot: when a slot frees, the next delivery is at hand, and
# a claim (a write transaction) serves a wave of attempts, not one.
CLAIMED_PER_SLOT = 4


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    retry_delays: tuple[float, ...]
    # Attempts in flight to one endpoint at once, in one process.
    per_endpoint: int
    # How long a claim holds a delivery: long enough to wait for a slot, then attempt and record it.
    claim_for: timedelta
    # What an attempt and its record may take: one is started only while its claim has that much left, so it
    # never lapses mid-attempt and no delivery is ever attempted twice at once.
    attempt_takes: timedelta

    @property
    def claimed_per_endpoint(self) -> int:
        """Deliveries to one endpoint a process holds at once: in flight, and waiting for a slot."""
        return self.per_endpoint * CLAIMED_PER_SLOT

    def leaves_time_to_attempt(self, claimed: ClaimedDelivery, now: datetime) -> bool:
        return now + self.attempt_takes < claimed.claimed_until


@dataclass(frozen=True, slots=True)
class ClaimDueDeliveries:
    deliveries: WebhookDeliveryRepository
    transaction: TransactionManager
    clock: Clock
    policy: DeliveryPolicy

    async def __call__(self, limit: int, held: Mapping[UUID, int]) -> Sequence[ClaimedDelivery]:
        """Up to ``limit`` due deliveries, to each endpoint no more than ``held`` leaves of its share."""
        now = self.clock.now()
        # A look first, without the write lock: most rounds find nothing due, and SQLite has one writer.
        if not await self.deliveries.any_due(now):
            return []
        async with self.transaction.write():
            return await self.deliveries.claim_due(
                now, now + self.policy.claim_for, limit, self.policy.claimed_per_endpoint, held
            )


@dataclass(frozen=True, slots=True)
class AttemptDelivery:
    """One POST of a claimed delivery, to an address checked just now, signed with every secret in force."""

    transport: WebhookTransport
    signer: WebhookSigner
    clock: Clock
    allow_plain_http: bool

    async def __call__(self, claimed: ClaimedDelivery) -> DeliveryAttempt:
        at = self.clock.now()
        started = time.perf_counter()
        status_code: int | None = None
        error: str | None = None
        try:
            # The transport checks the host's addresses again as it connects: a name that resolved to a public
            # address at creation may resolve to a private one now.
            target = checked_webhook_url(claimed.url, allow_plain_http=self.allow_plain_http)
            message_id = str(claimed.delivery.id)
            headers = {
                "webhook-id": message_id,
                "webhook-timestamp": str(int(at.timestamp())),
                "webhook-signature": self.signer.signature(message_id, at, claimed.body, claimed.secrets),
            }
            status_code = await self.transport.post(target, headers, claimed.body)
        except (InvalidWebhookUrl, WebhookAddressRefused) as refused:
            error = refused.message
        except WebhookUnreachable as unreachable:
            error = str(unreachable) or "no answer"
        except Exception as unexpected:  # noqa: BLE001 - recorded as a failed attempt, so no delivery is wedged
            error = f"unexpected {type(unexpected).__name__}"
        duration_ms = round((time.perf_counter() - started) * 1000)
        attempt = DeliveryAttempt(at=at, status_code=status_code, duration_ms=duration_ms, error=error)
        if not attempt.succeeded:
            # Ids and the outcome only: neither the body nor the URL (whose query may carry a token) is logged.
            logger.warning(
                "Webhook delivery %s to endpoint %s failed on attempt %d: %s",
                claimed.delivery.id,
                claimed.delivery.endpoint_id,
                claimed.delivery.attempts_made + 1,
                error or f"answered {status_code}",
            )
        return attempt


Outcome = tuple[ClaimedDelivery, DeliveryAttempt]


@dataclass(frozen=True, slots=True)
class RecordDeliveryAttempts:
    """The outcomes of attempts that finished together, in one transaction: with one writer at a time (SQLite),
    a transaction per attempt would bound deliveries by commits, not by the endpoints."""

    deliveries: WebhookDeliveryRepository
    endpoints: WebhookEndpointRepository
    transaction: TransactionManager
    policy: DeliveryPolicy

    async def __call__(self, outcomes: Sequence[Outcome]) -> list[WebhookDelivery | None]:
        """Each delivery as its attempt left it; None where its claim had lapsed and nothing was recorded."""
        afters = [
            # The jitter spreads retries out and guards nothing.
            claimed.delivery.after(attempt, self.policy.retry_delays, random.uniform(-1, 1))  # noqa: S311
            for claimed, attempt in outcomes
        ]
        async with self.transaction.write():
            stored = await self.deliveries.record_attempts(
                [(claimed, after, attempt) for (claimed, attempt), after in zip(outcomes, afters, strict=True)]
            )
            recorded = [after if kept else None for after, kept in zip(afters, stored, strict=True)]
            for endpoint_id, attempts in _by_endpoint(outcomes, recorded).items():
                await self._note(endpoint_id, attempts)
        return recorded

    async def _note(self, endpoint_id: UUID, attempts: Sequence[DeliveryAttempt]) -> None:
        if any(attempt.succeeded for attempt in attempts):
            await self.endpoints.note_success(endpoint_id)
        failures = [attempt for attempt in attempts if not attempt.succeeded]
        if failures:
            at = min(attempt.at for attempt in failures)
            await self.endpoints.note_failure(
                endpoint_id,
                at,
                gone=any(attempt.status_code == GONE for attempt in failures),
                failing_since_cutoff=at - DISABLE_AFTER_FAILING_FOR,
            )


def _by_endpoint(
    outcomes: Sequence[Outcome], recorded: Sequence[WebhookDelivery | None]
) -> dict[UUID, list[DeliveryAttempt]]:
    by_endpoint: dict[UUID, list[DeliveryAttempt]] = {}
    for (claimed, attempt), after in zip(outcomes, recorded, strict=True):
        if after is not None:
            by_endpoint.setdefault(claimed.delivery.endpoint_id, []).append(attempt)
    return by_endpoint
