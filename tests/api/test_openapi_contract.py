"""What client generators and linters need from the OpenAPI document, beyond describing the routes."""

from typing import Any

from tests.api.conftest import Api
from tests.api.test_docs import PROTECTED, openapi

OPERATION_IDS = {
    ("post", "/auth/register"): "register",
    ("post", "/auth/login"): "logIn",
    ("post", "/auth/refresh"): "refreshSession",
    ("post", "/auth/logout"): "logOut",
    ("get", "/users/me"): "getCurrentUser",
    ("post", "/referral-code/create"): "createReferralCode",
    ("delete", "/referral-code/delete"): "deleteReferralCode",
    ("get", "/referral-code/{email}"): "findReferralCode",
    ("post", "/register-with-referral"): "registerWithReferral",
    ("get", "/referrals/{referrer_id}"): "listReferrals",
    ("get", "/admin/events"): "listEvents",
    ("get", "/users/me/rewards"): "listMyRewards",
    ("get", "/referrals/{referrer_id}/stats"): "getReferrerStats",
    ("get", "/program"): "getProgramme",
    ("put", "/program"): "setProgramme",
    ("post", "/conversions"): "recordConversion",
    ("get", "/admin/referrals"): "browseReferrals",
    ("post", "/admin/referrals/{referee_id}/void"): "voidReferral",
    ("post", "/admin/referrals/{referee_id}/approve"): "approveReferral",
    ("get", "/admin/rewards"): "browseRewards",
    ("post", "/admin/rewards/{reward_id}/redeem"): "redeemReward",
    ("post", "/admin/rewards/{reward_id}/void"): "voidReward",
    ("post", "/admin/webhooks"): "createWebhook",
    ("get", "/admin/webhooks"): "listWebhooks",
    ("get", "/admin/webhooks/{endpoint_id}"): "getWebhook",
    ("patch", "/admin/webhooks/{endpoint_id}"): "updateWebhook",
    ("delete", "/admin/webhooks/{endpoint_id}"): "deleteWebhook",
    ("post", "/admin/webhooks/{endpoint_id}/rotate-secret"): "rotateWebhookSecret",
    ("get", "/admin/webhooks/{endpoint_id}/deliveries"): "listWebhookDeliveries",
    ("post", "/admin/webhooks/{endpoint_id}/deliveries/{delivery_id}/retry"): "retryWebhookDelivery",
    ("get", "/health"): "checkHealth",
    ("get", "/ready"): "checkReadiness",
}
OPTIONAL_IN_EVERY_GRANT = {"scope", "client_id", "client_secret"}


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method, path, operation) for path, item in document["paths"].items() for method, operation in item.items()]


def schema_of(document: dict[str, Any], reference: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = document["components"]["schemas"][reference["$ref"].rsplit("/", 1)[-1]]
    return schema


async def test_every_operation_has_a_readable_operation_id(api: Api) -> None:
    found = {(method, path): operation["operationId"] for method, path, operation in operations(await openapi(api))}

    assert found == OPERATION_IDS


async def test_every_answer_with_a_body_names_its_schema(api: Api) -> None:
    for method, path, operation in operations(await openapi(api)):
        for status, response in operation["responses"].items():
            for media_type, content in response.get("content", {}).items():
                assert set(content["schema"]) == {"$ref"}, (method, path, status, media_type)


async def test_the_token_endpoint_answers_a_token_response(api: Api) -> None:
    login = (await openapi(api))["paths"]["/auth/login"]["post"]

    assert login["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/TokenResponse"
    }


async def test_readiness_documents_both_answers(api: Api) -> None:
    ready = (await openapi(api))["paths"]["/ready"]["get"]["responses"]

    assert ready["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/ReadinessResponse")
    assert ready["503"]["content"]["application/problem+json"]["schema"]["$ref"].endswith("/Problem")


async def test_token_endpoint_errors_are_rfc_6749_problems_and_other_errors_plain_problems(api: Api) -> None:
    document = await openapi(api)
    token_error = document["components"]["schemas"]["TokenErrorProblem"]

    assert {"error", "type", "title", "status"} <= set(token_error["required"])
    assert set(token_error["properties"]["error"]["enum"]) >= {
        "invalid_request",
        "invalid_client",
        "invalid_grant",
        "unsupported_grant_type",
        "invalid_scope",
    }
    for method, path, operation in operations(document):
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                expected = "TokenErrorProblem" if path == "/auth/login" else "Problem"
                schema = response["content"]["application/problem+json"]["schema"]
                assert schema["$ref"].endswith(f"/{expected}"), (method, path, status)


async def test_public_operations_say_so(api: Api) -> None:
    for method, path, operation in operations(await openapi(api)):
        if (method, path) not in PROTECTED:
            assert operation["security"] == [], (method, path)


async def test_every_tag_is_declared_with_a_description(api: Api) -> None:
    document = await openapi(api)
    declared = {tag["name"]: tag.get("description") for tag in document["tags"]}

    used = {tag for _method, _path, operation in operations(document) for tag in operation["tags"]}
    assert used == set(declared)
    assert all(declared.values())


async def test_the_document_names_a_contact_and_a_license(api: Api) -> None:
    info = (await openapi(api))["info"]

    assert info["contact"]["name"]
    assert info["license"]["name"]


async def test_each_grant_types_its_fields_without_fake_defaults(api: Api) -> None:
    document = await openapi(api)
    body = document["paths"]["/auth/login"]["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"]
    grants = [schema_of(document, branch) for branch in body["schema"]["oneOf"]]

    assert {grant["title"] for grant in grants} == {"PasswordGrant", "RefreshTokenGrant"}
    for grant in grants:
        assert set(grant["properties"]) - set(grant["required"]) >= OPTIONAL_IN_EVERY_GRANT
        for name, field in grant["properties"].items():
            assert field.get("default") != "", name
            assert field["type"] == "string", name
            if name != "grant_type":
                assert "maxLength" in field, name
    by_title = {grant["title"]: grant for grant in grants}
    assert set(by_title["PasswordGrant"]["required"]) == {"username", "password"}
    assert set(by_title["RefreshTokenGrant"]["required"]) == {"grant_type", "refresh_token"}
