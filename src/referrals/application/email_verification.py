"""Applying the email policy to a verifier's verdict."""

import asyncio
import logging
from dataclasses import dataclass

from referrals.application.errors import EmailVerificationUnavailable, ProviderUnavailable
from referrals.application.policies import EmailPolicy
from referrals.application.ports.accounts import EmailVerdict, EmailVerifier
from referrals.domain.errors import UndeliverableEmail

logger = logging.getLogger(__name__)

REASONS = {
    EmailVerdict.INVALID: "This email address cannot receive mail.",
    EmailVerdict.DISPOSABLE: "Disposable email addresses are not accepted.",
    EmailVerdict.WEBMAIL: "Webmail addresses are not accepted.",
    EmailVerdict.ACCEPT_ALL: "Addresses on catch-all domains are not accepted.",
    EmailVerdict.UNKNOWN: "This email address could not be confirmed.",
    EmailVerdict.VALID: "This email address is not accepted.",
}


@dataclass(frozen=True, slots=True)
class EmailGate:
    verifier: EmailVerifier
    policy: EmailPolicy

    async def check(self, email: str) -> EmailVerdict | None:
        """The verdict, or None when none could be had and the policy lets the address through.

        Raises ``UndeliverableEmail`` (saying why) for a rejected verdict, and
        ``EmailVerificationUnavailable`` when there is no verdict and the policy fails closed.
        """
        try:
            async with asyncio.timeout(self.policy.budget.total_seconds()):
                verdict = await self.verifier.verify(email)
        except (ProviderUnavailable, TimeoutError) as error:
            outcome = "refusing" if self.policy.fail_closed else "accepting"
            reason = str(error) or f"no verdict within {self.policy.budget.total_seconds():g} s"
            logger.warning("email verification unavailable (%s); %s the registration", reason, outcome)
            if self.policy.fail_closed:
                raise EmailVerificationUnavailable from error
            return None
        if verdict in self.policy.rejected:
            logger.info("registration refused: the email verifier says %s", verdict.value)
            raise UndeliverableEmail(REASONS[verdict])
        return verdict
