"""The whole schema's metadata: every module that defines tables on it, imported, so none is left out."""

from referrals.adapters.persistence import idempotency_tables, webhook_tables
from referrals.adapters.persistence.tables import metadata

__all__ = ["idempotency_tables", "metadata", "webhook_tables"]
