"""The token endpoint answers its errors as RFC 6749 §5.2 says, and as a problem document too."""

from typing import Any

import pytest
from httpx import Response

from tests.api.conftest import PASSWORD, Api, assert_problem


def assert_token_error(response: Response, error: str, code: str | None = None, status: int = 400) -> dict[str, Any]:
    problem = assert_problem(response, status, code)
    assert problem["error"] == error
    assert problem.get("error_description") == problem.get("detail")
    # RFC 6749 §5.2: error_description is printable ASCII without '"' and '\'.
    description = problem.get("error_description", "")
    assert all(0x20 <= ord(character) <= 0x7E and character not in '"\\' for character in description)
    return problem


async def test_a_wrong_password_is_an_invalid_grant(api: Api) -> None:
    await api.register("ada@example.com")

    assert_token_error(await api.login("ada@example.com", "not the password"), "invalid_grant", "invalid-credentials")


async def test_an_unknown_email_is_the_same_invalid_grant(api: Api) -> None:
    await api.register("ada@example.com")

    wrong_password = await api.login("ada@example.com", "not the password")
    unknown_email = await api.login("nobody@example.com")

    assert_token_error(unknown_email, "invalid_grant", "invalid-credentials")
    assert unknown_email.json() == wrong_password.json()


async def test_a_replayed_refresh_token_is_an_invalid_grant(api: Api) -> None:
    account = await api.account("ada@example.com")
    form = {"grant_type": "refresh_token", "refresh_token": account.refresh_token}

    assert (await api.client.post("/auth/login", data=form)).status_code == 200
    assert_token_error(await api.client.post("/auth/login", data=form), "invalid_grant", "invalid-refresh-token")


async def test_an_unknown_grant_type_is_unsupported(api: Api) -> None:
    problem = assert_token_error(
        await api.client.post("/auth/login", data={"grant_type": "client_credentials"}), "unsupported_grant_type"
    )

    assert [error["key"] for error in problem["errors"]] == ["grant_type"]


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"username": "ada@example.com"}, "password"),
        ({"grant_type": "refresh_token"}, "refresh_token"),
        ({"username": "a" * 255 + "@example.com", "password": PASSWORD}, "username"),
        ({"username": "ada@example.com", "password": PASSWORD, "scope": "s" * 1025}, "scope"),
    ],
)
async def test_a_missing_or_malformed_parameter_is_an_invalid_request(
    api: Api, form: dict[str, str], field: str
) -> None:
    problem = assert_token_error(await api.client.post("/auth/login", data=form), "invalid_request")

    assert field in {error["key"] for error in problem["errors"]}


async def test_a_repeated_parameter_is_an_invalid_request(api: Api) -> None:
    await api.register("ada@example.com")
    body = f"username=ada%40example.com&password={PASSWORD}&password=other".replace(" ", "+")

    response = await api.client.post(
        "/auth/login", content=body, headers={"content-type": "application/x-www-form-urlencoded"}
    )

    problem = assert_token_error(response, "invalid_request")
    assert [error["key"] for error in problem["errors"]] == ["password"]


async def test_a_body_that_is_no_form_is_an_invalid_request(api: Api) -> None:
    response = await api.client.post("/auth/login", content=b"{}", headers={"content-type": "application/json"})

    assert_token_error(response, "invalid_request", status=415)


async def test_a_body_too_large_is_an_invalid_request(api: Api) -> None:
    body = b"username=" + b"a" * (2 << 20)

    response = await api.client.post(
        "/auth/login", content=body, headers={"content-type": "application/x-www-form-urlencoded"}
    )

    assert_token_error(response, "invalid_request", status=413)


async def test_scope_and_client_credentials_are_accepted_and_ignored(api: Api) -> None:
    await api.register("ada@example.com")

    response = await api.login("ada@example.com", scope="profile", client_id="app", client_secret="s3cret")

    assert response.status_code == 200


async def test_the_json_refresh_route_keeps_plain_problems(api: Api) -> None:
    response = await api.client.post("/auth/refresh", json={"refresh_token": "made-up"})

    problem = assert_problem(response, 401, "invalid-refresh-token")
    assert "error" not in problem
