"""Tunable limits the use cases apply, filled from settings at the composition root."""

from dataclasses import dataclass
from datetime import timedelta

from referrals.application.ports.accounts import EmailVerdict
from referrals.application.ports.throttling import Rate
from referrals.domain.email_domains import DisposablePolicy
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
class FraudPolicy:
    """The referral fraud rules' settings (see domain/fraud.py); a zero turns a signal off."""

    disposable: DisposablePolicy = DisposablePolicy.REJECT
    velocity_per_hour: int = 20
    # How recent a referrer's registration or login from the newcomer's client must be to flag; also how long
    # sightings are kept.
    same_client_window: timedelta = timedelta(hours=12)


# Rows a background job changes in one transaction unless told otherwise: short enough to hold locks briefly.
BATCH_SIZE = 500


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """How long housekeeping keeps what is no longer needed."""

    # Events older than this leave the feed: a reader that falls further behind misses them.
    events: timedelta = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class EmailPolicy:
    """Which verdicts keep an address out, and what to do when the verifier cannot say."""

    rejected: frozenset[EmailVerdict] = frozenset({EmailVerdict.INVALID, EmailVerdict.DISPOSABLE})
    # Failing open keeps registration working through a provider outage; closed keeps every address checked.
    fail_closed: bool = False
    # The whole verification, retries included, so that registration latency stays predictable.
    budget: timedelta = timedelta(seconds=2)


TEN_FAILURES_IN_FIVE_MINUTES = Rate(limit=10, period_seconds=300)
THIRTY_FAILURES_A_MINUTE = Rate(limit=30, period_seconds=60)


@dataclass(frozen=True, slots=True)
class LoginThrottlePolicy:
    """Budgets of failed logins. Successful ones give their attempt back."""

    # Keyed by account and client together: an attacker guessing a password spends the budget of their own
    # address, never the account owner's, so nobody can lock a victim out.
    per_account: Rate = TEN_FAILURES_IN_FIVE_MINUTES
    per_client: Rate = THIRTY_FAILURES_A_MINUTE
