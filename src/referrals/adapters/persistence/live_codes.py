"""Lookups by email, the hottest read, and code checks: prebuilt Core selects of committed data."""

from datetime import datetime

from sqlalchemy import bindparam, literal, select

from referrals.adapters.persistence.reads import CommittedReads
from referrals.adapters.persistence.tables import referral_codes, users
from referrals.application.ports.codes import LiveCode, LiveCodeQueries
from referrals.domain.referral_code import CodeState

# Built once: constructing a statement costs more than running a cached one. At most one row: emails are
# unique, and a partial unique index allows one active code per owner. The state is written into the SQL, not
# sent as a parameter: only then can PostgreSQL's cached (generic) plan of the prepared statement use that
# partial index; with a parameter it scans every code, or plans the statement afresh on every execution.
_LIVE_BY_OWNER_EMAIL = (
    select(referral_codes.c.code, referral_codes.c.expires_at)
    .join(users, users.c.id == referral_codes.c.owner_id)
    .where(
        users.c.email == bindparam("email"),
        referral_codes.c.state == literal(CodeState.ACTIVE.value, literal_execute=True),
        referral_codes.c.expires_at > bindparam("now"),
    )
)

_LIVE_BY_CODE = select(referral_codes.c.id).where(
    referral_codes.c.code == bindparam("code"),
    referral_codes.c.state == literal(CodeState.ACTIVE.value, literal_execute=True),
    referral_codes.c.expires_at > bindparam("now"),
)


class SqlaLiveCodeQueries(LiveCodeQueries):
    def __init__(self, reads: CommittedReads) -> None:
        self._reads = reads

    async def live_by_owner_email(self, email: str, now: datetime) -> LiveCode | None:
        row = await self._reads.first(_LIVE_BY_OWNER_EMAIL, {"email": email, "now": now})
        return None if row is None else LiveCode(code=row["code"], expires_at=row["expires_at"])

    async def is_live(self, code: str, now: datetime) -> bool:
        return await self._reads.first(_LIVE_BY_CODE, {"code": code, "now": now}) is not None
