import inspect
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from dishka import Provider, Scope
from httpx import ASGITransport, AsyncClient, Response
from litestar import Litestar

from referrals.application.ports.common import Clock
from referrals.bootstrap.app import create_app
from referrals.bootstrap.config import Settings
from tests.conftest import MutableClock

PASSWORD = "correct horse battery"


def clock_provider(clock: MutableClock) -> Provider:
    provider = Provider(scope=Scope.APP)
    provider.provide(lambda: clock, provides=Clock)
    return provider


@pytest.fixture
def app(settings: Settings, clock: MutableClock) -> Litestar:
    return create_app(settings, clock_provider(clock))


@asynccontextmanager
async def serving(app: Litestar) -> AsyncIterator[AsyncClient]:
    """An HTTP client for the app, in this event loop, with the app's startup and shutdown around it.

    Not Litestar's AsyncTestClient: it runs each request to completion in a thread of its own while
    blocking the caller, so requests sent together would never overlap and races would go untested.
    """
    # The hooks, not app.lifespan(): its task group cannot span a fixture's setup and teardown tasks.
    for hook in app.on_startup:
        await run_hook(hook)
    try:
        # Litestar types the scope as TypedDicts, httpx as MutableMapping[str, Any]: the same dicts at run time.
        transport = ASGITransport(app=app)  # type: ignore[arg-type]
        async with AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client
    finally:
        for hook in app.on_shutdown:
            await run_hook(hook)


async def run_hook(hook: Callable[..., Any]) -> None:
    result = hook()
    if inspect.isawaitable(result):
        await result


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncClient]:
    async with serving(app) as http_client:
        yield http_client


@dataclass
class Account:
    id: str
    email: str
    password: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


class Api:
    """The calls the tests make again and again, spelled once."""

    def __init__(self, client: AsyncClient) -> None:
        self.client = client

    async def register(self, email: str, password: str = PASSWORD, referral_code: str | None = None) -> Response:
        if referral_code is None:
            return await self.client.post("/auth/register", json={"email": email, "password": password})
        body = {"email": email, "password": password, "referral_code": referral_code}
        return await self.client.post("/register-with-referral", json=body)

    async def login(self, email: str, password: str = PASSWORD, **extra: str) -> Response:
        return await self.client.post("/auth/login", data={"username": email, "password": password, **extra})

    async def account(self, email: str, password: str = PASSWORD) -> Account:
        registered = await self.register(email, password)
        assert registered.status_code == 201, registered.text
        tokens = (await self.login(email, password)).json()
        return Account(
            id=registered.json()["id"],
            email=registered.json()["email"],
            password=password,
            access_token=tokens["access_token"],
            refresh_token=tokens["refresh_token"],
        )

    async def create_code(self, account: Account, expires_at: datetime | str | None = None) -> Response:
        if expires_at is None:
            expires_at = datetime.now(UTC) + timedelta(days=7)
        value = expires_at if isinstance(expires_at, str) else expires_at.isoformat()
        return await self.client.post("/referral-code/create", json={"expires_at": value}, headers=account.headers)

    async def code_of(self, email: str) -> Response:
        return await self.client.get(f"/referral-code/{email}")


@pytest.fixture
def api(client: AsyncClient) -> Api:
    return Api(client)


def assert_problem(response: Response, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"]
    assert body["type"]
    if code is not None:
        assert body["code"] == code
    return body
