"""Internationalised domain names by IDNA 2008 with UTS #46 mapping, through the ``idna`` package.

Python's own ``idna`` codec implements IDNA 2003, which maps away characters IDNA 2008 keeps (``ß``) and lets
through ones it forbids, so it would neither spell every name as DNS does nor refuse what DNS refuses.
"""

import idna

from referrals.domain.emails import DomainNames
from referrals.domain.errors import InvalidEmail


class IdnaDomainNames(DomainNames):
    def canonical(self, domain: str) -> str:
        # Encoding checks every label (at most 63 octets as an A-label, only permitted code points, the bidi
        # and joiner rules); decoding gives the form people read, the same for every spelling of the name.
        try:
            return idna.decode(idna.encode(domain, uts46=True, std3_rules=True, transitional=False))
        except UnicodeError:  # idna.IDNAError is one
            raise InvalidEmail from None
