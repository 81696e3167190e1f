"""Wire formats. Constraints live in ``Meta`` so they are enforced at the edge and published in OpenAPI."""

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from msgspec import Meta

from referrals.domain.codes import CODE_LENGTH, CROCKFORD_ALPHABET, LOOKALIKES, SEPARATORS
from referrals.domain.emails import MAX_EMAIL_LENGTH
from referrals.domain.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from referrals.domain.referral_code import MAX_CODE_USES


def openapi_format(name: str) -> dict[str, Any]:
    """A JSON Schema ``format`` for ``Meta(extra_json_schema=...)``: of a msgspec field's extra schema, Litestar
    publishes title, description, examples and what sits under ``extra``, nothing else."""
    return {"extra": {"format": name}}


# The shape an address must have before it is canonicalised: one "@" with something on either side. NFKC
# turns two other characters into "@", so those count too. The finer rules (domain/emails.py) answer 422.
AT_SIGNS = "@\ufe6b\uff20"
EMAIL_PATTERN = f"^[^{AT_SIGNS}]+[{AT_SIGNS}][^{AT_SIGNS}]+$"
Email = Annotated[
    str,
    Meta(
        min_length=3,
        max_length=MAX_EMAIL_LENGTH,
        pattern=EMAIL_PATTERN,
        description="Compared case-insensitively after Unicode NFKC normalisation, the domain in its IDNA 2008 "
        "spelling.",
        # idn-email, not email: addresses may be internationalised (RFC 6531), such as `ü@example.com`.
        extra_json_schema={"examples": ["ada@example.com"], **openapi_format("idn-email")},
    ),
]
Password = Annotated[
    str,
    Meta(
        min_length=MIN_PASSWORD_LENGTH,
        max_length=MAX_PASSWORD_LENGTH,
        description="8 to 128 characters, any Unicode.",
        extra_json_schema={"examples": ["correct horse battery"], **openapi_format("password")},
    ),
]
MAX_CODE_TEXT_LENGTH = 32


def _character_class(characters: set[str]) -> str:
    # A hyphen is literal at the end of a class in every regex dialect; escaping it is not portable.
    return "[" + "".join(sorted(characters - {"-"})) + ("-" if "-" in characters else "") + "]"


def _typed_code_pattern() -> str:
    """The spellings ``normalize_code`` reads as a code: 13 code characters in either case, the look-alike
    letters among them, with separators anywhere."""
    letters = set(CROCKFORD_ALPHABET) | set(LOOKALIKES)
    character = _character_class(letters | {letter.lower() for letter in letters})
    separators = _character_class(set(SEPARATORS)) + "*"
    return f"^{separators}(?:{character}{separators}){{{CODE_LENGTH}}}$"


TYPED_CODE_PATTERN = _typed_code_pattern()
CodeText = Annotated[
    str,
    Meta(
        min_length=CODE_LENGTH,
        max_length=MAX_CODE_TEXT_LENGTH,
        pattern=TYPED_CODE_PATTERN,
        description="A referral code; case, hyphens and spaces are ignored, and I, L and O are read as 1, 1 and 0.",
        extra_json_schema={"examples": ["7K3M-9QXD-2R4TB"]},
    ),
]
MAX_EMAIL_PATH_LENGTH = MAX_EMAIL_LENGTH
MAX_OPAQUE_TOKEN_LENGTH = 512
OpaqueToken = Annotated[str, Meta(min_length=1, max_length=MAX_OPAQUE_TOKEN_LENGTH)]
IssuedCode = Annotated[
    str,
    Meta(
        min_length=CODE_LENGTH,
        max_length=CODE_LENGTH,
        pattern=f"^[{CROCKFORD_ALPHABET}]{{{CODE_LENGTH}}}$",
        description="13 Crockford base-32 characters.",
        extra_json_schema={"examples": ["7K3M9QXD2R4TB"]},
    ),
]
# Text on the wire, so that Litestar's lax conversion of request data cannot read a Unix time (a number, or a
# numeric string) as a date-time; ``timestamps.rfc3339`` decodes it strictly. The window, relative to the moment
# of the request, is beyond what JSON Schema can state, so it is said in words.
ExpiryDateTime = Annotated[
    str,
    Meta(
        max_length=64,
        description="RFC 3339 with `Z` or a numeric offset; strictly in the future, and at most "
        "MAX_CODE_LIFETIME_DAYS (365 unless configured otherwise) ahead.",
        extra_json_schema=openapi_format("date-time"),
    ),
]


class RegisterRequest(msgspec.Struct, frozen=True):
    email: Email
    password: Password


class RegisterWithReferralRequest(msgspec.Struct, frozen=True):
    email: Email
    password: Password
    referral_code: CodeText


class UserResponse(msgspec.Struct, frozen=True):
    id: UUID
    email: str
    referrer_id: UUID | None
    created_at: datetime


class ProfileResponse(msgspec.Struct, frozen=True):
    full_name: str | None
    company: str | None
    title: str | None
    location: str | None
    avatar_url: str | None
    enriched_at: datetime
    source: str


class MeResponse(msgspec.Struct, frozen=True):
    id: UUID
    email: str
    referrer_id: UUID | None
    created_at: datetime
    profile: ProfileResponse | None


class RefreshRequest(msgspec.Struct, frozen=True):
    refresh_token: OpaqueToken


class TokenResponse(msgspec.Struct, frozen=True):
    access_token: str
    expires_in: int
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - a token type, not a secret


MaxUses = Annotated[
    int,
    Meta(
        ge=1,
        le=MAX_CODE_USES,
        description="How many newcomers may register with the code; then it is spent. No limit when left out.",
    ),
]


class CreateCodeRequest(msgspec.Struct, frozen=True):
    expires_at: ExpiryDateTime
    max_uses: MaxUses | None = None


class CreatedCodeResponse(msgspec.Struct, frozen=True):
    code: IssuedCode
    expires_at: datetime
    created_at: datetime
    max_uses: int | None


class ActiveCodeResponse(msgspec.Struct, frozen=True):
    code: IssuedCode
    expires_at: datetime


class HealthResponse(msgspec.Struct, frozen=True):
    status: Literal["ok"] = "ok"


class ReadinessResponse(msgspec.Struct, frozen=True):
    database: Literal["ok"]
    cache: Literal["ok", "degraded"]
    status: Literal["ready"] = "ready"


class FieldError(msgspec.Struct, frozen=True):
    message: str
    key: str | None = None
    source: str | None = None


class Problem(msgspec.Struct, frozen=True, omit_defaults=True):
    """An RFC 9457 problem document."""

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    code: str | None = None
    errors: list[FieldError] | None = None

    def to_dict(self) -> dict[str, Any]:
        return msgspec.to_builtins(self)  # type: ignore[no-any-return]
