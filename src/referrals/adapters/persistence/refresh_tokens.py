from datetime import datetime
from uuid import UUID

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from referrals.adapters.persistence.tables import refresh_tokens
from referrals.application.ports.accounts import RefreshTokenRepository
from referrals.domain.refresh_token import RefreshToken


class SqlaRefreshTokenRepository(RefreshTokenRepository):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, token: RefreshToken) -> None:
        await self._session.execute(
            insert(refresh_tokens).values(
                id=token.id,
                user_id=token.user_id,
                family_id=token.family_id,
                digest=token.digest,
                issued_at=token.issued_at,
                expires_at=token.expires_at,
            )
        )

    async def by_digest(self, digest: str) -> RefreshToken | None:
        row = (
            await self._session.execute(select(refresh_tokens).where(refresh_tokens.c.digest == digest))
        ).one_or_none()
        if row is None:
            return None
        return RefreshToken(
            id=row.id,
            user_id=row.user_id,
            family_id=row.family_id,
            digest=row.digest,
            issued_at=row.issued_at,
            expires_at=row.expires_at,
            used_at=row.used_at,
            revoked_at=row.revoked_at,
        )

    async def spend(self, token_id: UUID, at: datetime) -> bool:
        # The conditional update is the arbiter between two concurrent uses: only one sees a row change.
        result = await self._session.execute(
            update(refresh_tokens)
            .where(
                refresh_tokens.c.id == token_id,
                refresh_tokens.c.used_at.is_(None),
                refresh_tokens.c.revoked_at.is_(None),
            )
            .values(used_at=at)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def revoke_family(self, family_id: UUID, at: datetime) -> None:
        await self._session.execute(
            update(refresh_tokens)
            .where(refresh_tokens.c.family_id == family_id, refresh_tokens.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )

    async def purge_expired(self, now: datetime, limit: int) -> int:
        # Past its expiry a token is refused whatever it is, so forgetting it changes no answer but one: a
        # spent token resurfacing after its expiry no longer revokes its chain. Within its lifetime it stays.
        due = (
            select(refresh_tokens.c.id)
            .where(refresh_tokens.c.expires_at <= now)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        result = await self._session.execute(delete(refresh_tokens).where(refresh_tokens.c.id.in_(due)))
        return int(result.rowcount)  # type: ignore[attr-defined]  # a DELETE's result has a row count
