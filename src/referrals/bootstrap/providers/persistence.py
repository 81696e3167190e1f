from collections.abc import AsyncIterator

from dishka import AnyOf, Provider, Scope, provide
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from referrals.adapters.persistence.commit_signal import CommitSignal
from referrals.adapters.persistence.engine import create_engine
from referrals.adapters.persistence.pool_metrics import pool_collector
from referrals.adapters.persistence.probe import SqlaDatabaseProbe
from referrals.adapters.persistence.reads import CommittedReads, ReadPoolLimits, committed_reads
from referrals.adapters.persistence.tallies import ChangeRecorder
from referrals.adapters.persistence.transaction import SqlaUnitOfWork
from referrals.adapters.persistence.writer_turns import WriterTurns
from referrals.application.ports.common import DatabaseProbe, TransactionManager
from referrals.application.ports.events import EventRecorder
from referrals.application.ports.idempotency import HeldTransaction
from referrals.bootstrap.config import DatabaseSettings


class PersistenceProvider(Provider):
    """The engine, the request's session and unit of work, and the committed reads that need no session."""

    @provide(scope=Scope.APP)
    async def engine(self, settings: DatabaseSettings) -> AsyncIterator[AsyncEngine]:
        engine = create_engine(
            settings.url,
            pool_size=settings.pool_size,
            pool_timeout=settings.pool_timeout,
            connect_timeout=settings.connect_timeout,
            statement_timeout=settings.statement_timeout,
        )
        pool_collector.track(engine)
        yield engine
        pool_collector.forget(engine)
        await engine.dispose()

    @provide(scope=Scope.APP)
    def database_probe(self, engine: AsyncEngine, settings: DatabaseSettings) -> DatabaseProbe:
        return SqlaDatabaseProbe(engine, timeout=settings.connect_timeout)

    @provide(scope=Scope.APP)
    def writer_turns(self, engine: AsyncEngine) -> WriterTurns:
        return WriterTurns.for_dialect(engine.dialect.name)

    @provide(scope=Scope.APP)
    def session_factory(self, engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
        return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)

    @provide(scope=Scope.REQUEST)
    async def session(self, factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
        # Closing rolls back whatever a use case did not commit; nothing is ever committed here.
        async with factory() as session:
            yield session

    commit_signal = provide(CommitSignal, scope=Scope.APP)
    # One object per request plays both: the events recorded go into the transaction that is open.
    unit_of_work = provide(
        SqlaUnitOfWork,
        provides=AnyOf[TransactionManager, HeldTransaction, EventRecorder, ChangeRecorder],
        scope=Scope.REQUEST,
    )

    @provide(scope=Scope.APP)
    async def committed_reads(self, engine: AsyncEngine, settings: DatabaseSettings) -> AsyncIterator[CommittedReads]:
        limits = ReadPoolLimits(
            size=settings.pool_size,
            acquire_timeout=settings.pool_timeout,
            connect_timeout=settings.connect_timeout,
            statement_timeout=settings.statement_timeout,
        )
        async with committed_reads(engine, limits) as reads:
            yield reads
