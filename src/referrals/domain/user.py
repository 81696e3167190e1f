from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True, slots=True)
class User:
    """A registered person; every user can be a referrer, and ``referrer_id`` names whoever referred them."""

    id: UUID
    email: str
    password_hash: str
    created_at: datetime
    referrer_id: UUID | None = None
    referred_with_code_id: UUID | None = None
