from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True, slots=True)
class Profile:
    """What an enrichment provider knows about a person; every part may be missing."""

    full_name: str | None = None
    company: str | None = None
    title: str | None = None
    location: str | None = None
    avatar_url: str | None = None


@dataclass(frozen=True, slots=True)
class EnrichedProfile:
    profile: Profile
    enriched_at: datetime
    source: str


@dataclass(frozen=True, slots=True)
class User:
    """A registered person; every user can be a referrer, and ``referrer_id`` names whoever referred them."""

    id: UUID
    email: str
    password_hash: str
    created_at: datetime
    referrer_id: UUID | None = None
    referred_with_code_id: UUID | None = None
    profile: EnrichedProfile | None = None
