"""Domain events: what happened to a resource, recorded in the transaction that made it happen.

``data`` is the resource as the API shows it, at the moment of the event, in plain values (text, numbers,
UUIDs, aware datetimes, None) that any JSON encoder renders the way the API does.
"""

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


class EventType(enum.StrEnum):
    CODE_CREATED = "code.created"
    CODE_DELETED = "code.deleted"
    CODE_EXPIRED = "code.expired"
    CODE_SPENT = "code.spent"
    REFERRAL_CREATED = "referral.created"
    REFERRAL_QUALIFIED = "referral.qualified"
    REFERRAL_VOIDED = "referral.voided"
    REFERRAL_FLAGGED = "referral.flagged"
    REFERRAL_APPROVED = "referral.approved"
    REWARD_CREATED = "reward.created"
    REWARD_AVAILABLE = "reward.available"
    REWARD_REDEEMED = "reward.redeemed"
    REWARD_VOIDED = "reward.voided"
    API_KEY_CREATED = "api_key.created"
    API_KEY_REVOKED = "api_key.revoked"


@dataclass(frozen=True, slots=True)
class DomainEvent:
    type: EventType
    occurred_at: datetime
    subject_id: UUID
    data: Mapping[str, object]
