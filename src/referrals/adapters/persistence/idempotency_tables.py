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
    # The answer, stored in the transaction of the request's effect.
    Column("status", Integer, nullable=False),
    Column("media_type", String(64), nullable=False),
    # The answer's own headers worth replaying (Location, Retry-After …), as a JSON object.
    Column("headers", Text, nullable=False),
    Column("body", LargeBinary, nullable=False),
    PrimaryKeyConstraint("owner", "key"),
    Index(None, "created_at"),
)
