"""Lookups by email, the hottest read: one Core select on a pooled connection, with no session and no transaction."""

from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncEngine

from referrals.adapters.persistence.engine import autocommit_reads
from referrals.adapters.persistence.tables import referral_codes, users
from referrals.application.ports import LiveCode, LiveCodeQueries
from referrals.domain.referral_code import CodeState

_ACTIVE = CodeState.ACTIVE.value
# Built once: constructing a statement costs more than running a cached one.
_LIVE_BY_OWNER_EMAIL = (
    select(referral_codes.c.code, referral_codes.c.expires_at)
    .join(users, users.c.id == referral_codes.c.owner_id)
    .where(
        users.c.email == bindparam("email"),
        referral_codes.c.state == _ACTIVE,
        referral_codes.c.expires_at > bindparam("now"),
    )
)


class SqlaLiveCodeQueries(LiveCodeQueries):
    """Safe outside a transaction: one statement reads one consistent snapshot, and nothing is written."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = autocommit_reads(engine)

    async def live_by_owner_email(self, email: str, now: datetime) -> LiveCode | None:
        async with self._engine.connect() as connection:
            row = (await connection.execute(_LIVE_BY_OWNER_EMAIL, {"email": email, "now": now})).one_or_none()
        return None if row is None else LiveCode(code=row.code, expires_at=row.expires_at)
