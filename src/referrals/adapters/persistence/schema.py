"""The whole schema's metadata: every module that defines tables on it, imported, so none is left out."""

from referrals.adapters.persistence import fraud_tables, idempotency_tables, tally_tables, webhook_tables
from referrals.adapters.persistence.tables import metadata

__all__ = ["fraud_tables", "idempotency_tables", "metadata", "tally_tables", "webhook_tables"]
