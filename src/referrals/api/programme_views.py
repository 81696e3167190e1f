"""The programme's domain objects rendered as wire structs."""

from referrals.api.programme_schemas import (
    ConversionResponse,
    CurrencyTotalsResponse,
    FlagEvidenceResponse,
    MoneyBody,
    ProgrammeRequest,
    ProgrammeResponse,
    ReferralCountsResponse,
    ReferralPageResponse,
    ReferralResponse,
    ReferrerStatsResponse,
    RewardPageResponse,
    RewardResponse,
    RewardRuleBody,
)
from referrals.application.pages import Page
from referrals.application.use_cases.record_conversion import RecordedConversion
from referrals.application.use_cases.referrer_stats import ReferrerStats
from referrals.domain.durations import format_duration, parse_duration
from referrals.domain.money import Money
from referrals.domain.programme import FlatReward, Programme, ProgrammeTerms, RewardRule, ShareReward
from referrals.domain.programme_errors import InvalidRewardRule
from referrals.domain.referral import Referral
from referrals.domain.reward import Reward


def programme_terms(body: ProgrammeRequest) -> ProgrammeTerms:
    """The terms a PUT asks for; raises the domain's refusals (422) for what the schema cannot say."""
    return ProgrammeTerms(
        qualifying_event=body.qualifying_event,
        attribution_window=parse_duration(body.attribution_window),
        hold=parse_duration(body.hold),
        min_amount=None if body.min_amount is None else Money(body.min_amount.amount, body.min_amount.currency),
        referrer_reward=_rule(body.referrer_reward),
        referee_reward=_rule(body.referee_reward),
        max_rewarded_referrals_per_referrer=body.max_rewarded_referrals_per_referrer,
    )


def _rule(body: RewardRuleBody | None) -> RewardRule | None:
    if body is None:
        return None
    if (body.amount is None) == (body.basis_points is None):
        raise InvalidRewardRule
    if body.amount is not None:
        if body.max_amount is not None:
            msg = "max_amount caps a share; a flat reward has no use for it."
            raise InvalidRewardRule(msg)
        return FlatReward(amount=body.amount, currency=body.currency)
    assert body.basis_points is not None  # noqa: S101 - one of the two, checked above
    return ShareReward(basis_points=body.basis_points, currency=body.currency, max_amount=body.max_amount)


def programme_view(programme: Programme) -> ProgrammeResponse:
    terms = programme.terms
    return ProgrammeResponse(
        version=programme.version,
        updated_at=programme.updated_at,
        qualifying_event=terms.qualifying_event,
        attribution_window=format_duration(terms.attribution_window),
        hold=format_duration(terms.hold),
        min_amount=None if terms.min_amount is None else MoneyBody(terms.min_amount.amount, terms.min_amount.currency),
        referrer_reward=_rule_view(terms.referrer_reward),
        referee_reward=_rule_view(terms.referee_reward),
        max_rewarded_referrals_per_referrer=terms.max_rewarded_referrals_per_referrer,
    )


def _rule_view(rule: RewardRule | None) -> RewardRuleBody | None:
    if rule is None:
        return None
    if isinstance(rule, FlatReward):
        return RewardRuleBody(currency=rule.currency, amount=rule.amount)
    return RewardRuleBody(currency=rule.currency, basis_points=rule.basis_points, max_amount=rule.max_amount)


def referral_view(referral: Referral) -> ReferralResponse:
    return ReferralResponse(
        id=referral.id,
        referrer_id=referral.referrer_id,
        email=referral.email,
        state=referral.state,
        created_at=referral.created_at,
        qualified_at=referral.qualified_at,
        voided_at=referral.voided_at,
        void_reason=referral.void_reason,
        flags=[flag.reason for flag in referral.open_flags],
        evidence=[
            FlagEvidenceResponse(reason=flag.reason, detected_at=flag.detected_at, detail=flag.detail)
            for flag in referral.flags
        ],
        approved_at=referral.approved_at,
        held_conversion_id=referral.held_conversion_id,
    )


def reward_view(reward: Reward) -> RewardResponse:
    return RewardResponse(
        id=reward.id,
        referral_id=reward.referral_id,
        user_id=reward.user_id,
        role=reward.role,
        amount=reward.amount,
        currency=reward.currency,
        state=reward.state,
        created_at=reward.created_at,
        available_at=reward.available_at,
        redeemed_at=reward.redeemed_at,
        voided_at=reward.voided_at,
        program_version=reward.program_version,
    )


def referral_page_view(page: Page[Referral]) -> ReferralPageResponse:
    items = [referral_view(referral) for referral in page.items]
    return ReferralPageResponse(items=items, total=page.total, limit=page.limit, offset=page.offset)


def reward_page_view(page: Page[Reward]) -> RewardPageResponse:
    items = [reward_view(reward) for reward in page.items]
    return RewardPageResponse(items=items, total=page.total, limit=page.limit, offset=page.offset)


def conversion_view(recorded: RecordedConversion) -> ConversionResponse:
    conversion = recorded.conversion
    return ConversionResponse(
        id=conversion.id,
        user_id=conversion.user_id,
        type=conversion.type,
        amount=None if conversion.value is None else conversion.value.amount,
        currency=None if conversion.value is None else conversion.value.currency,
        occurred_at=conversion.occurred_at,
        received_at=conversion.received_at,
        qualified=recorded.qualified,
        referral=None if recorded.referral is None else referral_view(recorded.referral),
        rewards=[reward_view(reward) for reward in recorded.rewards],
    )


def stats_view(stats: ReferrerStats) -> ReferrerStatsResponse:
    counts = stats.referrals
    return ReferrerStatsResponse(
        referrer_id=stats.referrer_id,
        referrals=ReferralCountsResponse(
            total=counts.total,
            pending=counts.pending,
            flagged=counts.flagged,
            qualified=counts.qualified,
            voided=counts.voided,
        ),
        conversion_rate=stats.conversion_rate,
        rewards=[
            CurrencyTotalsResponse(
                currency=totals.currency,
                pending=totals.pending,
                available=totals.available,
                redeemed=totals.redeemed,
                voided=totals.voided,
            )
            for totals in stats.rewards
        ],
    )
