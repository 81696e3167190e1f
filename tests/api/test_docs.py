from typing import Any

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
