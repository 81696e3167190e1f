from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession

from referrals.adapters.persistence.engine import SQLITE_WRITE_TRANSACTION
from referrals.application.ports.common import TransactionManager


class SqlaTransactionManager(TransactionManager):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[None]:
        if self._session.in_transaction():
            # Reads before the write ran in a deferred transaction; end it so the write can begin afresh.
            await self._session.commit()
        await self._session.connection(execution_options={SQLITE_WRITE_TRANSACTION: True})
        try:
            yield
        except BaseException:
            await self._session.rollback()
            raise
        await self._session.commit()
