"""Where users were recently seen from, for the same-client fraud signal: keyed hashes only, kept briefly."""

from sqlalchemy import Column, ForeignKey, Index, PrimaryKeyConstraint, String, Table, Uuid

from referrals.adapters.persistence.tables import UtcDateTime, metadata

# One row per user and client, its last registration or login from there. Rows older than the signal's window
# are purged: nothing here outlives the one question it answers.
client_sightings = Table(
    "client_sightings",
    metadata,
    Column("user_id", Uuid, ForeignKey("users.id"), nullable=False),
    # HMAC-SHA256 of the address (an IPv6 client's /64), hex: the address itself is never stored.
    Column("fingerprint", String(64), nullable=False),
    Column("seen_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("user_id", "fingerprint"),
    Index(None, "seen_at"),
)
