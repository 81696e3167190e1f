"""Wire formats of the programme: its terms, conversions, referrals and rewards."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from msgspec import Meta

from referrals.api.schemas import Email, openapi_format
from referrals.domain.conversion import EVENT_TYPE_PATTERN, MAX_CONVERSION_ID_LENGTH, MAX_EVENT_TYPE_LENGTH
from referrals.domain.money import CURRENCY_PATTERN, MAX_AMOUNT
from referrals.domain.programme import MAX_BASIS_POINTS
from referrals.domain.referral import MAX_VOID_NOTE_LENGTH, FlagReason, ReferralState, VoidReason
from referrals.domain.reward import RewardRole, RewardState

Currency = Annotated[
    str,
    Meta(
        pattern=CURRENCY_PATTERN,
        description="An ISO 4217 code, or an upper-case unit of the programme's own such as `POINTS`.",
        extra_json_schema={"examples": ["USD"]},
    ),
]
# Litestar leaves a bound of 0 out of the published schema (it tests the bound for truth): state it again.
MINIMUM_ZERO = {"extra": {"minimum": 0}}
Amount = Annotated[
    int,
    Meta(
        ge=0,
        le=MAX_AMOUNT,
        description="In minor units of the currency (cents for USD).",
        extra_json_schema=MINIMUM_ZERO,
    ),
]
PositiveAmount = Annotated[int, Meta(ge=1, le=MAX_AMOUNT, description="In minor units of the currency.")]
Duration = Annotated[
    str,
    Meta(
        max_length=32,
        pattern=r"^P([0-9]+W)?([0-9]+D)?(T([0-9]+H)?([0-9]+M)?([0-9]+S)?)?$",
        description="An ISO 8601 duration in weeks, days, hours, minutes and seconds: `P14D`, `PT3S`, `P1DT12H`.",
        extra_json_schema={"examples": ["P14D"]},
    ),
]
EventName = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=MAX_EVENT_TYPE_LENGTH,
        pattern=EVENT_TYPE_PATTERN,
        description="What the user did, in the operator's own words: `purchase`, `subscription.started`.",
        extra_json_schema={"examples": ["purchase"]},
    ),
]


class MoneyBody(msgspec.Struct, frozen=True):
    amount: Amount
    currency: Currency


class RewardRuleBody(msgspec.Struct, frozen=True, omit_defaults=True):
    """Flat (`amount`) or a share of the qualifying conversion (`basis_points`, optionally capped by
    `max_amount`); give `amount` or `basis_points`, not both."""

    currency: Currency
    amount: PositiveAmount | None = None
    basis_points: Annotated[int, Meta(ge=1, le=MAX_BASIS_POINTS, description="1/100 of a percent.")] | None = None
    max_amount: PositiveAmount | None = None


class ProgrammeRequest(msgspec.Struct, frozen=True):
    qualifying_event: EventName
    attribution_window: Duration
    hold: Duration
    min_amount: MoneyBody | None = None
    referrer_reward: RewardRuleBody | None = None
    referee_reward: RewardRuleBody | None = None
    max_rewarded_referrals_per_referrer: (
        Annotated[int, Meta(ge=0, le=1_000_000, extra_json_schema=MINIMUM_ZERO)] | None
    ) = None


class ProgrammeResponse(msgspec.Struct, frozen=True):
    version: int
    updated_at: datetime | None
    qualifying_event: str
    attribution_window: str
    hold: str
    min_amount: MoneyBody | None
    referrer_reward: RewardRuleBody | None
    referee_reward: RewardRuleBody | None
    max_rewarded_referrals_per_referrer: int | None


ConversionTime = Annotated[
    str,
    Meta(
        max_length=64,
        description="RFC 3339 with `Z` or a numeric offset, not in the future; the moment of the request if left out.",
        extra_json_schema=openapi_format("date-time"),
    ),
]


class ConversionRequest(msgspec.Struct, frozen=True):
    """Exactly one of `user_id` and `email`; `amount` and `currency` together or neither."""

    id: Annotated[
        str,
        Meta(
            min_length=1,
            max_length=MAX_CONVERSION_ID_LENGTH,
            description="The operator's own id of the conversion: reporting it again is recognised by it.",
            extra_json_schema={"examples": ["ord_123"]},
        ),
    ]
    type: EventName
    user_id: UUID | None = None
    email: Email | None = None
    amount: Amount | None = None
    currency: Currency | None = None
    occurred_at: ConversionTime | None = None


class FlagEvidenceResponse(msgspec.Struct, frozen=True):
    reason: FlagReason
    detected_at: datetime
    detail: Annotated[str, Meta(description="The rule's evidence in words; never an address.")]


class ReferralResponse(msgspec.Struct, frozen=True):
    id: UUID
    referrer_id: UUID
    email: str
    state: ReferralState
    created_at: datetime
    qualified_at: datetime | None
    voided_at: datetime | None
    void_reason: VoidReason | None
    flags: Annotated[
        list[FlagReason], Meta(description="The fraud signals that hold the referral for review; empty once approved.")
    ]
    evidence: Annotated[
        list[FlagEvidenceResponse], Meta(description="Every flag ever raised, kept after the review decided.")
    ]
    approved_at: Annotated[datetime | None, Meta(description="When the operator cleared its flags.")]
    held_conversion_id: Annotated[
        str | None,
        Meta(description="The qualifying conversion that arrived while it was flagged, honoured on approval."),
    ]


class ReferralPageResponse(msgspec.Struct, frozen=True):
    items: list[ReferralResponse]
    total: int
    limit: int
    offset: int


class RewardResponse(msgspec.Struct, frozen=True):
    id: UUID
    referral_id: UUID
    user_id: UUID
    role: RewardRole
    amount: int
    currency: str
    state: RewardState
    created_at: datetime
    available_at: datetime
    redeemed_at: datetime | None
    voided_at: datetime | None
    program_version: int


class RewardPageResponse(msgspec.Struct, frozen=True):
    items: list[RewardResponse]
    total: int
    limit: int
    offset: int


class ConversionResponse(msgspec.Struct, frozen=True):
    id: str
    user_id: UUID
    type: str
    amount: int | None
    currency: str | None
    occurred_at: datetime
    received_at: datetime
    qualified: bool
    referral: ReferralResponse | None
    rewards: list[RewardResponse]


class VoidReferralRequest(msgspec.Struct, frozen=True):
    reason: VoidReason
    note: Annotated[str, Meta(max_length=MAX_VOID_NOTE_LENGTH)] | None = None


class ReferralCountsResponse(msgspec.Struct, frozen=True):
    total: int
    pending: int
    flagged: int
    qualified: int
    voided: int


class CurrencyTotalsResponse(msgspec.Struct, frozen=True):
    currency: str
    pending: int
    available: int
    redeemed: int
    voided: int


class ReferrerStatsResponse(msgspec.Struct, frozen=True):
    referrer_id: UUID
    referrals: ReferralCountsResponse
    conversion_rate: Annotated[
        float, Meta(ge=0, le=1, description="Qualified referrals over all of them.", extra_json_schema=MINIMUM_ZERO)
    ]
    rewards: list[CurrencyTotalsResponse]
