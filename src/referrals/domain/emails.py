"""Email addresses in their canonical form, the form that uniqueness is decided on."""

import re
import unicodedata

from referrals.domain.errors import InvalidEmail

MAX_EMAIL_LENGTH = 254
MAX_LOCAL_PART_LENGTH = 64

_FORBIDDEN = r"\s@\x00-\x1f\x7f\"(),:;<>\[\]\\"
_LOCAL_PART = re.compile(rf"[^{_FORBIDDEN}.]+(?:\.[^{_FORBIDDEN}.]+)*")
_DOMAIN_LABEL = re.compile(rf"[^{_FORBIDDEN}._\-](?:[^{_FORBIDDEN}._]{{0,61}}[^{_FORBIDDEN}._\-])?")
# An ASCII-compatible (punycode) top-level label, as DNS itself spells internationalised ones.
_PUNYCODE_LABEL = re.compile(r"xn--[a-z0-9-]{1,59}")
# Control, format (zero-width and bidirectional marks), separator, private and unassigned characters:
# invisible or look-alike, they would let two accounts wear the same-looking address.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"})


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
    # Every invisible ASCII character (controls, spaces) is already refused by the patterns below.
    if not email.isascii() and any(unicodedata.category(char) in _INVISIBLE_CATEGORIES for char in email):
        return False
    local, domain = email.split("@")
    if len(local) > MAX_LOCAL_PART_LENGTH or not _LOCAL_PART.fullmatch(local):
        return False
    *labels, top_level = domain.split(".")
    return bool(labels) and all(_DOMAIN_LABEL.fullmatch(label) for label in labels) and _is_top_level_label(top_level)


def _is_top_level_label(label: str) -> bool:
    """Letters only (with the combining marks many scripts need, as in ``.भारत``), or punycode."""
    if not 2 <= len(label) <= 63:  # noqa: PLR2004 - the DNS bounds of a top-level label
        return False
    if label.isalpha() or _PUNYCODE_LABEL.fullmatch(label):
        return True
    return label[0].isalpha() and all(char.isalpha() or unicodedata.category(char).startswith("M") for char in label)
