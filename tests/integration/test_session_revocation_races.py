"""Ending an account's sessions while its refresh tokens rotate: no chain survives, on both databases."""

import asyncio
import uuid

from httpx import Response
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from referrals.adapters.persistence.tables import refresh_tokens
from referrals.application.use_cases.revoke_user_sessions import RevokeUserSessions
from referrals.bootstrap.container import make_container
from tests.api.conftest import Api
from tests.conftest import make_settings


async def tokens_in_force(database_url: str, user_id: str) -> int:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            query = select(func.count()).where(
                refresh_tokens.c.user_id == uuid.UUID(user_id), refresh_tokens.c.revoked_at.is_(None)
            )
            return int((await connection.execute(query)).scalar_one())
    finally:
        await engine.dispose()


async def test_revoking_while_refreshing_leaves_no_token_in_force(api: Api, database_url: str) -> None:
    account = await api.account("ada@example.com")
    sessions = [(await api.login("ada@example.com")).json()["refresh_token"] for _ in range(6)]
    container = make_container(make_settings(database_url))

    async def revoke() -> int:
        async with container() as request_scope:
            return await (await request_scope.get(RevokeUserSessions))("ada@example.com")

    async def refresh(token: str) -> Response:
        return await api.client.post("/auth/refresh", json={"refresh_token": token})

    try:
        outcomes = await asyncio.gather(*(refresh(token) for token in sessions), revoke())
    finally:
        await container.close()

    assert isinstance(outcomes[-1], int)
    assert await tokens_in_force(database_url, account.id) == 0
    for response in outcomes[:-1]:
        assert isinstance(response, Response)
        if response.status_code == 200:
            again = await refresh(response.json()["refresh_token"])
            assert again.status_code == 401, again.text
