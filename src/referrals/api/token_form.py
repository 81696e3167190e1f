"""The OAuth 2.0 token-endpoint form (RFC 6749 §4.3.2 and §6): one struct per grant, the one source of what the
edge reads and what the OpenAPI document publishes.

msgspec decodes a union of structs only by a tag field that every member carries, and a form without
`grant_type` is a password grant here, so the form arrives whole (`TokenRequest`) and the grant is read from it
by the struct its `grant_type` names. The document shows the same structs, as a `oneOf`.
"""

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Annotated, Any, Literal

import msgspec
from litestar.openapi.spec import Schema
from litestar.plugins import OpenAPISchemaPlugin
from litestar.typing import FieldDefinition
from msgspec import UNSET, Meta, UnsetType

from referrals.api.oauth_errors import TokenRequestRefused
from referrals.api.schemas import MAX_OPAQUE_TOKEN_LENGTH, FieldError
from referrals.domain.emails import MAX_EMAIL_LENGTH
from referrals.domain.passwords import MAX_PASSWORD_LENGTH

DEFAULT_GRANT_TYPE = "password"
# Where msgspec says a validation error is: "... - at `$.username`".
_AT_FIELD = re.compile(r"at `\$\.(?P<field>[^`]+)`")

Scope = Annotated[str, Meta(max_length=1024, description="Accepted and ignored: access tokens carry no scope.")]
ClientId = Annotated[str, Meta(max_length=256, description="Accepted and ignored: clients are not registered.")]
ClientSecret = Annotated[str, Meta(max_length=256, description="Accepted and ignored.")]


class PasswordGrant(msgspec.Struct, frozen=True):
    """Resource owner password credentials (RFC 6749 §4.3.2)."""

    username: Annotated[str, Meta(min_length=1, max_length=MAX_EMAIL_LENGTH, description="The email.")]
    password: Annotated[str, Meta(min_length=1, max_length=MAX_PASSWORD_LENGTH)]
    grant_type: (
        Annotated[
            Literal["password"], Meta(description="May be left out: a form without `grant_type` is a password grant.")
        ]
        | UnsetType
    ) = UNSET
    scope: Scope | UnsetType = UNSET
    client_id: ClientId | UnsetType = UNSET
    client_secret: ClientSecret | UnsetType = UNSET


class RefreshTokenGrant(msgspec.Struct, frozen=True):
    """A refresh token for a new pair (RFC 6749 §6); the presented token dies, and presenting it again revokes
    its chain."""

    grant_type: Literal["refresh_token"]
    refresh_token: Annotated[str, Meta(min_length=1, max_length=MAX_OPAQUE_TOKEN_LENGTH)]
    scope: Scope | UnsetType = UNSET
    client_id: ClientId | UnsetType = UNSET
    client_secret: ClientSecret | UnsetType = UNSET


TokenGrant = PasswordGrant | RefreshTokenGrant
GRANTS: dict[str, type[TokenGrant]] = {"password": PasswordGrant, "refresh_token": RefreshTokenGrant}


class TokenRequest:
    """The token endpoint's form as it was sent; ``grant()`` reads it as the grant it names."""

    __slots__ = ("_fields",)

    def __init__(self, fields: Mapping[str, object]) -> None:
        self._fields = fields

    def grant(self) -> TokenGrant:
        """The grant, or ``TokenRequestRefused`` naming every parameter that is repeated, missing or malformed."""
        if repeated := [name for name, value in self._fields.items() if not isinstance(value, str)]:
            raise TokenRequestRefused(
                "invalid_request",
                "Each parameter may be sent only once.",
                [FieldError(message="sent more than once", key=name, source="body") for name in repeated],
            )
        grant_type = self._fields.get("grant_type", DEFAULT_GRANT_TYPE)
        grant = GRANTS.get(str(grant_type))
        if grant is None:
            message = f"expected one of {', '.join(GRANTS)}"
            raise TokenRequestRefused(
                "unsupported_grant_type",
                "This server supports the password and refresh_token grants.",
                [FieldError(message=message, key="grant_type", source="body")],
            )
        required = [field.encode_name for field in msgspec.structs.fields(grant) if field.required]
        needed = [name for name in required if name != "grant_type"]
        if missing := [name for name in needed if not self._fields.get(name)]:
            message = f"required for the {grant_type} grant"
            raise TokenRequestRefused(
                "invalid_request",
                f"The {grant_type} grant needs {' and '.join(needed)}.",
                [FieldError(message=message, key=name, source="body") for name in missing],
            )
        try:
            return msgspec.convert({"grant_type": grant_type, **self._fields}, grant)
        except msgspec.ValidationError as error:
            at = _AT_FIELD.search(str(error))
            key = at["field"] if at else None
            raise TokenRequestRefused(
                "invalid_request",
                "A parameter does not match the documented schema.",
                [FieldError(message=str(error), key=key, source="body")],
            ) from error


def decode_token_request(_type: type[Any], value: Any) -> TokenRequest:
    """Litestar's decoder for the parsed form: a mapping of each name to its value, or to a list when repeated."""
    if not isinstance(value, Mapping):
        raise TypeError("the token request is a form")
    return TokenRequest(value)


def is_token_request(annotation: Any) -> bool:
    return annotation is TokenRequest


class TokenRequestSchemaPlugin(OpenAPISchemaPlugin):
    """Publishes `TokenRequest` as the grants it can be: a `oneOf` of their structs' own schemas."""

    @staticmethod
    def is_plugin_supported_type(value: Any) -> bool:
        return is_token_request(value)

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: Any) -> Schema:  # noqa: ARG002
        references = [
            schema_creator.for_field_definition(FieldDefinition.from_annotation(grant)) for grant in GRANTS.values()
        ]
        for reference in references:
            _inline_single_alternatives(schema_creator.schema_registry.from_reference(reference).schema)
        return Schema(one_of=references)


def _inline_single_alternatives(schema: Schema) -> None:
    """Litestar publishes an optional field (``X | UnsetType``) as a `oneOf` of X alone; say X itself, as
    generators and linters expect of a field that is simply optional."""
    for name, field in (schema.properties or {}).items():
        if isinstance(field, Schema) and field.one_of is not None and len(field.one_of) == 1:
            (only,) = field.one_of
            if isinstance(only, Schema):
                schema.properties[name] = replace(field, one_of=None, type=only.type, const=only.const)  # type: ignore[index]
