"""The programme's business-rule refusals: its terms, conversions, and the referral and reward lifecycles."""

from referrals.domain.errors import DomainError


class InvalidDuration(DomainError):
    code = "invalid-duration"
    default_message = "The duration is not an ISO 8601 duration in weeks, days, hours, minutes and seconds."


class InvalidCurrency(DomainError):
    code = "invalid-currency"
    default_message = "The currency is not an ISO 4217 code or an upper-case unit of the programme's own."


class InvalidEventType(DomainError):
    code = "invalid-event-type"
    default_message = "The event type is not lower-case letters, digits and the punctuation _ . : -."


class InvalidRewardRule(DomainError):
    code = "invalid-reward"
    default_message = "A reward is either a flat amount or a share in basis points, not both."


class InvalidConversion(DomainError):
    code = "invalid-conversion"
    default_message = "The conversion is not valid."


class ConversionInFuture(DomainError):
    code = "conversion-in-future"
    default_message = "occurred_at may not lie in the future."


class ConversionIdReused(DomainError):
    code = "conversion-id-reused"
    default_message = "A conversion with this id was already reported with other content."


class UnknownConversionUser(DomainError):
    code = "unknown-user"
    default_message = "No user has this id or email."


class ReferralNotFound(DomainError):
    code = "referral-not-found"
    default_message = "No referral has this id."


class InvalidVoidNote(DomainError):
    code = "invalid-void-note"
    default_message = "The note cannot be stored."


class ReferralAlreadyVoided(DomainError):
    code = "referral-voided"
    default_message = "The referral is already voided."


class ReferralNotFlagged(DomainError):
    code = "referral-not-flagged"
    default_message = "Only a flagged referral can be approved."


class ReferralFlagged(DomainError):
    code = "referral-flagged"
    default_message = "The referral is flagged for review: it qualifies only once approved."


class RewardAlreadyRedeemed(DomainError):
    code = "reward-redeemed"
    default_message = "A reward of this referral is already redeemed; it can no longer be voided."


class RewardNotFound(DomainError):
    code = "reward-not-found"
    default_message = "No reward has this id."


class RewardNotAvailable(DomainError):
    code = "reward-not-available"
    default_message = "Only an available reward can be redeemed."


class RewardNotVoidable(DomainError):
    code = "reward-not-voidable"
    default_message = "Only a pending or available reward can be voided."
