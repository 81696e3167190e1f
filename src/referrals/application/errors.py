"""Refusals decided by the application rather than by a business rule."""

from referrals.domain.errors import DomainError


class InvalidCredentials(DomainError):
    # Same message for an unknown email and a wrong password, so the answer reveals neither.
    code = "invalid-credentials"
    default_message = "The email or password is incorrect."


class InvalidRefreshToken(DomainError):
    code = "invalid-refresh-token"
    default_message = "The refresh token is invalid, expired or revoked."


class InvalidAccessToken(DomainError):
    code = "invalid-access-token"
    default_message = "The access token is missing, invalid or expired."


class NotReferrer(DomainError):
    code = "forbidden"
    default_message = "You may only read your own referrals."


class EmailVerificationUnavailable(DomainError):
    """Raised only when the policy fails closed: without a verdict, registration waits for better times."""

    code = "email-verification-unavailable"
    default_message = "Email addresses cannot be verified right now; try again shortly."


class ProviderUnavailable(Exception):
    """An external provider did not give a usable answer: down, slow, over quota, or talking nonsense."""


class CodeCollision(DomainError):
    """A freshly generated code is already taken; the use case retries with another."""

    code = "code-collision"


class TooManyAttempts(DomainError):
    """A budget of attempts is spent; ``retry_after`` says when the next one is free."""

    code = "too-many-attempts"
    default_message = "Too many attempts; wait before trying again."

    def __init__(self, message: str | None = None, *, retry_after: float = 0.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after
