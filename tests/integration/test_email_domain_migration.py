"""Accounts stored before domains were IDNA-canonical get the one spelling of their domain, so the owner finds
them under either; an account whose new spelling is already someone's is left as it was."""

import asyncio
import uuid
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import PostgresDatabases, alembic_config

BEFORE = "0002"
STORED = {
    "alice@xn--exmple-cua.com": "alice@exämple.com",  # an A-label: now its U-label
    "bob@example.com": "bob@example.com",
    "carol@bücher.de": "carol@bücher.de",  # already canonical
    "dave@xn--bcher-kva.de": "dave@bücher.de",
    "erin@xn--exmple-cua.com": "erin@xn--exmple-cua.com",  # its new spelling is taken: left alone
    "erin@exämple.com": "erin@exämple.com",
    "frank@xn--zz.com": "frank@xn--zz.com",  # no valid IDNA spelling: left alone
}


async def stored_emails(url: str) -> set[str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return set((await connection.execute(sa.text("SELECT email FROM users"))).scalars())
    finally:
        await engine.dispose()


async def test_stored_domains_take_their_one_spelling_on_sqlite(tmp_path: Path) -> None:
    await assert_stored_domains_take_their_one_spelling(f"sqlite+aiosqlite:///{tmp_path / 'idna.sqlite3'}")


async def test_stored_domains_take_their_one_spelling_on_postgresql(postgres_databases: PostgresDatabases) -> None:
    await assert_stored_domains_take_their_one_spelling(await postgres_databases.create())


async def assert_stored_domains_take_their_one_spelling(url: str) -> None:
    config = alembic_config(url)
    await asyncio.to_thread(command.upgrade, config, BEFORE)
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            users = sa.table(
                "users",
                sa.column("id", sa.Uuid),
                sa.column("email"),
                sa.column("password_hash"),
                sa.column("created_at", sa.DateTime(timezone=True)),
            )
            await connection.execute(
                users.insert(),
                [
                    {"id": uuid.uuid4(), "email": email, "password_hash": "x", "created_at": datetime.now(UTC)}
                    for email in STORED
                ],
            )
    finally:
        await engine.dispose()

    await asyncio.to_thread(command.upgrade, config, "head")

    assert await stored_emails(url) == set(STORED.values())
