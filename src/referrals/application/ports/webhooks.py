"""Webhooks: the endpoints operators register, the deliveries owed to them, and the way out to the network."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol
from uuid import UUID

from referrals.application.pages import Page, PageRequest
from referrals.application.ports.events import StoredEvent
from referrals.domain.network_addresses import IPAddress
from referrals.domain.webhook_deliveries import DeliveryAttempt, DeliveryState, WebhookDelivery
from referrals.domain.webhooks import WebhookEndpoint, WebhookTarget


class WebhookEndpointRepository(Protocol):
    """Endpoints, inside the write transaction (``get`` included: a change reads what it changes there)."""

    async def add(self, endpoint: WebhookEndpoint) -> None: ...

    async def get(self, endpoint_id: UUID) -> WebhookEndpoint | None: ...

    async def locked(self, endpoint_id: UUID) -> WebhookEndpoint | None:
        """The endpoint, locked until the transaction ends: a change made from it overwrites no other."""
        ...

    async def save(self, endpoint: WebhookEndpoint) -> None: ...

    async def delete(self, endpoint_id: UUID) -> bool:
        """Remove the endpoint and its deliveries; False when there was none."""
        ...

    async def all(self) -> Sequence[WebhookEndpoint]:
        """Every endpoint, oldest first."""
        ...

    async def any_registered(self) -> bool:
        """Whether some endpoint is registered, enabled or not (a read)."""
        ...

    async def note_success(self, endpoint_id: UUID) -> None:
        """It answered: it is no longer failing."""
        ...

    async def note_failure(
        self, endpoint_id: UUID, at: datetime, *, gone: bool, failing_since_cutoff: datetime
    ) -> None:
        """It failed at ``at``: failing since then unless it already was; disabled when ``gone`` or when it has
        been failing since before ``failing_since_cutoff``."""
        ...


@dataclass(frozen=True, slots=True)
class ClaimedDelivery:
    """A delivery this process holds until ``claimed_until``, with what sending it takes."""

    delivery: WebhookDelivery
    url: str = field(repr=False)
    secrets: tuple[str, ...] = field(repr=False)
    body: bytes = field(repr=False)
    claimed_until: datetime


# A claimed delivery, as the attempt left it, and the attempt.
RecordedAttempt = tuple[ClaimedDelivery, WebhookDelivery, DeliveryAttempt]


class WebhookDeliveryRepository(Protocol):
    async def fan_out_position(self) -> int:
        """The id of the last event turned into deliveries, as committed (nothing locked)."""
        ...

    async def any_due(self, now: datetime) -> bool:
        """Whether some pending delivery is due by ``now`` (a read; ``claim_due`` decides who takes it)."""
        ...

    async def lock_fan_out(self) -> int:
        """The id of the last event turned into deliveries, locked until the transaction ends."""
        ...

    async def add_owed(self, owed: Sequence[tuple[StoredEvent, UUID]], now: datetime) -> None:
        """A pending delivery of each event to its endpoint, due at once; one already there is left as it is."""
        ...

    async def advance_fan_out(self, last_event_id: int) -> None: ...

    async def lock_fan_out_for_registration(self) -> None:
        """Before an endpoint is registered: the fan-out's cursor, locked until the transaction ends, so no
        fan-out runs past the events the new endpoint will be owed (those after the newest one now) before it is
        committed. With no endpoint registered, nobody is owed the events committed so far, and the cursor also
        moves past them all; the lock is taken first, so a registration committed meanwhile is seen."""
        ...

    async def claim_due(
        self, now: datetime, until: datetime, limit: int, share: int, held: Mapping[UUID, int]
    ) -> Sequence[ClaimedDelivery]:
        """Up to ``limit`` pending deliveries due by ``now`` to enabled endpoints, not held by another process,
        held by this one until ``until``; the longest overdue first, and to each endpoint no more than ``share``
        less the ``held`` ones this process holds already."""
        ...

    async def record_attempts(self, attempts: Sequence[RecordedAttempt]) -> list[bool]:
        """Store each attempt and its delivery's state after it, releasing the claim; False (and nothing
        stored) where the claim had lapsed and another process may have taken the delivery over."""
        ...

    async def get(self, endpoint_id: UUID, delivery_id: UUID) -> WebhookDelivery | None: ...

    async def purge_finished_before(self, cutoff: datetime, limit: int) -> int:
        """Delete up to ``limit`` succeeded or failed deliveries created before ``cutoff``, with their
        attempts; how many went. Pending ones stay, however old."""
        ...

    async def reschedule(self, delivery: WebhookDelivery) -> bool:
        """Store a failed delivery's new state, due time and schedule (a manual retry); False if it was not
        failed when this ran."""
        ...


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    delivery: WebhookDelivery
    attempts: Sequence[DeliveryAttempt]


class WebhookDeliveryQueries(Protocol):
    async def page(self, endpoint_id: UUID, state: DeliveryState | None, page: PageRequest) -> Page[DeliveryRecord]:
        """An endpoint's deliveries, newest first, each with its attempts, oldest first."""
        ...

    async def one(self, endpoint_id: UUID, delivery_id: UUID) -> DeliveryRecord | None: ...

    async def oldest_pending_since(self) -> datetime | None:
        """When the oldest delivery still pending was created; None when none is."""
        ...


class HostResolver(Protocol):
    async def addresses_of(self, host: str, port: int) -> Sequence[IPAddress]:
        """Every address ``host`` resolves to (an address given as the host is its own); empty if none."""
        ...


class WebhookUnreachable(Exception):
    """No answer came: the connection was refused or failed, or the answer did not come in time."""


class WebhookTransport(Protocol):
    async def post(self, target: WebhookTarget, headers: Mapping[str, str], body: bytes) -> int:
        """POST ``body`` to ``target``'s URL; the answer's status code. No redirect is followed, and every
        connection goes to an address the ``WebhookAddressPolicy`` passed as the host resolved just then.

        Raises ``WebhookAddressRefused`` when it passes none, ``WebhookUnreachable`` when no answer came in time."""
        ...


class WebhookSigner(Protocol):
    def signature(self, message_id: str, timestamp: datetime, body: bytes, secrets: Sequence[str]) -> str:
        """The ``webhook-signature`` header's value: one signature per secret, space-separated."""
        ...
