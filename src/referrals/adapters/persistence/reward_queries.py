"""Rewards, with the state a reader is shown computed from the hold: a pending reward past ``available_at``
reads as available before any background step records it."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any
from uuid import UUID

from sqlalchemy import BindParameter, ColumnElement, Select, and_, bindparam, case, func, or_, select, true

from referrals.adapters.persistence.reads import CommittedReads
from referrals.adapters.persistence.reward_rows import reward_from_row
from referrals.adapters.persistence.tables import rewards
from referrals.application.ports.rewards import CurrencyTotals, RewardFilter, RewardQueries
from referrals.domain.reward import Reward, RewardRole, RewardState

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

    async def totals(self, user_id: UUID, role: RewardRole, now: datetime) -> Sequence[CurrencyTotals]:
        rows = await self._reads.all(_TOTALS, {"user_id": user_id, "role": role.value, "now": now})
        sums: dict[str, dict[str, int]] = {}
        for row in rows:
            by_state = sums.setdefault(row["currency"], {})
            amount, matured = int(row["amount"]), int(row["matured"])
            if row["state"] == _PENDING:
                # A pending reward past its hold reads as available, before the background step records it.
                by_state[_AVAILABLE] = by_state.get(_AVAILABLE, 0) + matured
                amount -= matured
            by_state[row["state"]] = by_state.get(row["state"], 0) + amount
        return [CurrencyTotals(currency=currency, **by_state) for currency, by_state in sorted(sums.items())]


_NOW: BindParameter[datetime] = bindparam("now")
_OF_CONVERSION = (
    select(rewards).where(rewards.c.conversion_id == bindparam("conversion_id")).order_by(rewards.c.role.desc())
)
# Grouped by stored columns only, so one covering index (user, role, currency, state, available_at, amount)
# serves it in order; which pending rewards are past their hold is a sum beside the group's.
_TOTALS = (
    select(
        rewards.c.currency,
        rewards.c.state,
        func.sum(rewards.c.amount).label("amount"),
        func.sum(case((rewards.c.available_at <= _NOW, rewards.c.amount), else_=0)).label("matured"),
    )
    .where(rewards.c.user_id == bindparam("user_id"), rewards.c.role == bindparam("role"))
    .group_by(rewards.c.currency, rewards.c.state)
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
