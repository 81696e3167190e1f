"""What stands in for the providers when no key is configured: no call, no delay, no opinion."""

from referrals.application.ports.accounts import EmailVerdict, EmailVerifier, ProfileEnricher
from referrals.domain.user import Profile


class NullEmailVerifier(EmailVerifier):
    """No verifier configured means nothing is checked: every address passes, whatever the policy rejects."""

    async def verify(self, email: str) -> EmailVerdict:  # noqa: ARG002 - nothing to ask
        return EmailVerdict.VALID


class NullProfileEnricher(ProfileEnricher):
    source = "none"

    async def enrich(self, email: str) -> Profile | None:  # noqa: ARG002 - nothing to ask
        return None
