from datetime import datetime
from uuid import UUID

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from referrals.adapters.persistence.tables import refresh_tokens
from referrals.application.ports.operators import SessionRevocations


class SqlaSessionRevocations(SessionRevocations):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def revoke_all_of(self, user_id: UUID, at: datetime) -> int:
        statement = (
            update(refresh_tokens)
            .where(refresh_tokens.c.user_id == user_id, refresh_tokens.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )
        first = await self._session.execute(statement)
        # On PostgreSQL the first statement waits for a refresh that has already spent one of the tokens,
        # but its snapshot predates the token that refresh then issues. A second statement sees that one
        # (the refresh has committed by now); a refresh that comes later finds its token revoked. SQLite
        # runs one writer at a time, so there the second statement finds nothing.
        second = await self._session.execute(statement)
        return int(first.rowcount) + int(second.rowcount)  # type: ignore[attr-defined]
