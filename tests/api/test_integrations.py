"""Registration with Hunter and Clearbit configured, against the loopback fakes of both."""

import time
from collections.abc import AsyncIterator, Iterator

import pytest
from httpx import AsyncClient

from referrals.bootstrap.app import create_app
from tests.api.conftest import PASSWORD, Api, assert_problem, serving
from tests.conftest import make_settings
from tests.fakes.providers import SLOW_SECONDS, FakeProviders, fake_providers

SHORT_BUDGET = 0.5


@pytest.fixture(scope="module")
def providers() -> Iterator[FakeProviders]:
    with fake_providers() as running:
        yield running


async def client_for(sqlite_url: str, providers_url: str, **settings: object) -> AsyncIterator[AsyncClient]:
    values: dict[str, object] = {
        "hunter_api_key": "hunter-key",
        "hunter_base_url": providers_url,
        "clearbit_api_key": "clearbit-key",
        "clearbit_base_url": providers_url,
        # Room for the fake's answer however loaded the machine is; the tests of slowness shorten it.
        "email_verification_budget": 5.0,
    }
    configured = make_settings(sqlite_url, **{**values, **settings})
    async with serving(create_app(configured)) as client:
        yield client


@pytest.fixture
async def api(sqlite_url: str, providers: FakeProviders) -> AsyncIterator[Api]:
    async for client in client_for(sqlite_url, providers.url):
        yield Api(client)


@pytest.fixture
async def strict_api(sqlite_url: str, providers: FakeProviders) -> AsyncIterator[Api]:
    async for client in client_for(
        sqlite_url, providers.url, email_verification_fail_closed=True, email_verification_budget=SHORT_BUDGET
    ):
        yield Api(client)


@pytest.mark.parametrize(
    ("local", "reason"),
    [("disposable", "Disposable email addresses are not accepted."), ("invalid", "cannot receive mail")],
)
async def test_rejected_verdicts_refuse_registration_saying_why(api: Api, local: str, reason: str) -> None:
    problem = assert_problem(await api.register(f"{local}@example.com"), 422, "email-rejected")

    assert reason in problem["detail"]


@pytest.mark.parametrize("local", ["valid", "accept_all", "webmail", "unknown", "queued-valid"])
async def test_other_verdicts_let_the_newcomer_in(api: Api, local: str) -> None:
    assert (await api.register(f"{local}@example.com")).status_code == 201


@pytest.mark.parametrize("local", ["ratelimited", "broken", "garbage"])
async def test_a_failing_verifier_lets_registration_through_by_default(api: Api, local: str) -> None:
    assert (await api.register(f"{local}@example.com")).status_code == 201


@pytest.mark.parametrize("local", ["ratelimited", "broken", "slow"])
async def test_failing_closed_refuses_with_a_503_to_retry(strict_api: Api, local: str) -> None:
    response = await strict_api.register(f"{local}@example.com")

    assert_problem(response, 503, "email-verification-unavailable")
    assert response.headers["retry-after"]


async def test_verification_keeps_to_its_time_budget(sqlite_url: str, providers: FakeProviders) -> None:
    # Enrichment off: this in-process transport waits for background tasks, which a real server does not.
    async for client in client_for(
        sqlite_url, providers.url, clearbit_api_key=None, email_verification_budget=SHORT_BUDGET
    ):
        started = time.perf_counter()
        response = await Api(client).register("slow@example.com")
        elapsed = time.perf_counter() - started

    assert response.status_code == 201
    assert elapsed < SLOW_SECONDS  # it kept to the budget rather than waiting for the answer


async def test_a_taken_email_is_refused_before_the_verifier_is_asked(api: Api, providers: FakeProviders) -> None:
    await api.register("valid@example.com")
    asked = len(providers.state.requests)

    assert_problem(await api.register("valid@example.com"), 409)
    assert len(providers.state.requests) == asked


async def test_the_enriched_profile_shows_on_me(api: Api) -> None:
    account = await api.account("person@example.com")

    me = (await api.client.get("/users/me", headers=account.headers)).json()

    assert me["profile"]["full_name"] == "Ada Lovelace"
    assert me["profile"]["company"] == "Analytical Engines"
    assert me["profile"]["title"] == "Programmer"
    assert me["profile"]["location"] == "London, England, United Kingdom"
    assert me["profile"]["avatar_url"] == "https://images.example/ada.png"
    assert me["profile"]["source"] == "clearbit"
    assert me["profile"]["enriched_at"].endswith("Z")


@pytest.mark.parametrize("local", ["broken", "garbage", "ratelimited", "unknown", "queued"])
async def test_enrichment_failures_never_reach_the_newcomer(api: Api, local: str) -> None:
    registered = await api.register(f"{local}@example.com", PASSWORD)
    account = await api.account(f"{local}+again@example.com")

    assert registered.status_code == 201
    assert (await api.client.get("/users/me", headers=account.headers)).json()["profile"] is None


async def test_without_keys_nothing_is_called(sqlite_url: str, providers: FakeProviders) -> None:
    asked = len(providers.state.requests)
    async with serving(create_app(make_settings(sqlite_url))) as client:
        api = Api(client)
        account = await api.account("disposable@example.com")
        me = (await client.get("/users/me", headers=account.headers)).json()

    assert me["profile"] is None
    assert len(providers.state.requests) == asked
