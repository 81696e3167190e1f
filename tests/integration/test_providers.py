"""The Hunter and Clearbit adapters against real HTTP: every verdict, every failure mode."""

import json
import logging
import socket
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from referrals.adapters.integrations.clearbit import ClearbitProfileEnricher
from referrals.adapters.integrations.hunter import HunterEmailVerifier
from referrals.application.errors import ProviderUnavailable
from referrals.application.ports.accounts import EmailVerdict
from referrals.domain.user import Profile
from tests.fakes.providers import FakeProviders, fake_providers

API_KEY = "hunter-secret-key-123"


@pytest.fixture(scope="module")
def providers() -> Iterator[FakeProviders]:
    with fake_providers() as running:
        yield running


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=1.0) as http:
        yield http


@pytest.fixture
def hunter(providers: FakeProviders, client: httpx.AsyncClient) -> HunterEmailVerifier:
    return HunterEmailVerifier(client, providers.url, API_KEY)


@pytest.fixture
def clearbit(providers: FakeProviders, client: httpx.AsyncClient) -> ClearbitProfileEnricher:
    return ClearbitProfileEnricher(client, providers.url, "clearbit-key")


@pytest.mark.parametrize("verdict", list(EmailVerdict))
async def test_hunter_reports_each_verdict(
    hunter: HunterEmailVerifier, providers: FakeProviders, verdict: EmailVerdict
) -> None:
    assert await hunter.verify(f"{verdict.value}@example.com") == verdict
    assert providers.state.requests[-1].query == {"email": f"{verdict.value}@example.com", "api_key": API_KEY}


async def test_hunter_asks_again_while_still_verifying(hunter: HunterEmailVerifier, providers: FakeProviders) -> None:
    before = len(providers.state.requests)

    assert await hunter.verify("queued-disposable@example.com") == EmailVerdict.DISPOSABLE
    assert len(providers.state.requests) - before == 3


@pytest.mark.parametrize(
    ("local", "says"), [("ratelimited", "429, retry after 30 s"), ("broken", "500"), ("garbage", "not a verification")]
)
async def test_hunter_failures_are_unavailability_without_the_key(
    hunter: HunterEmailVerifier, local: str, says: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    # As the service's logging configuration has it (tests/bootstrap/test_logging.py checks that).
    caplog.set_level(logging.WARNING, logger="httpx")

    with pytest.raises(ProviderUnavailable, match=says) as raised:
        await hunter.verify(f"{local}@example.com")

    assert API_KEY not in str(raised.value)
    assert API_KEY not in caplog.text


async def test_a_slow_hunter_times_out_as_unavailable(hunter: HunterEmailVerifier) -> None:
    with pytest.raises(ProviderUnavailable, match="unreachable"):
        await hunter.verify("slow@example.com")


async def test_an_unreachable_hunter_is_unavailable(client: httpx.AsyncClient) -> None:
    with pytest.raises(ProviderUnavailable, match="unreachable"):
        await HunterEmailVerifier(client, "http://127.0.0.1:9", API_KEY).verify("valid@example.com")


async def test_clearbit_finds_a_person_with_basic_auth(
    clearbit: ClearbitProfileEnricher, providers: FakeProviders
) -> None:
    profile = await clearbit.enrich("person@example.com")

    assert profile == Profile(
        full_name="Ada Lovelace",
        company="Analytical Engines",
        title="Programmer",
        location="London, England, United Kingdom",
        avatar_url="https://images.example/ada.png",
    )
    assert providers.basic_auth_user() == "clearbit-key"
    assert "api_key" not in providers.state.requests[-1].query


@pytest.mark.parametrize("local", ["queued", "unknown"])
async def test_clearbit_not_knowing_or_not_ready_is_no_profile(clearbit: ClearbitProfileEnricher, local: str) -> None:
    assert await clearbit.enrich(f"{local}@example.com") is None


@pytest.mark.parametrize("local", ["ratelimited", "broken", "garbage", "slow"])
async def test_clearbit_failures_are_unavailability(clearbit: ClearbitProfileEnricher, local: str) -> None:
    with pytest.raises(ProviderUnavailable):
        await clearbit.enrich(f"{local}@example.com")


@pytest.mark.parametrize("hang_up", [BrokenPipeError, ConnectionResetError])
def test_the_fake_takes_a_client_that_hung_up_in_its_stride(
    providers: FakeProviders, capsys: pytest.CaptureFixture[str], hang_up: type[OSError]
) -> None:
    with socket.socket() as request:
        try:
            raise hang_up
        except OSError:
            providers.server.handle_error(request, ("127.0.0.1", 50000))

    assert capsys.readouterr().err == ""


def test_the_fake_still_reports_its_own_failures(providers: FakeProviders, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as request:
        try:
            json.loads("{not json")
        except ValueError:
            providers.server.handle_error(request, ("127.0.0.1", 50000))

    reported = capsys.readouterr().err
    assert "Exception occurred during processing of request from ('127.0.0.1', 50000)" in reported
    assert "JSONDecodeError" in reported
