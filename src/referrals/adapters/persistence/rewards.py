"""Rewards, with the state a reader is shown computed from the hold: a pending reward past ``available_at``
reads as available before any background step records it."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, and_, case, func, insert, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from referrals.adapters.persistence.tables import rewards, users
from referrals.application.ports.events import EventRecorder
from referrals.application.ports.rewards import CurrencyTotals, RewardFilter, RewardQueries, RewardRepository
from referrals.domain.reward import Reward, RewardRole, RewardState, reward_event

_PENDING = RewardState.PENDING.value
_AVAILABLE = RewardState.AVAILABLE.value
_VOIDED = RewardState.VOIDED.value


def _shown_state(now: datetime) -> ColumnElement[str]:
    return case((and_(rewards.c.state == _PENDING, rewards.c.available_at <= now), _AVAILABLE), else_=rewards.c.state)


def _in_state(state: RewardState, now: datetime) -> ColumnElement[bool]:
    if state is RewardState.AVAILABLE:
        return or_(rewards.c.state == _AVAILABLE, and_(rewards.c.state == _PENDING, rewards.c.available_at <= now))
    if state is RewardState.PENDING:
        return and_(rewards.c.state == _PENDING, rewards.c.available_at > now)
    return rewards.c.state == state.value


class SqlaRewardQueries(RewardQueries):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def page(self, where: RewardFilter, now: datetime, limit: int, offset: int) -> tuple[Sequence[Reward], int]:
        conditions: list[ColumnElement[bool]] = []
        if where.user_id is not None:
            conditions.append(rewards.c.user_id == where.user_id)
        if where.role is not None:
            conditions.append(rewards.c.role == where.role.value)
        if where.state is not None:
            conditions.append(_in_state(where.state, now))
        condition = and_(true(), *conditions)
        rows = await self._session.execute(
            select(rewards)
            .where(condition)
            .order_by(rewards.c.created_at.desc(), rewards.c.id.desc())
            .limit(limit)
            .offset(offset)
        )
        total = await self._session.scalar(select(func.count()).select_from(rewards).where(condition))
        return [_to_reward(row).as_of(now) for row in rows.mappings()], int(total or 0)

    async def of_conversion(self, conversion_id: str) -> Sequence[Reward]:
        rows = await self._session.execute(
            select(rewards).where(rewards.c.conversion_id == conversion_id).order_by(rewards.c.role.desc())
        )
        return [_to_reward(row) for row in rows.mappings()]

    async def totals(self, user_id: UUID, role: RewardRole, now: datetime) -> Sequence[CurrencyTotals]:
        shown = _shown_state(now).label("shown")
        rows = await self._session.execute(
            select(rewards.c.currency, shown, func.sum(rewards.c.amount))
            .where(rewards.c.user_id == user_id, rewards.c.role == role.value)
            .group_by(rewards.c.currency, shown)
        )
        sums: dict[str, dict[str, int]] = {}
        for currency, state, amount in rows.tuples():
            sums.setdefault(currency, {})[state] = int(amount)
        return [CurrencyTotals(currency=currency, **by_state) for currency, by_state in sorted(sums.items())]


class SqlaRewardRepository(RewardRepository):
    def __init__(self, session: AsyncSession, events: EventRecorder) -> None:
        self._session = session
        self._events = events

    async def add(self, reward: Reward) -> None:
        await self._session.execute(insert(rewards).values(_to_row(reward)))
        self._events.record(reward_event(reward, reward.created_at, created=True))
        if reward.state is RewardState.AVAILABLE:
            self._events.record(reward_event(reward, reward.created_at))

    async def lock(self, reward_id: UUID) -> Reward | None:
        statement = select(rewards).where(rewards.c.id == reward_id).with_for_update(key_share=True)
        row = (await self._session.execute(statement)).mappings().one_or_none()
        return None if row is None else _to_reward(row)

    async def lock_of_referral(self, referral_id: UUID) -> Sequence[Reward]:
        statement = (
            select(rewards)
            .where(rewards.c.referral_id == referral_id)
            .order_by(rewards.c.role)
            .with_for_update(key_share=True)
        )
        return [_to_reward(row) for row in (await self._session.execute(statement)).mappings()]

    async def save(self, reward: Reward, at: datetime) -> None:
        await self._session.execute(
            update(rewards)
            .where(rewards.c.id == reward.id)
            .values(state=reward.state.value, redeemed_at=reward.redeemed_at, voided_at=reward.voided_at)
        )
        self._events.record(reward_event(reward, at))

    async def hold_grants_to(self, user_id: UUID) -> int:
        # The user's row is the lock every grant to them takes first, so a cap is counted by one grant at a
        # time: with K slots left and K + n referees converting at once, exactly K win. FOR NO KEY UPDATE does
        # not stand in the way of rows that merely reference the user.
        await self._session.execute(select(users.c.id).where(users.c.id == user_id).with_for_update(key_share=True))
        held = await self._session.scalar(
            select(func.count())
            .select_from(rewards)
            .where(
                rewards.c.user_id == user_id,
                rewards.c.role == RewardRole.REFERRER.value,
                rewards.c.state != _VOIDED,
            )
        )
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
