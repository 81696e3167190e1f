"""Referrers' tallies, kept in the transactions that change referrals and rewards.

Repositories note each change of state as they make it; the unit of work adds the changes up and applies them
at the end of the write block, in key order. Tally rows are so the last row locks a block takes, always in one
order, and only the event-order lock (outbox.py) follows them: two transactions never wait on each other's
tallies in a circle. A held transaction (an idempotent request's) applies the tallies of all its blocks once,
at its end.
"""

from collections import Counter
from collections.abc import Mapping
from typing import Protocol
from uuid import UUID

from sqlalchemy import Executable, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from referrals.adapters.persistence.tally_tables import (
    REFERRAL_STATE_COLUMNS,
    REWARD_STATE_COLUMNS,
    referrer_reward_tallies,
    referrer_tallies,
)
from referrals.application.ports.events import EventRecorder
from referrals.domain.referral import ReferralState
from referrals.domain.reward import Reward, RewardRole, RewardState


class TallyRecorder(Protocol):
    def referral_moved(self, referrer_id: UUID, before: ReferralState | None, after: ReferralState) -> None:
        """A referral of ``referrer_id`` entered ``after`` (from ``before``; None for a new one)."""
        ...

    def reward_moved(self, before: Reward | None, after: Reward) -> None:
        """A reward entered ``after.state`` (from ``before.state``; None for a new one)."""
        ...


class ChangeRecorder(EventRecorder, TallyRecorder, Protocol):
    """What a repository notes of each change it makes: its event, and what it does to the tallies."""


class Tallies:
    """The changes one write block made, added up by key."""

    def __init__(self) -> None:
        self.referrals: dict[UUID, Counter[str]] = {}
        self.rewards: dict[tuple[UUID, str], Counter[str]] = {}

    def referral_moved(self, referrer_id: UUID, before: ReferralState | None, after: ReferralState) -> None:
        if before is after:
            return
        counts = self.referrals.setdefault(referrer_id, Counter())
        counts[after.value] += 1
        if before is not None:
            counts[before.value] -= 1

    def reward_moved(self, before: Reward | None, after: Reward) -> None:
        if after.role is not RewardRole.REFERRER or (before is not None and before.state is after.state):
            return
        sums = self.rewards.setdefault((after.user_id, after.currency), Counter())
        sums[after.state.value] += after.amount
        if before is not None:
            sums[before.state.value] -= before.amount

    def clear(self) -> None:
        self.referrals.clear()
        self.rewards.clear()

    async def apply(self, session: AsyncSession) -> None:
        dialect = session.get_bind().dialect.name
        referral_rows = [
            {"referrer_id": referrer_id, **_deltas(counts, ReferralState)}
            for referrer_id, counts in sorted(self.referrals.items(), key=lambda item: str(item[0]))
            if any(counts.values())
        ]
        reward_rows = [
            {"referrer_id": referrer_id, "currency": currency, **_deltas(sums, RewardState)}
            for (referrer_id, currency), sums in sorted(
                self.rewards.items(), key=lambda item: (str(item[0][0]), item[0][1])
            )
            if any(sums.values())
        ]
        if referral_rows:
            await session.execute(_ADD_REFERRALS[dialect], referral_rows)
        if reward_rows:
            await session.execute(_ADD_REWARDS[dialect], reward_rows)
        self.clear()


def _deltas(counts: Mapping[str, int], states: type[ReferralState] | type[RewardState]) -> dict[str, int]:
    return {state.value: counts.get(state.value, 0) for state in states}


def _adding(dialect: str, table: Table, key: list[str], columns: list[str]) -> Executable:
    insert = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    return insert.on_conflict_do_update(
        index_elements=key, set_={column: table.c[column] + insert.excluded[column] for column in columns}
    )


# Built once per dialect, the deltas sent as parameters, one row per key in key order.
_ADD_REFERRALS = {
    dialect: _adding(dialect, referrer_tallies, ["referrer_id"], REFERRAL_STATE_COLUMNS)
    for dialect in ("postgresql", "sqlite")
}
_ADD_REWARDS = {
    dialect: _adding(dialect, referrer_reward_tallies, ["referrer_id", "currency"], REWARD_STATE_COLUMNS)
    for dialect in ("postgresql", "sqlite")
}
