"""Health, readiness, request ids and metrics: what operators and load balancers rely on."""

import logging
import re
import socket
from collections.abc import AsyncIterator

import pytest
from httpx import AsyncClient

from referrals.bootstrap.app import create_app
from tests.api.conftest import Api, assert_problem, serving
from tests.conftest import make_settings


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def without_database(sqlite_url: str) -> AsyncIterator[AsyncClient]:
    settings = make_settings(
        f"postgresql+asyncpg://nobody@127.0.0.1:{closed_port()}/nothing", db_connect_timeout=0.5, db_pool_timeout=0.5
    )
    async with serving(create_app(settings)) as client:
        yield client


async def test_ready_reports_the_database_and_the_cache(api: Api) -> None:
    response = await api.client.get("/ready")

    assert response.status_code == 200
    assert response.json() == {"status": "ready", "database": "ok", "cache": "ok"}


async def test_ready_reports_a_dead_cache_as_degraded_not_down(database_url: str) -> None:
    settings = make_settings(database_url, valkey_url=f"redis://127.0.0.1:{closed_port()}/0")
    async with serving(create_app(settings)) as client:
        response = await client.get("/ready")

    assert response.status_code == 200
    assert response.json()["cache"] == "degraded"


async def test_without_the_database_ready_is_503_and_health_is_200(without_database: AsyncClient) -> None:
    ready = await without_database.get("/ready")
    health = await without_database.get("/health")

    problem = assert_problem(ready, 503)
    assert "database" in problem["detail"]
    assert ready.headers["retry-after"] == "5"
    assert health.status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/referral-code/ada@example.com", None),
        ("POST", "/auth/register", {"email": "ada@example.com", "password": "correct horse"}),
    ],
)
async def test_without_the_database_requests_get_a_503_to_retry(
    without_database: AsyncClient, method: str, path: str, body: object
) -> None:
    response = await without_database.request(method, path, json=body)

    assert_problem(response, 503)
    assert int(response.headers["retry-after"]) > 0
    assert (response.headers["x-content-type-options"], response.headers["cache-control"]) == ("nosniff", "no-store")


async def test_every_response_carries_a_request_id(api: Api) -> None:
    ok = await api.client.get("/health")
    missing = await api.client.get("/no/such/route")
    refused = await api.client.get("/users/me")

    ids = [response.headers["x-request-id"] for response in (ok, missing, refused)]
    assert all(re.fullmatch(r"[0-9a-f]{32}", request_id) for request_id in ids)
    assert len(set(ids)) == 3


async def test_a_plain_request_id_from_the_caller_is_kept(api: Api) -> None:
    response = await api.client.get("/health", headers={"X-Request-ID": "edge-42.abc"})

    assert response.headers["x-request-id"] == "edge-42.abc"


@pytest.mark.parametrize("unfit", ["x" * 65, "has space", "new\\nline", "<script>"])
async def test_an_unfit_request_id_is_replaced(api: Api, unfit: str) -> None:
    response = await api.client.get("/health", headers={"X-Request-ID": unfit})

    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])


async def test_log_lines_of_a_request_carry_its_id(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="referrals.access")

    response = await api.client.get("/referral-code/ada@example.com", headers={"X-Request-ID": "trace-me"})

    access = [record for record in caplog.records if record.name == "referrals.access"]
    assert response.status_code == 404
    # request_id, status and route are set through the access log's extra=, unknown to LogRecord's type.
    assert [(record.request_id, record.status, record.route) for record in access] == [  # type: ignore[attr-defined]
        ("trace-me", 404, "/referral-code/{email}")
    ]
    assert "ada@example.com" not in caplog.text


async def test_metrics_count_requests_by_route_template_and_cache_results(api: Api) -> None:
    ada = await api.account("ada@example.com")
    await api.create_code(ada)
    for _ in range(3):
        await api.code_of("ada@example.com")

    metrics = (await api.client.get("/metrics")).text

    assert re.search(r'referrals_http_requests_total\{.*path="/referral-code/\{email\}".*\} [1-9]', metrics)
    assert "ada@example.com" not in metrics
    assert re.search(r'referrals_code_cache_lookups_total\{backend="\w+",result="hit"\} [1-9]', metrics)
    assert "referrals_db_pool_checked_out" in metrics


async def test_every_response_carries_the_security_headers(api: Api) -> None:
    account = await api.account("ada@example.com")
    json_body, unknown_media_type = {"Content-Type": "application/json"}, {"Content-Type": "a/b"}
    answers = {
        "health": (await api.client.get("/health"), 200),
        "registration": (await api.register("bob@example.com"), 201),
        "token": (await api.login("bob@example.com"), 200),
        "refreshed token": (await api.client.post("/auth/refresh", json={"refresh_token": account.refresh_token}), 200),
        "account": (await api.client.get("/users/me", headers=account.headers), 200),
        "metrics": (await api.client.get("/metrics"), 200),
        "off the schema": (await api.client.post("/auth/register", json={}), 400),
        "no token": (await api.client.get("/users/me"), 401),
        "wrong password": (await api.login("bob@example.com", "not the password"), 400),
        "no code": (await api.code_of("x@y.zz"), 404),
        "no route": (await api.client.get("/nowhere"), 404),
        "wrong method": (await api.client.put("/health"), 405),
        "too large": (await api.client.post("/auth/register", content=b"{" * (2 << 20), headers=json_body), 413),
        "wrong media type": (await api.client.post("/auth/register", content=b"x", headers=unknown_media_type), 415),
    }
    docs = [await api.client.get(page) for page in ("/docs", "/docs/redoc", "/docs/openapi.json")]

    for name, (response, status) in answers.items():
        assert response.status_code == status, name
        assert response.headers["x-content-type-options"] == "nosniff", name
        assert response.headers["x-frame-options"] == "DENY", name
        assert response.headers["referrer-policy"] == "no-referrer", name
        assert response.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'", name
        # Tokens, accounts, codes that vanish on delete: no cache, shared or private, may keep an answer.
        assert response.headers["cache-control"] == "no-store", name
    for page in docs:
        assert page.status_code == 200
        assert page.headers["x-content-type-options"] == "nosniff"
        assert "script-src 'self'" in page.headers["content-security-policy"]
