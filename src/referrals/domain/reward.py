"""Rewards: granted when a referral qualifies, held, then paid out or voided.

A pending reward is available from ``available_at`` on, whatever background step records it later: the
stored state lags, the state a reader is shown does not.
"""

import enum
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from referrals.domain.events import DomainEvent, EventType
from referrals.domain.programme_errors import RewardNotAvailable, RewardNotVoidable


class RewardState(enum.StrEnum):
    PENDING = "pending"
    AVAILABLE = "available"
    REDEEMED = "redeemed"
    VOIDED = "voided"


class RewardRole(enum.StrEnum):
    REFERRER = "referrer"
    REFEREE = "referee"


@dataclass(frozen=True, slots=True)
class Reward:
    id: UUID
    referral_id: UUID
    user_id: UUID
    role: RewardRole
    amount: int
    currency: str
    state: RewardState
    created_at: datetime
    available_at: datetime
    program_version: int
    conversion_id: str
    redeemed_at: datetime | None = None
    voided_at: datetime | None = None

    def as_of(self, now: datetime) -> "Reward":
        """The reward as it stands at ``now``: a pending one past its hold is available."""
        if self.state is RewardState.PENDING and now >= self.available_at:
            return replace(self, state=RewardState.AVAILABLE)
        return self

    def redeemed(self, at: datetime) -> "Reward":
        if self.as_of(at).state is not RewardState.AVAILABLE:
            raise RewardNotAvailable
        return replace(self, state=RewardState.REDEEMED, redeemed_at=at)

    def voided(self, at: datetime) -> "Reward":
        if self.state not in {RewardState.PENDING, RewardState.AVAILABLE}:
            raise RewardNotVoidable
        return replace(self, state=RewardState.VOIDED, voided_at=at)


_EVENTS = {
    RewardState.PENDING: EventType.REWARD_CREATED,
    RewardState.AVAILABLE: EventType.REWARD_AVAILABLE,
    RewardState.REDEEMED: EventType.REWARD_REDEEMED,
    RewardState.VOIDED: EventType.REWARD_VOIDED,
}


def reward_data(reward: Reward) -> dict[str, object]:
    """The reward as the API shows it."""
    return {
        "id": reward.id,
        "referral_id": reward.referral_id,
        "user_id": reward.user_id,
        "role": reward.role.value,
        "amount": reward.amount,
        "currency": reward.currency,
        "state": reward.state.value,
        "created_at": reward.created_at,
        "available_at": reward.available_at,
        "redeemed_at": reward.redeemed_at,
        "voided_at": reward.voided_at,
        "program_version": reward.program_version,
    }


def reward_event(reward: Reward, at: datetime, *, created: bool = False) -> DomainEvent:
    """``reward.created`` when ``created``, else the event of the state the reward entered at ``at``."""
    event_type = EventType.REWARD_CREATED if created else _EVENTS[reward.state]
    return DomainEvent(type=event_type, occurred_at=at, subject_id=reward.id, data=reward_data(reward))
