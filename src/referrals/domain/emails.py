"""Email addresses in their canonical form, the form that uniqueness is decided on."""

import re
import unicodedata

from referrals.domain.errors import InvalidEmail

MAX_EMAIL_LENGTH = 254
MAX_LOCAL_PART_LENGTH = 64

_FORBIDDEN = r"\s@\x00-\x1f\x7f\"(),:;<>\[\]\\"
_LOCAL_PART = re.compile(rf"[^{_FORBIDDEN}.]+(?:\.[^{_FORBIDDEN}.]+)*")
_DOMAIN_LABEL = re.compile(rf"[^{_FORBIDDEN}._\-](?:[^{_FORBIDDEN}._]{{0,61}}[^{_FORBIDDEN}._\-])?")
_TOP_LEVEL_LABEL = re.compile(r"[^\W\d_]{2,63}")


def canonical_email(raw: str) -> str:
    """Return the form two spellings of one address share: trimmed, NFKC-normalised, lower-cased.

    Raises ``InvalidEmail`` when the result is not a plausible ``local@domain.tld`` address.
    """
    email = unicodedata.normalize("NFKC", raw.strip()).lower()
    if not is_plausible_email(email):
        raise InvalidEmail
    return email


def is_plausible_email(email: str) -> bool:
    if len(email) > MAX_EMAIL_LENGTH or email.count("@") != 1:
        return False
    local, domain = email.split("@")
    if len(local) > MAX_LOCAL_PART_LENGTH or not _LOCAL_PART.fullmatch(local):
        return False
    *labels, top_level = domain.split(".")
    return (
        bool(labels)
        and all(_DOMAIN_LABEL.fullmatch(label) for label in labels)
        and _TOP_LEVEL_LABEL.fullmatch(top_level) is not None
    )
