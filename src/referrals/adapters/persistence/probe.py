import asyncio

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from referrals.application.ports.common import DatabaseProbe


class SqlaDatabaseProbe(DatabaseProbe):
    def __init__(self, engine: AsyncEngine, timeout: float) -> None:
        self._engine = engine
        self._timeout = timeout

    async def is_reachable(self) -> bool:
        try:
            async with asyncio.timeout(self._timeout), self._engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except (SQLAlchemyError, OSError, TimeoutError):
            return False
        return True
