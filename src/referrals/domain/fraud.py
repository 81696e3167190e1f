"""Referral fraud: the rules that refuse a referral outright, and the signals that hold one for review.

A refusal is kept for what is certain (the referee's mailbox is the referrer's own). Everything merely likely
flags the referral instead: it is stored, and earns nothing until the operator approves it, so an honest person
who trips a signal loses time, never their reward.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from referrals.domain.errors import SelfReferral
from referrals.domain.mailboxes import mailbox_key
from referrals.domain.referral import FlagReason, ReferralFlag

# Velocity is counted per code over the hour before each registration.
VELOCITY_WINDOW = timedelta(hours=1)


def check_not_self_referral(referee_email: str, referrer_email: str) -> None:
    """Refuse a newcomer whose mailbox is the code owner's own (``ada+2@gmail.com`` for ``a.da@gmail.com``)."""
    if mailbox_key(referee_email) == mailbox_key(referrer_email):
        raise SelfReferral


@dataclass(frozen=True, slots=True)
class RegistrationSignals:
    """What is known of one registration with a code, gathered in its write transaction."""

    # When the referrer was last seen from the newcomer's client, within the rule's window; None if not.
    referrer_seen_from_client_at: datetime | None = None
    # Registrations on the same code within ``VELOCITY_WINDOW`` before this one.
    earlier_registrations_on_code: int = 0
    # Accounts that already exist on the newcomer's mailbox key.
    accounts_on_mailbox: int = 0
    # The newcomer's domain, when it is a throwaway one and the operator flags those rather than refusing them.
    disposable_domain: str | None = None


def referral_flags(signals: RegistrationSignals, velocity_per_hour: int, now: datetime) -> tuple[ReferralFlag, ...]:
    """The flags a registration raises; none for a registration without any signal. ``velocity_per_hour`` 0: off."""
    flags = []
    if signals.referrer_seen_from_client_at is not None:
        minutes = max(0, int((now - signals.referrer_seen_from_client_at) / timedelta(minutes=1)))
        flags.append(
            ReferralFlag(
                FlagReason.SAME_CLIENT,
                now,
                f"Registered from the network address the referrer used {minutes} min earlier "
                "(compared as keyed hashes; no address is stored).",
            )
        )
    position = signals.earlier_registrations_on_code + 1
    if velocity_per_hour and position > velocity_per_hour:
        flags.append(
            ReferralFlag(
                FlagReason.VELOCITY,
                now,
                f"Registration {position} on this code within an hour; more than {velocity_per_hour} an hour "
                "are held for review.",
            )
        )
    if signals.accounts_on_mailbox:
        flags.append(
            ReferralFlag(
                FlagReason.DUPLICATE_MAILBOX,
                now,
                f"{signals.accounts_on_mailbox} account(s) already receive mail at this mailbox "
                "(sub-addresses and Gmail dots folded).",
            )
        )
    if signals.disposable_domain is not None:
        flags.append(
            ReferralFlag(
                FlagReason.DISPOSABLE_EMAIL,
                now,
                f"The address is at {signals.disposable_domain}, a throwaway mail domain.",
            )
        )
    return tuple(flags)
