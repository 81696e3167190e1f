"""Rewards, with the state a reader is shown computed from the hold: a pending reward past ``available_at``
reads as available before any background step records it."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Select, and_, bindparam, func, or_, select, true

from referrals.adapters.persistence.reads import CommittedReads
from referrals.adapters.persistence.reward_rows import reward_from_row
from referrals.adapters.persistence.tables import rewards
from referrals.application.ports.rewards import RewardFilter, RewardQueries
from referrals.domain.reward import Reward, RewardState

_PENDING = RewardState.PENDING.value
_AVAILABLE = RewardState.AVAILABLE.value


class SqlaRewardQueries(RewardQueries):
    """Committed reads with prebuilt selects: no session, one statement per answer part."""

    def __init__(self, reads: CommittedReads) -> None:
        self._reads = reads

    async def page(self, where: RewardFilter, now: datetime, limit: int, offset: int) -> tuple[Sequence[Reward], int]:
        page = _page_statements(by_user=where.user_id is not None, by_role=where.role is not None, state=where.state)
        parameters = {
            "user_id": where.user_id,
            "role": None if where.role is None else where.role.value,
            "now": now,
            "limit": limit,
            "offset": offset,
        }
        rows = await self._reads.all(page.items, parameters)
        total = await self._reads.first(page.total, parameters)
        return [reward_from_row(row).as_of(now) for row in rows], 0 if total is None else int(total["total"])

    async def of_conversion(self, conversion_id: str) -> Sequence[Reward]:
        rows = await self._reads.all(_OF_CONVERSION, {"conversion_id": conversion_id})
        return [reward_from_row(row) for row in rows]


_NOW: BindParameter[datetime] = bindparam("now")
_OF_CONVERSION = (
    select(rewards).where(rewards.c.conversion_id == bindparam("conversion_id")).order_by(rewards.c.role.desc())
)


def _in_state(state: RewardState) -> ColumnElement[bool]:
    if state is RewardState.AVAILABLE:
        return or_(rewards.c.state == _AVAILABLE, and_(rewards.c.state == _PENDING, rewards.c.available_at <= _NOW))
    if state is RewardState.PENDING:
        return and_(rewards.c.state == _PENDING, rewards.c.available_at > _NOW)
    return rewards.c.state == state.value


@dataclass(frozen=True, slots=True)
class _PageStatements:
    items: Select[Any]
    total: Select[Any]


@cache
def _page_statements(*, by_user: bool, by_role: bool, state: RewardState | None) -> _PageStatements:
    """The two selects of a page for one shape of filter, built once per shape."""
    conditions: list[ColumnElement[bool]] = []
    if by_user:
        conditions.append(rewards.c.user_id == bindparam("user_id"))
    if by_role:
        conditions.append(rewards.c.role == bindparam("role"))
    if state is not None:
        conditions.append(_in_state(state))
    condition = and_(true(), *conditions)
    items = (
        select(rewards)
        .where(condition)
        .order_by(rewards.c.created_at.desc(), rewards.c.id.desc())
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )
    total = select(func.count().label("total")).select_from(rewards).where(condition)
    return _PageStatements(items=items, total=total)
