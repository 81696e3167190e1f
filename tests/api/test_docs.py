import re
from typing import Any

import pytest

from referrals.api.schemas import EMAIL_PATTERN, TYPED_CODE_PATTERN
from referrals.domain.emails import MAX_EMAIL_LENGTH
from tests.api.conftest import Api

CONTRACT = {
    ("post", "/auth/register"),
    ("post", "/auth/login"),
    ("post", "/auth/refresh"),
    ("post", "/auth/logout"),
    ("get", "/users/me"),
    ("post", "/referral-code/create"),
    ("delete", "/referral-code/delete"),
    ("get", "/referral-code/{email}"),
    ("post", "/register-with-referral"),
    ("get", "/referrals/{referrer_id}"),
    ("get", "/health"),
}
PROTECTED = {
    ("post", "/auth/logout"),
    ("get", "/users/me"),
    ("post", "/referral-code/create"),
    ("delete", "/referral-code/delete"),
    ("get", "/referrals/{referrer_id}"),
    ("get", "/admin/events"),
    ("get", "/users/me/rewards"),
    ("get", "/referrals/{referrer_id}/stats"),
    ("put", "/program"),
    ("post", "/conversions"),
    ("get", "/admin/referrals"),
    ("post", "/admin/referrals/{referee_id}/void"),
    ("post", "/admin/referrals/{referee_id}/approve"),
    ("get", "/admin/rewards"),
    ("post", "/admin/rewards/{reward_id}/redeem"),
    ("post", "/admin/rewards/{reward_id}/void"),
    ("post", "/admin/webhooks"),
    ("get", "/admin/webhooks"),
    ("get", "/admin/webhooks/{endpoint_id}"),
    ("patch", "/admin/webhooks/{endpoint_id}"),
    ("delete", "/admin/webhooks/{endpoint_id}"),
    ("post", "/admin/webhooks/{endpoint_id}/rotate-secret"),
    ("get", "/admin/webhooks/{endpoint_id}/deliveries"),
    ("post", "/admin/webhooks/{endpoint_id}/deliveries/{delivery_id}/retry"),
}


async def openapi(api: Api) -> dict[str, Any]:
    response = await api.client.get("/docs/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


async def test_swagger_ui_and_redoc_are_served(api: Api) -> None:
    swagger = await api.client.get("/docs")
    redoc = await api.client.get("/docs/redoc")

    assert swagger.status_code == 200
    assert "swagger-ui" in swagger.text.lower()
    assert redoc.status_code == 200
    assert "redoc" in redoc.text.lower()


async def test_the_document_describes_the_whole_contract(api: Api) -> None:
    document = await openapi(api)

    assert document["openapi"].startswith("3.1")
    operations = {(method, path) for path, item in document["paths"].items() for method in item}
    assert operations >= CONTRACT


async def test_authorize_uses_the_password_flow_against_the_login_route(api: Api) -> None:
    schemes = (await openapi(api))["components"]["securitySchemes"]

    assert schemes["OAuth2PasswordBearer"]["flows"]["password"]["tokenUrl"] == "/auth/login"
    assert schemes["BearerToken"] == {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}


async def test_protected_operations_and_only_they_require_a_token(api: Api) -> None:
    document = await openapi(api)

    for path, item in document["paths"].items():
        for method, operation in item.items():
            secured = bool(operation.get("security"))
            assert secured == ((method, path) in PROTECTED), (method, path)
            if secured:
                assert "401" in operation["responses"]
            if {"ApiKey": []} in operation.get("security", []):
                # An operator route refuses a key without its scope, and a user's token, with a 403.
                assert "403" in operation["responses"], (method, path)


async def test_error_responses_are_documented_as_problem_documents(api: Api) -> None:
    document = await openapi(api)

    for path, item in document["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    assert list(response["content"]) == ["application/problem+json"], (method, path, status)


async def test_the_login_form_is_documented_as_a_form(api: Api) -> None:
    login = (await openapi(api))["paths"]["/auth/login"]["post"]

    assert "application/x-www-form-urlencoded" in login["requestBody"]["content"]


async def test_the_docs_pages_load_nothing_from_other_hosts(api: Api) -> None:
    for page in ("/docs", "/docs/redoc"):
        html = (await api.client.get(page)).text
        references = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)

        assert references, page
        assert not [ref for ref in references if re.match(r"(?:https?:)?//", ref)], page
        assert "fonts.googleapis.com" not in html


@pytest.mark.parametrize(
    "asset", ["swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css", "redoc.standalone.js"]
)
async def test_the_docs_assets_are_served_by_the_app(api: Api, asset: str) -> None:
    response = await api.client.get(f"/docs/assets/{asset}")

    assert response.status_code == 200
    assert len(response.content) > 100_000
    assert response.headers["content-type"].split(";")[0] in {"text/javascript", "application/javascript", "text/css"}


async def test_the_docs_get_a_policy_that_lets_them_run_and_the_api_one_that_lets_nothing(api: Api) -> None:
    docs = (await api.client.get("/docs")).headers["content-security-policy"]
    api_answer = (await api.client.get("/health")).headers["content-security-policy"]

    assert "script-src 'self'" in docs
    assert "https:" not in docs
    assert api_answer == "default-src 'none'; frame-ancestors 'none'"


def request_strings(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every string a client sends, by where it goes: parameters, and the properties of request bodies."""
    components = document["components"]["schemas"]
    found: list[tuple[str, dict[str, Any]]] = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            parameters = operation.get("parameters", [])
            found.extend((f"{method} {path} {parameter['name']}", parameter["schema"]) for parameter in parameters)
            for content in operation.get("requestBody", {}).get("content", {}).values():
                # A body is one schema, or one of several (the token endpoint's grants).
                for reference in content["schema"].get("oneOf", [content["schema"]]):
                    body = components[reference["$ref"].rsplit("/", 1)[-1]]
                    found.extend((f"{method} {path} {name}", schema) for name, schema in body["properties"].items())
    return [(where, schema) for where, schema in found if schema.get("type") == "string"]


async def test_every_free_form_string_in_a_request_has_a_maximum_length(api: Api) -> None:
    strings = request_strings(await openapi(api))

    assert len(strings) > 10
    for where, schema in strings:
        # Identifiers and timestamps are bounded by their format, which the edge parses; choices by their enum
        # or const.
        bounded_otherwise = schema.get("format") in {"uuid", "date-time"} or "enum" in schema or "const" in schema
        assert "maxLength" in schema or bounded_otherwise, where


async def test_emails_are_published_with_their_shape_wherever_they_are_taken(api: Api) -> None:
    document = await openapi(api)
    schemas = document["components"]["schemas"]
    lookup = document["paths"]["/referral-code/{email}"]["get"]["parameters"][0]["schema"]

    for email in (schemas["RegisterRequest"]["properties"]["email"], lookup):
        assert email["format"] == "idn-email"
        assert email["pattern"] == EMAIL_PATTERN
        assert email["maxLength"] == MAX_EMAIL_LENGTH
    with_code = schemas["RegisterWithReferralRequest"]["properties"]
    assert with_code["email"] == schemas["RegisterRequest"]["properties"]["email"]


async def test_passwords_codes_and_expiries_are_published_with_their_constraints(api: Api) -> None:
    schemas = (await openapi(api))["components"]["schemas"]

    password = schemas["RegisterRequest"]["properties"]["password"]
    assert (password["minLength"], password["maxLength"], password["format"]) == (8, 128, "password")
    assert schemas["RegisterWithReferralRequest"]["properties"]["referral_code"]["pattern"] == TYPED_CODE_PATTERN
    assert schemas["CreateCodeRequest"]["properties"]["expires_at"]["format"] == "date-time"


async def test_the_token_form_says_which_fields_each_grant_needs(api: Api) -> None:
    document = await openapi(api)
    form = document["paths"]["/auth/login"]["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"]
    schemas = document["components"]["schemas"]
    grants = [schemas[branch["$ref"].rsplit("/", 1)[-1]] for branch in form["schema"]["oneOf"]]

    by_title = {grant["title"]: grant for grant in grants}
    assert set(by_title["PasswordGrant"]["required"]) == {"username", "password"}
    assert set(by_title["RefreshTokenGrant"]["required"]) == {"grant_type", "refresh_token"}
