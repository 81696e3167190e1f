"""Wire formats. Constraints live in ``Meta`` so they are enforced at the edge and published in OpenAPI."""

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from msgspec import Meta

from referrals.domain.codes import CODE_LENGTH, CROCKFORD_ALPHABET
from referrals.domain.emails import MAX_EMAIL_LENGTH
from referrals.domain.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH

Email = Annotated[
    str,
    Meta(
        min_length=3,
        max_length=MAX_EMAIL_LENGTH,
        description="Compared case-insensitively after Unicode NFKC normalisation.",
        extra_json_schema={"format": "email", "examples": ["ada@example.com"]},
    ),
]
Password = Annotated[
    str,
    Meta(
        min_length=MIN_PASSWORD_LENGTH,
        max_length=MAX_PASSWORD_LENGTH,
        description="8 to 128 characters, any Unicode.",
        extra_json_schema={"format": "password", "examples": ["correct horse battery"]},
    ),
]
CodeText = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=32,
        description="A referral code; case, hyphens and spaces are ignored.",
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
AwareDateTime = Annotated[
    datetime,
    Meta(tz=True, description="RFC 3339 with `Z` or a numeric offset.", extra_json_schema={"format": "date-time"}),
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


class TokenForm(msgspec.Struct, frozen=True):
    """The OAuth 2.0 token-endpoint form (RFC 6749 §4.3 and §6)."""

    # Empty rather than optional: the constraints of an optional string do not reach the OpenAPI document.
    grant_type: Annotated[str, Meta(max_length=64, examples=["password", "refresh_token"])] = "password"
    username: Annotated[str, Meta(max_length=MAX_EMAIL_LENGTH, description="The email.")] = ""
    password: Annotated[str, Meta(max_length=MAX_PASSWORD_LENGTH)] = ""
    refresh_token: Annotated[str, Meta(max_length=MAX_OPAQUE_TOKEN_LENGTH)] = ""
    scope: Annotated[str, Meta(max_length=1024)] = ""
    client_id: Annotated[str, Meta(max_length=256)] = ""
    client_secret: Annotated[str, Meta(max_length=256)] = ""


class RefreshRequest(msgspec.Struct, frozen=True):
    refresh_token: OpaqueToken


class TokenResponse(msgspec.Struct, frozen=True):
    access_token: str
    expires_in: int
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - a token type, not a secret


class CreateCodeRequest(msgspec.Struct, frozen=True):
    expires_at: AwareDateTime


class CreatedCodeResponse(msgspec.Struct, frozen=True):
    code: IssuedCode
    expires_at: datetime
    created_at: datetime


class ActiveCodeResponse(msgspec.Struct, frozen=True):
    code: IssuedCode
    expires_at: datetime


class ReferralResponse(msgspec.Struct, frozen=True):
    id: UUID
    email: str
    created_at: datetime


class ReferralPageResponse(msgspec.Struct, frozen=True):
    items: list[ReferralResponse]
    total: int
    limit: int
    offset: int


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
