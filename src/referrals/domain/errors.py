"""Business-rule violations. Each carries a stable machine-readable ``code`` that clients may rely on."""


class DomainError(Exception):
    """A request that the business rules refuse."""

    code: str = "domain-error"
    default_message: str = "The request breaks a business rule."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.default_message)

    @property
    def message(self) -> str:
        return str(self.args[0])


class InvalidEmail(DomainError):
    code = "invalid-email"
    default_message = "The email address is not valid."


class WeakPassword(DomainError):
    code = "invalid-password"
    default_message = "The password must be 8 to 128 characters long."


class EmailTaken(DomainError):
    code = "email-taken"
    default_message = "An account with this email address already exists."


class ExpiryNotInFuture(DomainError):
    code = "expiry-not-in-future"
    default_message = "expires_at must lie in the future."


class ExpiryTooFar(DomainError):
    code = "expiry-too-far"
    default_message = "expires_at lies too far in the future."


class InvalidMaxUses(DomainError):
    code = "invalid-max-uses"
    default_message = "max_uses must be a positive whole number."


class ActiveCodeExists(DomainError):
    code = "active-code-exists"
    default_message = "You already have an active referral code; delete it before creating another."


class NoActiveCode(DomainError):
    code = "no-active-code"
    default_message = "No active referral code."


class InvalidReferralCode(DomainError):
    # One message for unknown, expired and deleted codes: which one it was is nobody's business.
    code = "invalid-referral-code"
    default_message = "The referral code is not valid."


class UndeliverableEmail(DomainError):
    code = "email-rejected"
    default_message = "This email address cannot be used."


class SelfReferral(DomainError):
    code = "self-referral"
    default_message = "A user cannot be their own referrer."


class DisposableEmail(DomainError):
    code = "disposable-email"
    default_message = "Referral registrations do not accept throwaway email addresses."
