"""Internationalised domain names by IDNA 2008 with UTS #46 mapping, through the ``idna`` package.

Python's own ``idna`` codec implements IDNA 2003, which maps away characters IDNA 2008 keeps (``ß``) and lets
through ones it forbids, so it would neither spell every name as DNS does nor refuse what DNS refuses.
"""

import re

import idna

from referrals.domain.emails import DomainNames
from referrals.domain.errors import InvalidEmail

# A label IDNA has nothing to say about: lower-case letters, digits and inner hyphens, no "--" where an
# A-label's prefix stands. Such a name is its own spelling; every lookup by email pays for the check.
_PLAIN_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


def _is_plain(domain: str) -> bool:
    return domain.isascii() and all(_PLAIN_LABEL.fullmatch(label) and label[2:4] != "--" for label in domain.split("."))


class IdnaDomainNames(DomainNames):
    def canonical(self, domain: str) -> str:
        if _is_plain(domain):
            return domain
        # Encoding checks every label (at most 63 octets as an A-label, only permitted code points, the bidi
        # and joiner rules); decoding gives the form people read, the same for every spelling of the name.
        try:
            return idna.decode(idna.encode(domain, uts46=True, std3_rules=True, transitional=False))
        except UnicodeError:  # idna.IDNAError is one
            raise InvalidEmail from None
