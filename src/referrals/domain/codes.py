"""The referral-code format: Crockford base32, so codes survive being read aloud or typed by hand."""

import secrets

CROCKFORD_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 13
CODE_ENTROPY_BITS = CODE_LENGTH * 5  # 65 bits: guessing a live code is hopeless at any request rate
# Letters people type for the digits they look like, and the characters people group a code with.
LOOKALIKES = {"I": "1", "L": "1", "O": "0"}
SEPARATORS = "- "
_READ_AS = str.maketrans(LOOKALIKES)
_SEPARATORS = str.maketrans("", "", SEPARATORS)


def generate_code() -> str:
    return "".join(secrets.choice(CROCKFORD_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(raw: str) -> str | None:
    """Return the canonical spelling of a code typed by a person, or None if it cannot be a code.

    Case is ignored, hyphens and spaces are dropped, and the letters Crockford reads as digits
    (I and L as 1, O as 0) are mapped to them.
    """
    if not raw.isascii():
        # Unicode upper-casing can lengthen a string (ß → SS) and forge a code out of a near miss.
        return None
    code = raw.upper().translate(_SEPARATORS).translate(_READ_AS)
    if len(code) != CODE_LENGTH or any(char not in CROCKFORD_ALPHABET for char in code):
        return None
    return code
