"""Operator routes over HTTP: API keys with scopes, refused as RFC 6750 says, and revocation that takes."""

from datetime import timedelta

import pytest
from httpx import AsyncClient
from litestar import Litestar

from referrals.api.injection import container_of
from referrals.application.use_cases.revoke_api_key import RevokeApiKey
from referrals.bootstrap.config import Settings
from referrals.domain.api_keys import Scope, new_api_key
from tests.api.conftest import Api, assert_problem
from tests.conftest import MutableClock, make_settings
from tests.operator_keys import issue_api_key, key_headers

FEED = "/admin/events"


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Operator access does not touch the code cache: one cache configuration is enough."""
    return make_settings(database_url)


async def revoke(app: Litestar, id_or_name: str) -> None:
    async with container_of(app)() as request_scope:
        await (await request_scope.get(RevokeApiKey))(id_or_name)


async def test_a_key_with_the_scope_reads_the_feed(app: Litestar, client: AsyncClient) -> None:
    key = await issue_api_key(app, Scope.REFERRALS_READ)

    response = await client.get(FEED, headers=key_headers(key))

    assert response.status_code == 200, response.text
    assert set(response.json()) == {"items", "next_after"}


async def test_no_credentials_is_401_with_the_bearer_challenge(client: AsyncClient) -> None:
    response = await client.get(FEED)

    assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_an_unknown_key_is_401(client: AsyncClient) -> None:
    response = await client.get(FEED, headers=key_headers(new_api_key()))

    assert_problem(response, 401, "invalid-api-key")
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_a_key_without_the_scope_is_403_naming_it(app: Litestar, client: AsyncClient) -> None:
    key = await issue_api_key(app, Scope.EVENTS_WRITE, Scope.WEBHOOKS_MANAGE)

    response = await client.get(FEED, headers=key_headers(key))

    assert_problem(response, 403, "insufficient-scope")
    assert response.headers["www-authenticate"] == 'Bearer error="insufficient_scope", scope="referrals:read"'


async def test_a_users_access_token_on_an_operator_route_is_403(api: Api, client: AsyncClient) -> None:
    account = await api.account("operator-wannabe@example.com")

    response = await client.get(FEED, headers=account.headers)

    assert_problem(response, 403, "insufficient-scope")
    assert response.headers["www-authenticate"] == 'Bearer error="insufficient_scope", scope="referrals:read"'


async def test_an_api_key_is_not_a_users_access_token(app: Litestar, client: AsyncClient) -> None:
    key = await issue_api_key(app, *Scope)

    response = await client.get("/users/me", headers=key_headers(key))

    assert_problem(response, 401)


async def test_a_revoked_key_is_refused_within_a_second(
    app: Litestar, client: AsyncClient, clock: MutableClock
) -> None:
    key = await issue_api_key(app, Scope.REFERRALS_READ, name="reporting")
    assert (await client.get(FEED, headers=key_headers(key))).status_code == 200

    await revoke(app, "reporting")
    clock.current += timedelta(seconds=1)
    response = await client.get(FEED, headers=key_headers(key))

    assert_problem(response, 401, "invalid-api-key")


async def test_a_revoked_key_is_refused_by_a_process_that_never_cached_it(app: Litestar, client: AsyncClient) -> None:
    key = await issue_api_key(app, Scope.REFERRALS_READ, name="nightly")

    await revoke(app, "nightly")
    response = await client.get(FEED, headers=key_headers(key))

    assert_problem(response, 401, "invalid-api-key")


async def test_the_operator_scheme_is_published_and_declared(client: AsyncClient) -> None:
    document = (await client.get("/docs/openapi.json")).json()

    scheme = document["components"]["securitySchemes"]["ApiKey"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert document["paths"][FEED]["get"]["security"] == [{"ApiKey": []}]
