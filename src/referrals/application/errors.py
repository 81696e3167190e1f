"""Refusals decided by the application rather than by a business rule: who the caller is, what they may do,
what a dependency allows right now. They carry a stable ``code`` as domain errors do, but are not theirs."""


class ApplicationError(Exception):
    code: str = "application-error"
    default_message: str = "The request cannot be served."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.default_message)

    @property
    def message(self) -> str:
        return str(self.args[0])


class InvalidCredentials(ApplicationError):
    # Same message for an unknown email and a wrong password, so the answer reveals neither.
    code = "invalid-credentials"
    default_message = "The email or password is incorrect."


class InvalidRefreshToken(ApplicationError):
    code = "invalid-refresh-token"
    default_message = "The refresh token is invalid, expired or revoked."


class InvalidAccessToken(ApplicationError):
    code = "invalid-access-token"
    default_message = "The access token is missing, invalid or expired."


class NotReferrer(ApplicationError):
    code = "forbidden"
    default_message = "You may only read your own referrals."


class EmailVerificationUnavailable(ApplicationError):
    """Raised only when the policy fails closed: without a verdict, registration waits for better times."""

    code = "email-verification-unavailable"
    default_message = "Email addresses cannot be verified right now; try again shortly."


class ProviderUnavailable(Exception):
    """An external provider did not give a usable answer: down, slow, over quota, or talking nonsense."""


class CodeCollision(ApplicationError):
    """A freshly generated code is already taken; the use case retries with another."""

    code = "code-collision"


class TooManyAttempts(ApplicationError):
    """A budget of attempts is spent; ``retry_after`` says when the next one is free."""

    code = "too-many-attempts"
    default_message = "Too many attempts; wait before trying again."

    def __init__(self, message: str | None = None, *, retry_after: float = 0.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class InvalidApiKey(ApplicationError):
    code = "invalid-api-key"
    default_message = "The API key is unknown or revoked."


class InsufficientScope(ApplicationError):
    """The caller is known but may not do this: a key without the scope, or a user on an operator route."""

    code = "insufficient-scope"
    default_message = "The credentials do not grant the scope this operation needs."

    def __init__(self, message: str | None = None, *, scope: str | None = None) -> None:
        super().__init__(message or (f"This operation needs the scope {scope}." if scope else None))
        self.scope = scope


class UnknownAccount(ApplicationError):
    code = "unknown-account"
    default_message = "No account has this email address."


class ProgrammeChanged(ApplicationError):
    """Another version of the programme was set at the same moment; the use case tries again."""

    code = "programme-changed"
    default_message = "The programme changed while this change was made; try again."
