"""GET /admin/events: committed events after a cursor, oldest first, filtered by type, data served verbatim."""

from typing import Any

import pytest
from httpx import AsyncClient
from litestar import Litestar
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from referrals.adapters.persistence.tables import events
from referrals.bootstrap.config import Settings
from referrals.domain.api_keys import Scope
from tests.api.conftest import Account, Api, assert_problem
from tests.conftest import make_settings
from tests.operator_keys import issue_api_key, key_headers

FEED = "/admin/events"


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Operator access does not touch the code cache: one cache configuration is enough."""
    return make_settings(database_url)


async def stored_data(database_url: str, after: int = 0) -> dict[int, str]:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = (await connection.execute(select(events.c.id, events.c.data).where(events.c.id > after))).all()
    finally:
        await engine.dispose()
    return {row.id: row.data for row in rows}


async def last_event_id(database_url: str) -> int:
    """Where this test's events begin: the PostgreSQL database keeps the events of earlier tests."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            return int((await connection.execute(select(func.coalesce(func.max(events.c.id), 0)))).scalar_one())
    finally:
        await engine.dispose()


class Feed:
    def __init__(self, client: AsyncClient, key: str) -> None:
        self.client = client
        self.headers = key_headers(key)

    async def page(self, **params: Any) -> dict[str, Any]:
        response = await self.client.get(FEED, params=params, headers=self.headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture
async def feed(app: Litestar, client: AsyncClient) -> Feed:
    return Feed(client, await issue_api_key(app, Scope.REFERRALS_READ))


async def code_history(api: Api, account: Account, codes: int) -> list[str]:
    """``codes`` codes created and deleted in turn: 2 * codes events, in this order."""
    created = []
    for _ in range(codes):
        response = await api.create_code(account)
        assert response.status_code == 201, response.text
        created.append(response.json()["code"])
        assert (await api.client.delete("/referral-code/delete", headers=account.headers)).status_code == 204
    return created


async def test_code_created_carries_the_code_the_api_returned(api: Api, feed: Feed, database_url: str) -> None:
    start = await last_event_id(database_url)
    account = await api.account("ada@example.com")
    created = (await api.create_code(account)).json()

    page = await feed.page(after=start, type="code.created")

    (event,) = page["items"]
    assert event["type"] == "code.created"
    data = event["data"]
    assert data["code"] == created["code"]
    assert data["expires_at"] == created["expires_at"]
    assert data["created_at"] == created["created_at"]
    assert data["owner_id"] == account.id
    assert data["state"] == "active"
    assert data["ended_at"] is None
    assert page["next_after"] == event["id"]


async def test_data_is_served_as_it_was_stored(api: Api, feed: Feed, client: AsyncClient, database_url: str) -> None:
    start = await last_event_id(database_url)
    await code_history(api, await api.account("ada@example.com"), 1)

    response = await client.get(FEED, params={"after": start}, headers=feed.headers)

    stored = await stored_data(database_url, start)
    assert len(stored) == 2
    for event_id, document in stored.items():
        assert f'"id":{event_id},' in response.text
        assert f'"data":{document}' in response.text


async def test_pages_follow_each_other_oldest_first(api: Api, feed: Feed, database_url: str) -> None:
    start = await last_event_id(database_url)
    codes = await code_history(api, await api.account("ada@example.com"), 3)

    seen: list[dict[str, Any]] = []
    cursor = start
    for _ in range(4):
        page = await feed.page(after=cursor, limit=2)
        assert len(page["items"]) <= 2
        seen += page["items"]
        cursor = page["next_after"]
    last = await feed.page(after=cursor)

    assert [event["type"] for event in seen] == ["code.created", "code.deleted"] * 3
    assert [event["data"]["code"] for event in seen] == [code for code in codes for _ in range(2)]
    ids = [event["id"] for event in seen]
    assert ids == sorted(ids)
    assert len(set(ids)) == 6
    assert last == {"items": [], "next_after": cursor}
    assert cursor == ids[-1]


async def test_the_default_cursor_is_the_beginning(api: Api, feed: Feed) -> None:
    await code_history(api, await api.account("ada@example.com"), 1)

    page = await feed.page(limit=1)

    (event,) = page["items"]
    assert event["id"] >= 1
    assert page["next_after"] == event["id"]


async def test_types_filter_and_repeat(api: Api, feed: Feed, database_url: str) -> None:
    start = await last_event_id(database_url)
    await code_history(api, await api.account("ada@example.com"), 2)

    deleted = await feed.page(after=start, type="code.deleted")
    both = await feed.page(after=start, type=["code.deleted", "code.created"])
    none = await feed.page(after=start, type="referral.created")

    assert [event["type"] for event in deleted["items"]] == ["code.deleted"] * 2
    assert [event["type"] for event in both["items"]] == ["code.created", "code.deleted"] * 2
    assert none == {"items": [], "next_after": start}


async def test_key_lifecycle_events_are_in_the_feed(app: Litestar, feed: Feed, database_url: str) -> None:
    start = await last_event_id(database_url)
    key = await issue_api_key(app, Scope.EVENTS_WRITE, name="exporter")

    page = await feed.page(after=start, type="api_key.created")

    (event,) = page["items"]
    assert event["data"]["name"] == "exporter"
    assert event["data"]["scopes"] == ["events:write"]
    assert key.removeprefix("rk_") not in str(page)


@pytest.mark.parametrize(
    "params",
    [
        {"type": "code.invented"},
        {"type": "code.created,code.deleted"},
        {"limit": 0},
        {"limit": 1001},
        {"after": -1},
        {"after": "yesterday"},
    ],
    ids=["unknown-type", "comma-separated", "limit-0", "limit-1001", "negative-cursor", "text-cursor"],
)
async def test_bad_parameters_are_400(feed: Feed, params: dict[str, Any]) -> None:
    response = await feed.client.get(FEED, params=params, headers=feed.headers)

    assert_problem(response, 400)
