"""Email addresses in their canonical form, the form that uniqueness is decided on."""

import re
import unicodedata
from typing import Protocol

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


# Unicode's own advice for identifiers (UTS #39): more than four nonspacing marks in a row, or one mark twice
# on one character, draws nothing a reader can tell apart; no script needs either.
MAX_NONSPACING_MARKS_IN_A_ROW = 4
_NONSPACING = frozenset({"Mn", "Me"})
# The mixes of scripts UTS #39 calls "highly restrictive" allows besides one script: how Japanese, Chinese
# and Korean are written (with Latin). Any other mix is how a look-alike of another address is made.
_CUSTOMARY_MIXES = (
    frozenset({"LATIN", "HAN", "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", "HAN", "BOPOMOFO"}),
    frozenset({"LATIN", "HAN", "HANGUL"}),
)
# The standard library has no Script property; a letter's name begins with its script, with these exceptions.
_SCRIPT_ALIASES = {"CJK": "HAN"}
_SCRIPTLESS_NAME_PREFIXES = frozenset({"MODIFIER", "KATAKANA-HIRAGANA", "IDEOGRAPHIC"})


class DomainNames(Protocol):
    def canonical(self, domain: str) -> str:
        """The one spelling of an internationalised domain name (IDNA 2008 with UTS #46 mapping, as U-labels).

        Raises ``InvalidEmail`` for a name DNS cannot hold.
        """
        ...


def canonical_email(raw: str, domain_names: DomainNames) -> str:
    """Return the form two spellings of one address share: trimmed, NFKC-normalised, lower-cased, the domain in
    its one IDNA spelling (``exämple.com`` for ``xn--exmple-cua.com`` too).

    Raises ``InvalidEmail`` when the result is not a plausible ``local@domain.tld`` address, or is spelled the
    way look-alikes of other addresses are (scripts mixed within a part, stacks of combining marks).
    """
    email = unicodedata.normalize("NFKC", raw.strip()).lower()
    if email.count("@") != 1:
        raise InvalidEmail
    local, domain = email.split("@")
    email = f"{local}@{domain_names.canonical(domain)}"
    if not is_plausible_email(email) or not all(_reads_unambiguously(part) for part in re.split(r"[@.]", email)):
        raise InvalidEmail
    return email


def email_to_find(raw: str, domain_names: DomainNames) -> str:
    """The form to look an existing account up by: the canonical one, or, for an address the present rules refuse
    (registered before they refused look-alikes and names DNS cannot hold), the form such an address was stored in.

    Raises ``InvalidEmail`` when neither applies.
    """
    try:
        return canonical_email(raw, domain_names)
    except InvalidEmail:
        email = unicodedata.normalize("NFKC", raw.strip()).lower()
        if not is_plausible_email(email):
            raise
        # Stored domains took their one spelling whatever the local part (migration 0003): so does the look-up.
        local, domain = email.split("@")
        try:
            return f"{local}@{domain_names.canonical(domain)}"
        except InvalidEmail:
            return email


def _reads_unambiguously(part: str) -> bool:
    if part.isascii():
        return True
    return _marks_are_legible(part) and _scripts_are_unmixed(part)


def _marks_are_legible(part: str) -> bool:
    run: list[str] = []
    for char in part:
        if unicodedata.category(char) not in _NONSPACING:
            run = []
            continue
        if char in run or len(run) == MAX_NONSPACING_MARKS_IN_A_ROW:
            return False
        run.append(char)
    return True


def _scripts_are_unmixed(part: str) -> bool:
    scripts = {script for char in part if (script := _script_of(char)) is not None}
    return len(scripts) <= 1 or any(scripts <= mix for mix in _CUSTOMARY_MIXES)


def _script_of(char: str) -> str | None:
    """The script of a letter; ``None`` for digits, punctuation, marks and letters every script shares."""
    if not unicodedata.category(char).startswith("L"):
        return None
    first_word = unicodedata.name(char, "").split(" ", 1)[0]
    if not first_word or first_word in _SCRIPTLESS_NAME_PREFIXES:
        return None
    return _SCRIPT_ALIASES.get(first_word, first_word)


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
