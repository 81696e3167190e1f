"""Rewards, with the state a reader is shown computed from the hold: a pending reward past ``available_at``
reads as available before any background step records it."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any
from uuid import UUID

from sqlalchemy import BindParameter, ColumnElement, Select, and_, bindparam, func, or_, select, true

from referrals.adapters.persistence.reads import CommittedReads
from referrals.adapters.persistence.reward_rows import reward_from_row
from referrals.adapters.persistence.tables import rewards
from referrals.adapters.persistence.tally_tables import referrer_reward_tallies
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

    async def referrer_totals(self, referrer_id: UUID, now: datetime) -> Sequence[CurrencyTotals]:
        rows = await self._reads.all(_TALLIES, {"referrer_id": referrer_id, "now": now})
        totals = []
        for row in rows:
            sums = {state.value: int(row[state.value]) for state in RewardState}
            # A pending reward past its hold reads as available, before the background step records it.
            matured = int(row["matured"])
            sums[_PENDING] -= matured
            sums[_AVAILABLE] += matured
            totals.append(CurrencyTotals(currency=row["currency"], **sums))
        return totals


_NOW: BindParameter[datetime] = bindparam("now")
_OF_CONVERSION = (
    select(rewards).where(rewards.c.conversion_id == bindparam("conversion_id")).order_by(rewards.c.role.desc())
)
# The rewards still stored as pending past their hold (the background step records them within a tick), from
# the (user, role, state, available_at, currency, amount) index: only those are visited.
_MATURED_UNRECORDED = (
    select(rewards.c.currency, func.sum(rewards.c.amount).label("amount"))
    .where(
        rewards.c.user_id == bindparam("referrer_id"),
        rewards.c.role == RewardRole.REFERRER.value,
        rewards.c.state == _PENDING,
        rewards.c.available_at <= _NOW,
    )
    .group_by(rewards.c.currency)
    .subquery()
)
# The referrer's tally rows, each with what of its pending sum has matured unrecorded: one statement.
_TALLIES = (
    select(
        referrer_reward_tallies,
        func.coalesce(_MATURED_UNRECORDED.c.amount, 0).label("matured"),
    )
    .outerjoin(_MATURED_UNRECORDED, _MATURED_UNRECORDED.c.currency == referrer_reward_tallies.c.currency)
    .where(referrer_reward_tallies.c.referrer_id == bindparam("referrer_id"))
    .order_by(referrer_reward_tallies.c.currency)
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
