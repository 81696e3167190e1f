"""Disposable email domains, as the ``disposable-email-domains`` package lists them (offline, updated with it)."""

import idna
from disposable_email_domains import blocklist

from referrals.application.ports.fraud import DisposableDomains
from referrals.domain.email_domains import domain_and_parents


def _ascii(domain: str) -> str:
    """The A-label spelling the package lists names in, by IDNA 2008 as canonical emails are spelled; raises
    ``UnicodeError`` for a name IDNA refuses."""
    if domain.isascii():
        return domain
    return idna.encode(domain, uts46=True, std3_rules=True, transitional=False).decode("ascii")


def _allowed_name(domain: str) -> str:
    # An entry that cannot be spelled in ASCII would never match: a typo to hear of at start-up, not to ignore.
    try:
        return _ascii(domain.strip().lower())
    except UnicodeError:
        message = f"The allowed disposable domain {domain!r} is not a valid domain name."
        raise ValueError(message) from None


class PackagedDisposableDomains(DisposableDomains):
    """The package's blocklist, with the operator's allow-list winning over it for a domain and its subdomains."""

    def __init__(self, allowed: frozenset[str] = frozenset()) -> None:
        self._allowed = frozenset(_allowed_name(domain) for domain in allowed)

    def is_disposable(self, domain: str) -> bool:
        try:
            names = domain_and_parents(_ascii(domain))
        except UnicodeError:
            # No list can name what DNS cannot spell; refusing it is the address check's work, not this one's.
            return False
        return not self._allowed.intersection(names) and not blocklist.isdisjoint(names)
