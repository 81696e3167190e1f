"""Rewards, with the state a reader is shown computed from the hold: a pending reward past ``available_at``
reads as available before any background step records it."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any
from uuid import UUID

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    and_,
    bindparam,
    case,
    func,
    insert,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from referrals.adapters.persistence.reads import CommittedReads
from referrals.adapters.persistence.tables import rewards, users
from referrals.application.ports.events import EventRecorder
from referrals.application.ports.rewards import CurrencyTotals, RewardFilter, RewardQueries, RewardRepository
from referrals.domain.reward import Reward, RewardRole, RewardState, reward_event

_PENDING = RewardState.PENDING.value
_AVAILABLE = RewardState.AVAILABLE.value
_VOIDED = RewardState.VOIDED.value


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
        return [_to_reward(row).as_of(now) for row in rows], 0 if total is None else int(total["total"])

    async def of_conversion(self, conversion_id: str) -> Sequence[Reward]:
        rows = await self._reads.all(_OF_CONVERSION, {"conversion_id": conversion_id})
        return [_to_reward(row) for row in rows]

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


# The write path's statements are built once, their values sent as parameters (see referrals.py).
_INSERT = insert(rewards)
_LOCK = select(rewards).where(rewards.c.id == bindparam("reward_id")).with_for_update(key_share=True)
_LOCK_OF_REFERRAL = (
    select(rewards)
    .where(rewards.c.referral_id == bindparam("referral_id"))
    .order_by(rewards.c.role)
    .with_for_update(key_share=True)
)
_SAVE = (
    update(rewards)
    .where(rewards.c.id == bindparam("reward_id"))
    .values(
        state=bindparam("new_state"), redeemed_at=bindparam("new_redeemed_at"), voided_at=bindparam("new_voided_at")
    )
)
# The user's row is the lock every grant to them takes first, so a cap is counted by one grant at a time: with
# K slots left and K + n referees converting at once, exactly K win. FOR NO KEY UPDATE does not stand in the
# way of rows that merely reference the user.
_LOCK_GRANTS_TO = select(users.c.id).where(users.c.id == bindparam("user_id")).with_for_update(key_share=True)
_HELD_GRANTS = (
    select(func.count())
    .select_from(rewards)
    .where(
        rewards.c.user_id == bindparam("user_id"),
        rewards.c.role == RewardRole.REFERRER.value,
        rewards.c.state != _VOIDED,
    )
)


class SqlaRewardRepository(RewardRepository):
    def __init__(self, session: AsyncSession, events: EventRecorder) -> None:
        self._session = session
        self._events = events

    async def add(self, reward: Reward) -> None:
        await self._session.execute(_INSERT, _to_row(reward))
        self._events.record(reward_event(reward, reward.created_at, created=True))
        if reward.state is RewardState.AVAILABLE:
            self._events.record(reward_event(reward, reward.created_at))

    async def lock(self, reward_id: UUID) -> Reward | None:
        row = (await self._session.execute(_LOCK, {"reward_id": reward_id})).mappings().one_or_none()
        return None if row is None else _to_reward(row)

    async def lock_of_referral(self, referral_id: UUID) -> Sequence[Reward]:
        rows = await self._session.execute(_LOCK_OF_REFERRAL, {"referral_id": referral_id})
        return [_to_reward(row) for row in rows.mappings()]

    async def save(self, reward: Reward, at: datetime) -> None:
        await self._session.execute(
            _SAVE,
            {
                "reward_id": reward.id,
                "new_state": reward.state.value,
                "new_redeemed_at": reward.redeemed_at,
                "new_voided_at": reward.voided_at,
            },
        )
        self._events.record(reward_event(reward, at))

    async def hold_grants_to(self, user_id: UUID) -> int:
        # SQLite's single writer already counts one grant at a time.
        if self._session.get_bind().dialect.name != "sqlite":
            await self._session.execute(_LOCK_GRANTS_TO, {"user_id": user_id})
        held = await self._session.scalar(_HELD_GRANTS, {"user_id": user_id})
        return int(held or 0)

    async def mature_due(self, now: datetime, limit: int) -> Sequence[Reward]:
        # SKIP LOCKED: another process maturing at once takes other rows; a reward a redeem or a void holds is
        # left to it. The state check in the UPDATE is the arbiter: no reward becomes available twice.
        due = (
            select(rewards.c.id)
            .where(rewards.c.state == _PENDING, rewards.c.available_at <= now)
            .order_by(rewards.c.available_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        result = await self._session.execute(
            update(rewards)
            .where(rewards.c.id.in_(due.scalar_subquery()), rewards.c.state == _PENDING)
            .values(state=_AVAILABLE)
            .returning(*rewards.c)
        )
        matured = [_to_reward(row) for row in result.mappings()]
        for reward in sorted(matured, key=lambda reward: (reward.available_at, reward.id)):
            self._events.record(reward_event(reward, reward.available_at))
        return matured


def _to_row(reward: Reward) -> dict[str, Any]:
    return {
        "id": reward.id,
        "referral_id": reward.referral_id,
        "user_id": reward.user_id,
        "role": reward.role.value,
        "amount": reward.amount,
        "currency": reward.currency,
        "state": reward.state.value,
        "created_at": reward.created_at,
        "available_at": reward.available_at,
        "redeemed_at": reward.redeemed_at,
        "voided_at": reward.voided_at,
        "program_version": reward.program_version,
        "conversion_id": reward.conversion_id,
    }


def _to_reward(row: Any) -> Reward:
    return Reward(
        id=row["id"],
        referral_id=row["referral_id"],
        user_id=row["user_id"],
        role=RewardRole(row["role"]),
        amount=int(row["amount"]),
        currency=row["currency"],
        state=RewardState(row["state"]),
        created_at=row["created_at"],
        available_at=row["available_at"],
        redeemed_at=row["redeemed_at"],
        voided_at=row["voided_at"],
        program_version=row["program_version"],
        conversion_id=row["conversion_id"],
    )
