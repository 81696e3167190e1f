"""Screening a registration with a referral code: the refusals, then the signals that flag it for review."""

import logging
from dataclasses import dataclass
from datetime import datetime

from referrals.application.policies import FraudPolicy
from referrals.application.ports.fraud import ClientSightings, DisposableDomains, RegistrationCounts
from referrals.domain.email_domains import DisposablePolicy
from referrals.domain.errors import DisposableEmail
from referrals.domain.fraud import VELOCITY_WINDOW, RegistrationSignals, check_not_self_referral, referral_flags
from referrals.domain.mailboxes import mailbox_key
from referrals.domain.referral import ReferralFlag
from referrals.domain.referral_code import ReferralCode

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Newcomer:
    """Who registers with a code: the canonical email, and the keyed hash of the client (None when unknown)."""

    email: str
    fingerprint: str | None


@dataclass(frozen=True, slots=True)
class ReferralScreening:
    disposable_domains: DisposableDomains
    counts: RegistrationCounts
    sightings: ClientSightings
    policy: FraudPolicy

    def throwaway_domain(self, email: str) -> str | None:
        """The address's domain when it is a throwaway one that the policy flags; raises ``DisposableEmail`` when
        it refuses them. Cheap and offline: asked before any password is hashed."""
        domain = email.rpartition("@")[2]
        if self.policy.disposable is DisposablePolicy.ALLOW or not self.disposable_domains.is_disposable(domain):
            return None
        if self.policy.disposable is DisposablePolicy.REJECT:
            logger.info("referral registration refused: a disposable email domain")
            raise DisposableEmail
        return domain

    async def flags(
        self, newcomer: Newcomer, code: ReferralCode, referrer_email: str, throwaway_domain: str | None, now: datetime
    ) -> tuple[ReferralFlag, ...]:
        """Refuse a self-referral; otherwise the flags the registration raises. Inside its write transaction, after
        its code was claimed: registrations on one code take turns, so each counts the ones before it."""
        check_not_self_referral(newcomer.email, referrer_email)
        seen_at = None
        if newcomer.fingerprint is not None and self.policy.same_client_window:
            since = now - self.policy.same_client_window
            seen_at = await self.sightings.last_seen(code.owner_id, newcomer.fingerprint, since)
        earlier = 0
        if self.policy.velocity_per_hour:
            earlier = await self.counts.registrations_on_code(code.id, now - VELOCITY_WINDOW)
        signals = RegistrationSignals(
            referrer_seen_from_client_at=seen_at,
            earlier_registrations_on_code=earlier,
            accounts_on_mailbox=await self.counts.accounts_on_mailbox(mailbox_key(newcomer.email)),
            disposable_domain=throwaway_domain,
        )
        flags = referral_flags(signals, self.policy.velocity_per_hour, now)
        if flags:
            logger.info("referral flagged for review: %s", ", ".join(flag.reason.value for flag in flags))
        return flags
