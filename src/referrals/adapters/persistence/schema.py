"""The whole schema's metadata: every module that defines tables on it, imported, so none is left out."""

from referrals.adapters.persistence import webhook_tables
from referrals.adapters.persistence.tables import metadata

__all__ = ["metadata", "webhook_tables"]
