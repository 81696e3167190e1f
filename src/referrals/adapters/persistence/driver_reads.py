"""Committed reads on PostgreSQL at the driver's speed: each statement is compiled once by SQLAlchemy from the
tables, and runs on a small asyncpg pool of its own, through asyncpg's prepared-statement cache.

SQLAlchemy's asyncio layer costs more per statement than the query does (a greenlet switch for each step of
checkout, execute, fetch and return, pool events, a shielded close); here a read is one acquire, one
prepared statement and one release. Writes, transactions and the schema stay with the engine.
"""

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Self

import asyncpg
from sqlalchemy import Select
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from referrals.adapters.persistence.reads import CommittedReads, ReadPoolLimits

# A connection that is gone or cannot be trusted, whatever statement it was running: an outage, raised as
# SQLAlchemy's invalidated OperationalError, as the engine's are. Whatever the server itself said (a SQLSTATE)
# is left to the one classification every database error gets (``refusals``), so both paths answer alike.
_CONNECTION_LOST: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    # A pooled connection whose session the server ended while it sat idle: the protocol can find out only as
    # "another operation is in progress". That connection is terminated; the next read opens a fresh one.
    asyncpg.InternalClientError,
)
# Options of SQLAlchemy's asyncpg dialect that asyncpg's own connect does not take.
_DIALECT_ONLY_OPTIONS = ("prepared_statement_name_func", "async_creator_fn")

Processor = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class CompiledRead:
    """A select compiled for the dialect: its SQL, how to turn named parameters into positional arguments, and
    how to turn a record into the column values SQLAlchemy would have returned."""

    sql: str
    # Per positional argument: the parameter's name (None for a constant), its constant value, its bind processor.
    arguments: tuple[tuple[str | None, Any, Processor | None], ...]
    # Per selected column, in order: its result processor.
    columns: tuple[Processor | None, ...]

    @classmethod
    def of(cls, statement: Select[Any], dialect: Dialect) -> "CompiledRead":
        compiled = statement.compile(dialect=dialect)
        # Constants the statement renders into its SQL (``literal_execute``) are rendered now, once; the values
        # of the parameters are not needed for that.
        required = {bind.key: None for bind in compiled.binds.values() if bind.required}
        expanded = compiled.construct_expanded_state(required)
        arguments = []
        for name in expanded.positiontup or ():
            bind = compiled.binds[name]
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            arguments.append((bind.key if bind.required else None, bind.effective_value, processor))
        columns = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in statement.selected_columns
        )
        return cls(sql=expanded.statement, arguments=tuple(arguments), columns=columns)

    def positional(self, parameters: Mapping[str, Any]) -> list[Any]:
        values = []
        for name, constant, processor in self.arguments:
            value = constant if name is None else parameters[name]
            values.append(value if processor is None else processor(value))
        return values

    def row(self, record: asyncpg.Record) -> dict[str, Any]:
        # The record's names are the labels SQLAlchemy rendered, the ones its own rows use (``id_1`` for a second
        # ``id``); the columns' order is the statement's.
        return {
            name: value if processor is None or value is None else processor(value)
            for processor, (name, value) in zip(self.columns, record.items(), strict=True)
        }


class AsyncpgPoolReads(CommittedReads):
    """Each statement on a connection of an asyncpg pool of its own, opened lazily, in autocommit (asyncpg's
    default outside a transaction): one round trip per read, none to reset the session on release."""

    def __init__(self, pool: asyncpg.Pool, dialect: Dialect, limits: ReadPoolLimits) -> None:
        self._pool = pool
        self._dialect = dialect
        self._acquire_timeout = limits.acquire_timeout
        self._statement_timeout = limits.statement_timeout
        # Readers take turns here, first come first served, so the pool never has a queue of its own: in its
        # queue a waiter woken for a released connection loses it to any reader arriving meanwhile and goes back
        # to the end of the line, and under load those few waited many times the median.
        self._turns = asyncio.Semaphore(limits.size)
        self._compiled: dict[Select[Any], CompiledRead] = {}

    @classmethod
    async def open(cls, engine: AsyncEngine, limits: ReadPoolLimits) -> Self:
        """A pool for the engine's database, with the engine's connect options; it connects on first use."""
        _, options = engine.dialect.create_connect_args(engine.url)
        for name in _DIALECT_ONLY_OPTIONS:
            options.pop(name, None)
        if "prepared_statement_cache_size" in options:
            options["statement_cache_size"] = options.pop("prepared_statement_cache_size")
        pool = asyncpg.create_pool(
            min_size=0,
            max_size=limits.size,
            timeout=limits.connect_timeout,
            command_timeout=limits.statement_timeout,
            reset=_nothing_to_reset,
            **options,
        )
        await pool
        return cls(pool, engine.dialect, limits)

    def sizes(self) -> tuple[int, int]:
        """Connections checked out, and connections open and idle."""
        idle = self._pool.get_idle_size()
        return self._pool.get_size() - idle, idle

    async def close(self) -> None:
        # A graceful close waits for every connection to be released; a stuck one must not hold up shutdown.
        try:
            async with asyncio.timeout(self._acquire_timeout + self._statement_timeout):
                await self._pool.close()
        except TimeoutError:
            self._pool.terminate()

    async def first(self, statement: Select[Any], parameters: Mapping[str, Any]) -> Mapping[str, Any] | None:
        read = self._compiled_read(statement)
        records = await self._fetch(read, parameters, first_only=True)
        return read.row(records[0]) if records else None

    async def all(self, statement: Select[Any], parameters: Mapping[str, Any]) -> Sequence[Mapping[str, Any]]:
        read = self._compiled_read(statement)
        return [read.row(record) for record in await self._fetch(read, parameters, first_only=False)]

    def _compiled_read(self, statement: Select[Any]) -> CompiledRead:
        read = self._compiled.get(statement)
        if read is None:
            read = self._compiled[statement] = CompiledRead.of(statement, self._dialect)
        return read

    async def _fetch(
        self, read: CompiledRead, parameters: Mapping[str, Any], *, first_only: bool
    ) -> Sequence[asyncpg.Record]:
        arguments = read.positional(parameters)
        try:
            return await self._fetch_records(read.sql, arguments, first_only=first_only)
        except _CONNECTION_LOST as error:
            raise OperationalError(read.sql, None, error, hide_parameters=True, connection_invalidated=True) from error
        except asyncpg.PostgresError as error:
            raise DBAPIError(read.sql, None, error, hide_parameters=True) from error
        except asyncpg.InterfaceError as error:
            # A statement asyncpg would not send (an argument it cannot encode, say): a bug. Its message quotes the
            # argument, which may be an email, so the error says only what kind it was.
            refused = ValueError(f"asyncpg refused the statement ({type(error).__name__})")
            raise DBAPIError(read.sql, None, refused, hide_parameters=True) from None

    async def _fetch_records(self, sql: str, arguments: list[Any], *, first_only: bool) -> Sequence[asyncpg.Record]:
        # asyncio.timeout rather than acquire's own timeout, which costs a task per call on Python 3.11.
        async with asyncio.timeout(self._acquire_timeout):
            await self._turns.acquire()
            try:
                connection = await self._pool.acquire()
            except asyncpg.PostgresError as error:
                self._turns.release()
                # The server refused the session (not accepting connections, too many clients, shutting down). An
                # error that names no statement is how SQLAlchemy, and so ``refusals``, tells it from a bad one.
                raise DBAPIError(None, None, error, hide_parameters=True) from error
            except asyncpg.InterfaceError as error:
                self._turns.release()
                # The pool is closing: the process is stopping.
                raise OperationalError(None, None, error, connection_invalidated=True) from error
            except BaseException:
                self._turns.release()
                raise
        try:
            if first_only:
                record = await connection.fetchrow(sql, *arguments)
                records: Sequence[asyncpg.Record] = () if record is None else (record,)
            else:
                records = await connection.fetch(sql, *arguments)
        except asyncpg.PostgresError:
            raise  # the server answered: the connection is fine
        except BaseException:
            # Timed out, cut off or cancelled mid-statement: whatever the connection's state, the next read gets
            # a fresh one rather than waiting here for a cancellation the server may never answer.
            connection.terminate()
            raise
        finally:
            try:
                await self._pool.release(connection)
            finally:
                self._turns.release()
        return records


async def _nothing_to_reset(_connection: asyncpg.Connection) -> None:
    """These connections only ever run single selects outside a transaction: no session state to undo."""
