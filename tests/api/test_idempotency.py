"""Idempotency-Key over HTTP, on both databases: replays, reuse with another request, a request still in
flight, five identical requests at once, answers that are not kept (5xx), and whose key it is."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from dishka import Provider, Scope
from httpx import AsyncClient, Response
from litestar import Litestar
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from referrals.adapters.persistence.tables import events, referral_codes, users
from referrals.application.ports.accounts import PasswordHasher
from referrals.bootstrap.app import create_app
from referrals.domain.api_keys import Scope as KeyScope
from tests.api.conftest import PASSWORD, Account, Api, assert_problem, serving
from tests.conftest import make_settings
from tests.operator_keys import issue_api_key, key_headers

REPLAYED = "idempotent-replayed"


class GatedHasher:
    """Hashes once let through, so a test can hold a registration in the middle of its work; or fails once."""

    def __init__(self) -> None:
        self.entered = asyncio.Event()
        self.gate = asyncio.Event()
        self.gate.set()
        self.fail_next = False

    async def hash(self, password: str) -> str:
        self.entered.set()
        await self.gate.wait()
        if self.fail_next:
            self.fail_next = False
            msg = "the hasher broke"
            raise RuntimeError(msg)
        return f"hashed:{password}"

    async def verify(self, password_hash: str | None, password: str) -> bool:
        return password_hash == f"hashed:{password}"

    def needs_rehash(self, password_hash: str) -> bool:
        del password_hash
        return False


@pytest.fixture
def hasher() -> GatedHasher:
    return GatedHasher()


@pytest.fixture
async def app(database_url: str, hasher: GatedHasher) -> Litestar:
    provider = Provider(scope=Scope.APP)
    provider.provide(lambda: hasher, provides=PasswordHasher)
    return create_app(make_settings(database_url), provider)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncClient]:
    async with serving(app) as http_client:
        yield http_client


def keyed(key: str, headers: dict[str, str] | None = None) -> dict[str, str]:
    return {**(headers or {}), "Idempotency-Key": key}


async def count(database_url: str, query: Any) -> int:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            return int((await connection.execute(query)).scalar_one())
    finally:
        await engine.dispose()


def expiry() -> str:
    return (datetime.now(UTC) + timedelta(days=30)).isoformat()


async def create_code(client: AsyncClient, account: Account, key: str, expires_at: str) -> Response:
    return await client.post(
        "/referral-code/create", json={"expires_at": expires_at}, headers=keyed(key, account.headers)
    )


async def test_a_retry_with_the_same_key_is_answered_as_the_first_was_and_done_once(
    api: Api, client: AsyncClient, database_url: str
) -> None:
    ada = await api.account("ada@example.com")
    expires_at = expiry()

    first = await create_code(client, ada, "create-1", expires_at)
    again = await create_code(client, ada, "create-1", expires_at)

    assert first.status_code == 201
    assert REPLAYED not in first.headers
    assert again.status_code == 201
    assert again.headers[REPLAYED] == "true"
    assert again.content == first.content
    assert await count(database_url, select(func.count()).select_from(referral_codes)) == 1


async def test_the_same_key_with_another_request_is_refused(api: Api, client: AsyncClient) -> None:
    ada = await api.account("ada@example.com")
    await create_code(client, ada, "create-1", expiry())

    reused = await create_code(client, ada, "create-1", (datetime.now(UTC) + timedelta(days=3)).isoformat())

    assert_problem(reused, 422, "idempotency-key-reused")


async def test_a_refusal_is_kept_and_replayed_even_once_the_request_would_succeed(
    api: Api, client: AsyncClient
) -> None:
    ada = await api.account("ada@example.com")
    await api.create_code(ada)
    expires_at = expiry()
    refused = await create_code(client, ada, "create-2", expires_at)
    assert (await client.delete("/referral-code/delete", headers=ada.headers)).status_code == 204

    again = await create_code(client, ada, "create-2", expires_at)

    assert_problem(refused, 409, "active-code-exists")
    assert again.status_code == 409
    assert again.headers[REPLAYED] == "true"
    assert again.content == refused.content


async def test_a_key_belongs_to_its_caller(api: Api, client: AsyncClient, database_url: str) -> None:
    ada = await api.account("ada@example.com")
    bob = await api.account("bob@example.com")
    expires_at = expiry()

    for_ada = await create_code(client, ada, "mine", expires_at)
    for_bob = await create_code(client, bob, "mine", expires_at)

    assert for_ada.status_code == for_bob.status_code == 201
    assert REPLAYED not in for_bob.headers
    assert for_ada.json()["code"] != for_bob.json()["code"]
    assert await count(database_url, select(func.count()).select_from(referral_codes)) == 2


async def register(client: AsyncClient, email: str, key: str) -> Response:
    return await client.post("/auth/register", json={"email": email, "password": PASSWORD}, headers=keyed(key))


async def test_the_same_key_while_the_first_request_runs_is_a_409_to_retry(
    client: AsyncClient, hasher: GatedHasher, database_url: str
) -> None:
    hasher.gate.clear()
    first = asyncio.create_task(register(client, "ada@example.com", "signup"))
    await hasher.entered.wait()

    while_running = await register(client, "ada@example.com", "signup")
    hasher.gate.set()
    answered = await first
    after = await register(client, "ada@example.com", "signup")

    assert_problem(while_running, 409, "idempotency-key-in-flight")
    assert int(while_running.headers["retry-after"]) >= 1
    assert answered.status_code == 201
    assert after.status_code == 201
    assert after.headers[REPLAYED] == "true"
    assert after.json() == answered.json()
    assert await count(database_url, select(func.count()).select_from(users)) == 1


async def test_five_identical_requests_at_once_create_one_thing(client: AsyncClient, database_url: str) -> None:
    answers = await asyncio.gather(*(register(client, "ada@example.com", "signup") for _ in range(5)))

    created = [answer for answer in answers if answer.status_code == 201]
    assert {answer.status_code for answer in answers} <= {201, 409}
    assert created
    assert len({answer.content for answer in created}) == 1
    assert sum(REPLAYED not in answer.headers for answer in created) == 1
    for answer in answers:
        if answer.status_code == 409:
            assert_problem(answer, 409, "idempotency-key-in-flight")
    assert await count(database_url, select(func.count()).select_from(users)) == 1


async def test_a_5xx_is_not_kept_so_the_retry_runs_again(
    client: AsyncClient, hasher: GatedHasher, database_url: str
) -> None:
    hasher.fail_next = True
    failed = await register(client, "ada@example.com", "signup")

    retried = await register(client, "ada@example.com", "signup")

    assert failed.status_code == 500
    assert retried.status_code == 201
    assert REPLAYED not in retried.headers
    assert await count(database_url, select(func.count()).select_from(users)) == 1


async def test_anonymous_callers_with_one_key_but_other_requests_do_not_collide(client: AsyncClient) -> None:
    ada = await register(client, "ada@example.com", "signup")
    bob = await register(client, "bob@example.com", "signup")

    assert ada.status_code == bob.status_code == 201
    assert ada.json()["email"] != bob.json()["email"]


@pytest.mark.parametrize("key", ["", "k" * 256, "tab\tinside", "ключ"])
async def test_a_key_that_is_not_1_to_255_printable_ascii_characters_is_a_400(client: AsyncClient, key: str) -> None:
    response = await client.post(
        "/auth/register",
        json={"email": "ada@example.com", "password": PASSWORD},
        headers=[(b"Idempotency-Key", key.encode())],
    )

    assert response.status_code == 400


async def test_an_operator_s_conversion_retried_with_its_key_is_replayed(api: Api, app: Litestar) -> None:
    key = await issue_api_key(app, KeyScope.EVENTS_WRITE)
    ada = await api.account("ada@example.com")
    conversion = {"id": "ord_1", "user_id": ada.id, "type": "purchase"}

    first = await api.client.post("/conversions", json=conversion, headers=keyed("ord_1", key_headers(key)))
    again = await api.client.post("/conversions", json=conversion, headers=keyed("ord_1", key_headers(key)))

    assert first.status_code == again.status_code == 201
    assert again.headers[REPLAYED] == "true"
    assert again.content == first.content


async def test_copies_of_a_request_that_two_processes_run_at_once_are_done_once(database_url: str) -> None:
    # Each app holds its own keys in flight, as two processes do: only the database settles their copies.
    one, other = create_app(make_settings(database_url)), create_app(make_settings(database_url))
    async with serving(one) as first, serving(other) as second:
        answers = await asyncio.gather(
            *(register(client, "ada@example.com", "signup") for client in (first, second, first, second))
        )

    created = [answer for answer in answers if answer.status_code == 201]
    assert {answer.status_code for answer in answers} <= {201, 409}
    assert len(created) >= 2
    assert len({answer.content for answer in created}) == 1
    assert sum(REPLAYED not in answer.headers for answer in created) == 1
    assert await count(database_url, select(func.count()).select_from(users)) == 1


async def test_a_retry_records_no_second_event_of_the_work_it_rolls_back(
    api: Api, client: AsyncClient, database_url: str
) -> None:
    ada = await api.account("ada@example.com")
    expires_at = expiry()
    created = select(func.count()).select_from(events).where(events.c.type == "code.created")
    before = await count(database_url, created)  # the feed is kept across tests: its ids are never reused
    await create_code(client, ada, "create-1", expires_at)

    again = await create_code(client, ada, "create-1", expires_at)

    assert again.headers[REPLAYED] == "true"
    assert await count(database_url, created) == before + 1


async def test_a_retry_whose_work_is_refused_now_is_answered_with_the_first_answer(
    client: AsyncClient, database_url: str
) -> None:
    first = await register(client, "ada@example.com", "signup")

    # Run again, the registration would be refused (the email is taken): the kept answer is given instead.
    again = await register(client, "ada@example.com", "signup")
    plain = await client.post("/auth/register", json={"email": "ada@example.com", "password": PASSWORD})

    assert plain.status_code == 409
    assert again.status_code == 201
    assert again.headers[REPLAYED] == "true"
    assert again.content == first.content
    assert await count(database_url, select(func.count()).select_from(users)) == 1
