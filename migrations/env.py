"""Alembic environment: async engines, the service's own DATABASE_URL, batch mode for SQLite."""

import asyncio
from logging.config import fileConfig
from typing import Any

from alembic import context
from sqlalchemy import Connection, pool
from sqlalchemy.ext.asyncio import create_async_engine

from referrals.adapters.persistence.engine import ensure_sqlite_directory
from referrals.adapters.persistence.schema import metadata
from referrals.bootstrap.config import load_settings

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def database_url() -> str:
    return config.attributes.get("database_url") or load_settings().database.url


def configure(
    *,
    connection: Connection | None = None,
    url: str | None = None,
    literal_binds: bool = False,
    dialect_opts: dict[str, Any] | None = None,
) -> None:
    """Only the options a mode passes; the defaults here are ``context.configure``'s own."""
    # Batch mode lets SQLite, which cannot ALTER most things, take the same migrations as PostgreSQL.
    context.configure(
        connection=connection,
        url=url,
        literal_binds=literal_binds,
        dialect_opts=dialect_opts,
        target_metadata=metadata,
        render_as_batch=True,
        compare_type=True,
    )


def run_offline() -> None:
    configure(url=database_url(), literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_with(connection: Connection) -> None:
    configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


async def run_online() -> None:
    url = database_url()
    ensure_sqlite_directory(url)
    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(run_with)
    finally:
        await engine.dispose()


if context.is_offline_mode():
    run_offline()
elif (connection := config.attributes.get("connection")) is not None:
    run_with(connection)
else:
    asyncio.run(run_online())
