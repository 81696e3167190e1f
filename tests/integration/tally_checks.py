"""The referrers' tallies against what the referrals and rewards tables say: they must agree after anything."""

from collections import Counter
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from referrals.adapters.persistence.tables import referrals, rewards
from referrals.adapters.persistence.tally_tables import referrer_reward_tallies, referrer_tallies

if TYPE_CHECKING:
    from uuid import UUID

REFERRAL_STATES = ("pending", "flagged", "qualified", "voided")
REWARD_STATES = ("pending", "available", "redeemed", "voided")


async def assert_tallies_agree(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        counted: Counter[tuple[UUID, str]] = Counter()
        for referrer_id, state, count in await connection.execute(
            select(referrals.c.referrer_id, referrals.c.state, func.count()).group_by(
                referrals.c.referrer_id, referrals.c.state
            )
        ):
            counted[referrer_id, state] = count
        tallied: Counter[tuple[UUID, str]] = Counter()
        for row in (await connection.execute(select(referrer_tallies))).mappings():
            for state in REFERRAL_STATES:
                tallied[row["referrer_id"], state] = row[state]
        summed: Counter[tuple[UUID, str, str]] = Counter()
        for user_id, currency, state, amount in await connection.execute(
            select(rewards.c.user_id, rewards.c.currency, rewards.c.state, func.sum(rewards.c.amount))
            .where(rewards.c.role == "referrer")
            .group_by(rewards.c.user_id, rewards.c.currency, rewards.c.state)
        ):
            summed[user_id, currency, state] = int(amount)
        reward_tallied: Counter[tuple[UUID, str, str]] = Counter()
        for row in (await connection.execute(select(referrer_reward_tallies))).mappings():
            for state in REWARD_STATES:
                reward_tallied[row["referrer_id"], row["currency"], state] = int(row[state])

    # Zeros dropped on both sides, negatives kept: a tally that drifted below zero must show.
    assert _nonzero(tallied) == _nonzero(counted)
    assert _nonzero(reward_tallied) == _nonzero(summed)


def _nonzero(counts: Counter[Any]) -> dict[Any, int]:
    return {key: value for key, value in counts.items() if value != 0}
