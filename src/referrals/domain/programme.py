"""The programme's terms: what qualifies a referral, and what each side earns when it does.

Every change of terms is a new version; a reward keeps the version it was computed under.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from referrals.domain.conversion import check_event_type
from referrals.domain.money import MAX_AMOUNT, Money, check_currency
from referrals.domain.programme_errors import InvalidRewardRule

BASIS_POINTS_IN_WHOLE = 10_000
MAX_BASIS_POINTS = BASIS_POINTS_IN_WHOLE
DEFAULT_QUALIFYING_EVENT = "purchase"
DEFAULT_ATTRIBUTION_WINDOW = timedelta(days=90)
DEFAULT_HOLD = timedelta(days=14)


@dataclass(frozen=True, slots=True)
class FlatReward:
    amount: int
    currency: str

    def __post_init__(self) -> None:
        check_currency(self.currency)
        if not 0 < self.amount <= MAX_AMOUNT:
            msg = "A flat reward's amount must be a positive number of minor units."
            raise InvalidRewardRule(msg)

    def earned_on(self, _converted: Money | None) -> Money:
        return Money(self.amount, self.currency)


@dataclass(frozen=True, slots=True)
class ShareReward:
    """``basis_points`` of the conversion's amount in ``currency`` (rounded down), at most ``max_amount``."""

    basis_points: int
    currency: str
    max_amount: int | None = None

    def __post_init__(self) -> None:
        check_currency(self.currency)
        if not 0 < self.basis_points <= MAX_BASIS_POINTS:
            msg = f"basis_points must lie between 1 and {MAX_BASIS_POINTS}."
            raise InvalidRewardRule(msg)
        if self.max_amount is not None and not 0 < self.max_amount <= MAX_AMOUNT:
            msg = "max_amount must be a positive number of minor units."
            raise InvalidRewardRule(msg)

    def earned_on(self, converted: Money | None) -> Money | None:
        if converted is None or converted.currency != self.currency:
            return None
        amount = converted.amount * self.basis_points // BASIS_POINTS_IN_WHOLE
        if self.max_amount is not None:
            amount = min(amount, self.max_amount)
        # A share that rounds down to nothing is no reward at all.
        return Money(amount, self.currency) if amount > 0 else None


RewardRule = FlatReward | ShareReward


@dataclass(frozen=True, slots=True)
class ProgrammeTerms:
    qualifying_event: str = DEFAULT_QUALIFYING_EVENT
    attribution_window: timedelta = DEFAULT_ATTRIBUTION_WINDOW
    hold: timedelta = DEFAULT_HOLD
    min_amount: Money | None = None
    referrer_reward: RewardRule | None = None
    referee_reward: RewardRule | None = None
    max_rewarded_referrals_per_referrer: int | None = None

    def __post_init__(self) -> None:
        check_event_type(self.qualifying_event)
        if self.min_amount is not None:
            check_currency(self.min_amount.currency)

    def qualifies(self, referred_at: datetime, event_type: str, occurred_at: datetime, converted: Money | None) -> bool:
        """Whether a conversion qualifies a referral made at ``referred_at``: the qualifying event, within the
        attribution window after the registration, and at least ``min_amount`` in its currency."""
        if event_type != self.qualifying_event:
            return False
        if not referred_at <= occurred_at <= referred_at + self.attribution_window:
            return False
        if self.min_amount is None:
            return True
        return (
            converted is not None
            and converted.currency == self.min_amount.currency
            and converted.amount >= self.min_amount.amount
        )


@dataclass(frozen=True, slots=True)
class Programme:
    """A version of the terms. Version 0 is the programme before anyone set one: it grants nothing."""

    version: int
    terms: ProgrammeTerms
    updated_at: datetime | None


UNSET_PROGRAMME = Programme(version=0, terms=ProgrammeTerms(), updated_at=None)
