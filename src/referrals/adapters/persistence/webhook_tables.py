"""The webhook tables: endpoints, the deliveries owed to them with their attempts, and the fan-out's cursor."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    Uuid,
)

from referrals.adapters.persistence.tables import UtcDateTime, metadata
from referrals.domain.webhook_deliveries import DeliveryState

DELIVERY_STATES = tuple(state.value for state in DeliveryState)

webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("url", Text, nullable=False),
    # Space-separated event types; NULL for every type, those added later included.
    Column("event_types", Text, nullable=True),
    Column("description", Text, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    # Kept as they are: an HMAC needs the secret itself, not a digest of it.
    Column("secret", String(128), nullable=False),
    Column("previous_secret", String(128), nullable=True),
    Column("previous_secret_until", UtcDateTime, nullable=True),
    # The newest event id when it was registered: it is owed the events after that one.
    Column("events_after", BigInteger().with_variant(Integer, "sqlite"), nullable=False),
    # Since when every attempt to this endpoint has failed; NULL once one succeeds.
    Column("failing_since", UtcDateTime, nullable=True),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("endpoint_id", Uuid, ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), nullable=False),
    # The event's id in the feed; no foreign key, since the feed is purged and the delivery keeps its own body.
    Column("event_id", BigInteger().with_variant(Integer, "sqlite"), nullable=False),
    Column("event_type", String(32), nullable=False),
    # The signed body, built once: every attempt sends the same bytes.
    Column("body", Text, nullable=False),
    Column("state", String(16), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=True),
    # A process delivering it holds it until then; a process killed mid-delivery lets it go by expiring.
    Column("claimed_until", UtcDateTime, nullable=True),
    Column("attempts_made", Integer, nullable=False, server_default="0"),
    Column("schedule_start", Integer, nullable=False, server_default="0"),
    CheckConstraint(f"state IN {DELIVERY_STATES!r}", name="known_state"),
    # One delivery of an event to an endpoint, however many fan-outs race.
    Index("uq_webhook_deliveries_endpoint_id_event_id", "endpoint_id", "event_id", unique=True),
    Index(None, "state", "next_attempt_at"),
    Index(None, "endpoint_id", "created_at", "id"),
    Index(None, "created_at"),
)

webhook_attempts = Table(
    "webhook_attempts",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("delivery_id", Uuid, ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("duration_ms", Integer, nullable=False),
    Column("error", String(200), nullable=True),
    Index(None, "delivery_id", "id"),
)

# One row: the id of the last event turned into deliveries. Locked while a fan-out runs, so two never overlap.
webhook_fan_out = Table(
    "webhook_fan_out",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("last_event_id", BigInteger().with_variant(Integer, "sqlite"), nullable=False),
)
