"""Referrals and their lifecycle, with the referee's email beside each."""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Select, and_, bindparam, func, insert, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from referrals.adapters.persistence.reads import CommittedReads
from referrals.adapters.persistence.referral_flags import flags_document, flags_from
from referrals.adapters.persistence.tables import referrals, users
from referrals.adapters.persistence.tallies import ChangeRecorder
from referrals.application.ports.referrals import ReferralFilter, ReferralQueries, ReferralRepository
from referrals.domain.referral import (
    Referral,
    ReferralState,
    VoidReason,
    creation_events,
    event_instant,
    referral_event,
)

_WITH_EMAIL = select(referrals, users.c.email).join(users, users.c.id == referrals.c.id)
# The write path's statements are built once, their values sent as parameters: building a statement with its
# values in it costs more than running it, and a single SQLite writer waits for every one.
_INSERT = insert(referrals)
# FOR NO KEY UPDATE: changes of one referral take turns, while rows that merely reference it (its rewards) can
# still be inserted. SQLite has a single writer and needs no lock.
_LOCK = _WITH_EMAIL.where(referrals.c.id == bindparam("referee_id")).with_for_update(of=referrals, key_share=True)
_SAVE = (
    update(referrals)
    .where(referrals.c.id == bindparam("referee_id"))
    .values(
        state=bindparam("new_state"),
        qualified_at=bindparam("new_qualified_at"),
        voided_at=bindparam("new_voided_at"),
        void_reason=bindparam("new_void_reason"),
        void_note=bindparam("new_void_note"),
        approved_at=bindparam("new_approved_at"),
    )
)
_HOLD_CONVERSION = (
    update(referrals)
    .where(referrals.c.id == bindparam("referee_id"), referrals.c.held_conversion_id.is_(None))
    .values(held_conversion_id=bindparam("conversion_id"))
)


async def add_referral(session: AsyncSession, events: ChangeRecorder, referral: Referral) -> None:
    """Store a new referral with its ``referral.created`` event (with the referee's account, by its repository)."""
    await session.execute(
        _INSERT,
        {
            "id": referral.id,
            "referrer_id": referral.referrer_id,
            "state": referral.state.value,
            "created_at": referral.created_at,
            "flags": flags_document(referral.flags),
        },
    )
    for event in creation_events(referral):
        events.record(event)
    events.referral_moved(referral.referrer_id, None, referral.state)


class SqlaReferralQueries(ReferralQueries):
    """Committed reads with prebuilt selects: no session, one statement per answer part."""

    def __init__(self, reads: CommittedReads) -> None:
        self._reads = reads

    async def page(self, where: ReferralFilter, limit: int, offset: int) -> tuple[Sequence[Referral], int]:
        page = _page_statements(by_referrer=where.referrer_id is not None, by_state=where.state is not None)
        parameters = {
            "referrer_id": where.referrer_id,
            "state": None if where.state is None else where.state.value,
            "limit": limit,
            "offset": offset,
        }
        rows = await self._reads.all(page.items, parameters)
        total = await self._reads.first(page.total, parameters)
        return [_to_referral(row) for row in rows], 0 if total is None else int(total["total"])

    async def get(self, referee_id: UUID) -> Referral | None:
        row = await self._reads.first(_BY_REFEREE, {"referee_id": referee_id})
        return None if row is None else _to_referral(row)


_BY_REFEREE = _WITH_EMAIL.where(referrals.c.id == bindparam("referee_id"))


@dataclass(frozen=True, slots=True)
class _PageStatements:
    items: Select[Any]
    total: Select[Any]


@cache
def _page_statements(*, by_referrer: bool, by_state: bool) -> _PageStatements:
    """The two selects of a page for one shape of filter, built once per shape."""
    conditions: list[ColumnElement[bool]] = []
    if by_referrer:
        conditions.append(referrals.c.referrer_id == bindparam("referrer_id"))
    if by_state:
        conditions.append(referrals.c.state == bindparam("state"))
    condition = and_(true(), *conditions)
    items = (
        _WITH_EMAIL.where(condition)
        .order_by(referrals.c.created_at.desc(), referrals.c.id.desc())
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )
    total = select(func.count().label("total")).select_from(referrals).where(condition)
    return _PageStatements(items=items, total=total)


class SqlaReferralRepository(ReferralRepository):
    def __init__(self, session: AsyncSession, events: ChangeRecorder) -> None:
        self._session = session
        self._events = events
        # The state of each referral this transaction locked, as it last saved it: the tallies move from it.
        self._states: dict[UUID, ReferralState] = {}

    async def lock(self, referee_id: UUID) -> Referral | None:
        row = (await self._session.execute(_LOCK, {"referee_id": referee_id})).mappings().one_or_none()
        if row is None:
            return None
        referral = _to_referral(row)
        self._states[referral.id] = referral.state
        return referral

    async def save(self, referral: Referral, note: str | None = None) -> None:
        await self._session.execute(
            _SAVE,
            {
                "referee_id": referral.id,
                "new_state": referral.state.value,
                "new_qualified_at": referral.qualified_at,
                "new_voided_at": referral.voided_at,
                "new_void_reason": None if referral.void_reason is None else referral.void_reason.value,
                "new_void_note": note,
                "new_approved_at": referral.approved_at,
            },
        )
        self._events.record(referral_event(referral, event_instant(referral)))
        before = self._states.get(referral.id)
        if before is None:
            msg = "a referral saved without being locked first"
            raise RuntimeError(msg)
        self._events.referral_moved(referral.referrer_id, before, referral.state)
        self._states[referral.id] = referral.state

    async def hold_conversion(self, referral: Referral) -> None:
        await self._session.execute(
            _HOLD_CONVERSION, {"referee_id": referral.id, "conversion_id": referral.held_conversion_id}
        )


def _to_referral(row: Any) -> Referral:
    return Referral(
        id=row["id"],
        referrer_id=row["referrer_id"],
        email=row["email"],
        state=ReferralState(row["state"]),
        created_at=row["created_at"],
        qualified_at=row["qualified_at"],
        voided_at=row["voided_at"],
        void_reason=None if row["void_reason"] is None else VoidReason(row["void_reason"]),
        flags=flags_from(row["flags"]),
        approved_at=row["approved_at"],
        held_conversion_id=row["held_conversion_id"],
    )
