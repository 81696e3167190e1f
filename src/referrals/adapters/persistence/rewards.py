"""Rewards inside write transactions: granted, locked, settled and matured, each change with its event."""

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from uuid import UUID

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from referrals.adapters.persistence.reward_rows import reward_from_row, reward_row
from referrals.adapters.persistence.tables import rewards, users
from referrals.adapters.persistence.tallies import ChangeRecorder
from referrals.application.ports.rewards import RewardRepository
from referrals.domain.reward import Reward, RewardRole, RewardState, reward_event

_PENDING = RewardState.PENDING.value
_AVAILABLE = RewardState.AVAILABLE.value
_VOIDED = RewardState.VOIDED.value

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
    def __init__(self, session: AsyncSession, events: ChangeRecorder) -> None:
        self._session = session
        self._events = events
        # Each reward this transaction locked, as it last saved it: the tallies move from it.
        self._locked: dict[UUID, Reward] = {}

    async def add(self, *granted: Reward) -> None:
        if not granted:
            return
        # One statement for all of them: a qualifying conversion grants both sides' rewards in one round trip.
        await self._session.execute(_INSERT, [reward_row(reward) for reward in granted])
        for reward in granted:
            self._events.record(reward_event(reward, reward.created_at, created=True))
            if reward.state is RewardState.AVAILABLE:
                self._events.record(reward_event(reward, reward.created_at))
            self._events.reward_moved(None, reward)

    async def lock(self, reward_id: UUID) -> Reward | None:
        row = (await self._session.execute(_LOCK, {"reward_id": reward_id})).mappings().one_or_none()
        return None if row is None else self._noted(reward_from_row(row))

    async def lock_of_referral(self, referral_id: UUID) -> Sequence[Reward]:
        rows = await self._session.execute(_LOCK_OF_REFERRAL, {"referral_id": referral_id})
        return [self._noted(reward_from_row(row)) for row in rows.mappings()]

    def _noted(self, reward: Reward) -> Reward:
        self._locked[reward.id] = reward
        return reward

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
        before = self._locked.get(reward.id)
        if before is None:
            msg = "a reward saved without being locked first"
            raise RuntimeError(msg)
        self._events.reward_moved(before, reward)
        self._locked[reward.id] = reward

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
        matured = [reward_from_row(row) for row in result.mappings()]
        for reward in sorted(matured, key=lambda reward: (reward.available_at, reward.id)):
            self._events.record(reward_event(reward, reward.available_at))
            self._events.reward_moved(replace(reward, state=RewardState.PENDING), reward)
        return matured
