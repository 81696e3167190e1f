"""Tunable limits the use cases apply, filled from settings at the composition root."""

from dataclasses import dataclass
from datetime import timedelta

from referrals.application.ports import EmailVerdict
from referrals.domain.referral_code import DEFAULT_MAX_CODE_LIFETIME


@dataclass(frozen=True, slots=True)
class CodePolicy:
    max_lifetime: timedelta = DEFAULT_MAX_CODE_LIFETIME
    # Upper bound on how long a lookup result may sit in the cache, whatever the code's own expiry.
    cache_ttl: timedelta = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    refresh_token_ttl: timedelta = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class EmailPolicy:
    """Which verdicts keep an address out, and what to do when the verifier cannot say."""

    rejected: frozenset[EmailVerdict] = frozenset({EmailVerdict.INVALID, EmailVerdict.DISPOSABLE})
    # Failing open keeps registration working through a provider outage; closed keeps every address checked.
    fail_closed: bool = False
    # The whole verification, retries included, so that registration latency stays predictable.
    budget: timedelta = timedelta(seconds=2)
