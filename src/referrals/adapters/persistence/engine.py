"""Engine construction, with the per-backend settings that keep concurrent requests from failing."""

from pathlib import Path
from typing import Any

from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

# Statement parameters are emails, password hashes, token digests and codes: an error's message, which ends up
# in a log, shows the statement without them.
HIDE_PARAMETERS = True
# Execution option that asks the SQLite begin hook for BEGIN IMMEDIATE.
SQLITE_WRITE_TRANSACTION = "referrals_sqlite_write"
# Execution option that asks it for no BEGIN at all: each statement then commits on its own.
SQLITE_AUTOCOMMIT = "referrals_sqlite_autocommit"


def create_engine(
    url: str,
    *,
    pool_size: int = 10,
    pool_timeout: float = 5.0,
    connect_timeout: float = 5.0,
    statement_timeout: float = 30.0,
    sqlite_busy_timeout_ms: int = 10_000,
    echo: bool = False,
) -> AsyncEngine:
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        ensure_sqlite_directory(url)
        engine = create_async_engine(
            url,
            echo=echo,
            hide_parameters=HIDE_PARAMETERS,
            connect_args={"timeout": sqlite_busy_timeout_ms / 1000},
        )
        _configure_sqlite(engine.sync_engine, sqlite_busy_timeout_ms)
        return engine
    connect_args: dict[str, Any] = {}
    if backend == "postgresql":
        connect_args = {"timeout": connect_timeout, "command_timeout": statement_timeout}
    return create_async_engine(
        url,
        echo=echo,
        hide_parameters=HIDE_PARAMETERS,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_timeout=pool_timeout,
        pool_recycle=1800,
        connect_args=connect_args,
    )


def create_sqlite_reader(url: URL, busy_timeout_ms: int = 10_000) -> Engine:
    """A blocking engine on the standard library's driver for the same SQLite file, for single-statement reads
    run off the event loop (see ``reads.SqliteReaderThread``); each statement commits on its own."""
    engine = create_sync_engine(
        url.set(drivername="sqlite"),
        hide_parameters=HIDE_PARAMETERS,
        connect_args={"timeout": busy_timeout_ms / 1000, "check_same_thread": False},
    )
    _configure_sqlite(engine, busy_timeout_ms)
    return engine.execution_options(**{SQLITE_AUTOCOMMIT: True})


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the driver, so the begin hook below decides how to begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in ("foreign_keys = ON", "journal_mode = WAL", "synchronous = NORMAL"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Connection) -> None:
        # A writer that starts with a read lock and upgrades later can deadlock against another and fail
        # with "database is locked"; taking the write lock up front makes writers queue instead.
        options = connection.get_execution_options()
        if options.get(SQLITE_AUTOCOMMIT, False):
            return
        connection.exec_driver_sql("BEGIN IMMEDIATE" if options.get(SQLITE_WRITE_TRANSACTION, False) else "BEGIN")


def autocommit_reads(engine: AsyncEngine) -> AsyncEngine:
    """The engine for single-statement reads: no BEGIN, no ROLLBACK, one round trip per query."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(**{SQLITE_AUTOCOMMIT: True})
    return engine.execution_options(isolation_level="AUTOCOMMIT")


def ensure_sqlite_directory(url: str) -> None:
    """SQLite creates the database file but not the folder it lives in."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
