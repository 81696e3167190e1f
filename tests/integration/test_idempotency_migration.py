"""Migration 0012 on a database that holds idempotency keys: the answers are kept, the claims of requests that
were never answered go (their retries run afresh), and the answer's columns are required from then on."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import migrate

INSERT = sa.text(
    "INSERT INTO idempotency_keys (owner, key, fingerprint, created_at, status, media_type, headers, body)"
    " VALUES (:owner, :key, 'f', :at, :status, :media_type, :headers, :body)"
)

UNANSWERED = {"status": None, "media_type": None, "headers": None, "body": None}


async def test_answers_are_kept_and_unanswered_claims_go(fresh_database_url: str) -> None:
    await migrate(fresh_database_url, "0011")
    engine = create_async_engine(fresh_database_url)
    at = datetime(2026, 12, 3, 12, tzinfo=UTC)
    answered = {"owner": "user:1", "key": "a", "at": at, "status": 201, "media_type": "application/json"}
    try:
        async with engine.begin() as connection:
            await connection.execute(INSERT, {**answered, "headers": "{}", "body": b'{"id": 1}'})
            await connection.execute(
                INSERT,
                {
                    "owner": "user:1",
                    "key": "b",
                    "at": at,
                    "status": None,
                    "media_type": None,
                    "headers": None,
                    "body": None,
                },
            )
        await migrate(fresh_database_url)

        async with engine.connect() as connection:
            rows = (await connection.execute(sa.text("SELECT key, status, body FROM idempotency_keys"))).all()
        with pytest.raises(IntegrityError):
            async with engine.begin() as connection:
                await connection.execute(
                    INSERT,
                    {
                        "owner": "user:2",
                        "key": "c",
                        "at": at,
                        "status": None,
                        "media_type": None,
                        "headers": None,
                        "body": None,
                    },
                )
    finally:
        await engine.dispose()

    assert [(key, status, bytes(body)) for key, status, body in rows] == [("a", 201, b'{"id": 1}')]
