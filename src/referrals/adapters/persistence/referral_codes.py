from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import and_, bindparam, case, insert, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from referrals.adapters.persistence.constraints import reraise_as_domain_error
from referrals.adapters.persistence.tables import referral_codes
from referrals.application.errors import CodeCollision
from referrals.application.ports.codes import ReferralCodeRepository
from referrals.application.ports.events import EventRecorder
from referrals.domain.errors import ActiveCodeExists
from referrals.domain.referral_code import CodeState, ReferralCode, code_event

_ERROR_BY_CONSTRAINT = {
    "uq_referral_codes_one_active_per_owner": ActiveCodeExists,
    "uq_referral_codes_code": CodeCollision,
}
# Written into the SQL rather than sent as a parameter, so PostgreSQL's cached plans can use the partial indexes
# on active codes (see live_codes.py).
_ACTIVE = literal(CodeState.ACTIVE.value, literal_execute=True)
_EXPIRED = CodeState.EXPIRED.value
_SPENT = CodeState.SPENT.value
# A registration claims one use of its code with this one statement: it counts the use, moves the code to
# 'spent' with its last allowed one, and locks the row until the transaction ends. Registrations on one code
# and the end of that code therefore take turns on the row, in the order they came (a row lock queues a
# newcomer behind a waiting end, so a stream of registrations cannot starve a delete), and the conditions are
# evaluated again on the row as the previous holder left it: no more uses than max_uses, and none after an end.
# SQLite's writers take turns anyway.
# Both sides see the row as it was before the update.
_LAST_USE = and_(referral_codes.c.max_uses.is_not(None), referral_codes.c.uses + 1 >= referral_codes.c.max_uses)
_CLAIM_USE = (
    update(referral_codes)
    .where(
        referral_codes.c.code == bindparam("spelling"),
        referral_codes.c.state == _ACTIVE,
        referral_codes.c.expires_at > bindparam("now"),
    )
    .values(
        uses=referral_codes.c.uses + 1,
        state=case(
            (
                _LAST_USE,
                _SPENT,
            ),
            else_=referral_codes.c.state,
        ),
        ended_at=case(
            (
                _LAST_USE,
                bindparam("now"),
            ),
            else_=referral_codes.c.ended_at,
        ),
    )
    .returning(*referral_codes.c)
)


class SqlaReferralCodeRepository(ReferralCodeRepository):
    def __init__(self, session: AsyncSession, events: EventRecorder) -> None:
        self._session = session
        self._events = events

    async def add(self, code: ReferralCode) -> None:
        try:
            await self._session.execute(
                insert(referral_codes).values(
                    id=code.id,
                    owner_id=code.owner_id,
                    code=code.code,
                    state=code.state.value,
                    created_at=code.created_at,
                    expires_at=code.expires_at,
                    max_uses=code.max_uses,
                )
            )
        except IntegrityError as error:
            reraise_as_domain_error(error, _ERROR_BY_CONSTRAINT)
        self._events.record(code_event(code, CodeState.ACTIVE, code.created_at))

    async def stored_active_of(self, owner_id: UUID) -> ReferralCode | None:
        # A concurrent delete or create of the same owner waits, then sees this one's outcome. NO KEY: a
        # registration's foreign key to the code, which shares only its key, is not held up by it.
        query = (
            select(referral_codes)
            .where(referral_codes.c.owner_id == owner_id, referral_codes.c.state == _ACTIVE)
            .with_for_update(key_share=True)
        )
        row = (await self._session.execute(query)).mappings().one_or_none()
        return None if row is None else _to_code(row)

    async def end(self, code: ReferralCode, state: CodeState, at: datetime) -> bool:
        ended = await self._session.execute(
            update(referral_codes)
            .where(referral_codes.c.id == code.id, referral_codes.c.state == _ACTIVE)
            .values(state=state.value, ended_at=at)
        )
        if ended.rowcount == 0:  # type: ignore[attr-defined]  # an UPDATE's result has a row count
            return False
        self._events.record(code_event(code, state, at))
        return True

    async def claim_use(self, code: str, now: datetime) -> ReferralCode | None:
        row = (await self._session.execute(_CLAIM_USE, {"spelling": code, "now": now})).mappings().one_or_none()
        if row is None:
            return None
        claimed = _to_code(row)
        if claimed.state is CodeState.SPENT:
            self._events.record(code_event(claimed, CodeState.SPENT, now))
        return claimed

    async def expire_due(self, now: datetime, limit: int) -> Sequence[ReferralCode]:
        # SKIP LOCKED: another process expiring at the same time takes other rows instead of queueing behind
        # these, and a code a create has locked to retire is left to it. The outer state check is the
        # arbiter all the same: a row that stopped being active while this waited is not expired twice.
        # (SQLite has neither clause nor need of it: its writers take turns.)
        due = (
            select(referral_codes.c.id)
            .where(referral_codes.c.state == _ACTIVE, referral_codes.c.expires_at <= now)
            .order_by(referral_codes.c.expires_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        rows = (
            await self._session.execute(
                update(referral_codes)
                .where(referral_codes.c.id.in_(due), referral_codes.c.state == _ACTIVE)
                # It ended when it expired, however late this runs: the instant every path records.
                .values(state=_EXPIRED, ended_at=referral_codes.c.expires_at)
                .returning(*referral_codes.c)
            )
        ).mappings()
        expired = [_to_code(row) for row in rows]
        for code in expired:
            self._events.record(code_event(code, CodeState.EXPIRED, code.expires_at))
        return expired


def _to_code(row: Any) -> ReferralCode:
    return ReferralCode(
        id=row["id"],
        owner_id=row["owner_id"],
        code=row["code"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        state=CodeState(row["state"]),
        max_uses=row["max_uses"],
        uses=row["uses"],
    )
