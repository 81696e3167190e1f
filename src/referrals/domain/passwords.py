"""The password policy: length only, any Unicode, never truncated (argon2 takes the whole of it)."""

import unicodedata

from referrals.domain.errors import WeakPassword

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128


def check_password_policy(password: str) -> None:
    """Counted on the normalised form, the one that is hashed."""
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise WeakPassword


def normalise_password(password: str) -> str:
    """The form that is hashed and verified: NFKC, as NIST SP 800-63B asks, so that ``é`` typed as one character
    or as ``e`` and a combining accent (as keyboards and platforms differ) is one password."""
    return unicodedata.normalize("NFKC", password)
