"""Idempotency keys and the answers stored under them."""

from sqlalchemy import Column, Index, Integer, LargeBinary, PrimaryKeyConstraint, String, Table, Text

from referrals.adapters.persistence.tables import UtcDateTime, metadata

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    # Whose key it is: a user, an API key, or an anonymous client together with its request's fingerprint.
    Column("owner", String(128), nullable=False),
    Column("key", String(255), nullable=False),
    # The method, path and body the key was first used for, hashed.
    Column("fingerprint", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    # Held by a request running until then; NULL once its answer is stored.
    Column("claimed_until", UtcDateTime, nullable=True),
    Column("status", Integer, nullable=True),
    Column("media_type", String(64), nullable=True),
    # The answer's own headers worth replaying (Location, Retry-After …), as a JSON object.
    Column("headers", Text, nullable=True),
    Column("body", LargeBinary, nullable=True),
    PrimaryKeyConstraint("owner", "key"),
    Index(None, "created_at"),
)
