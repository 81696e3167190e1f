"""Every referrer's tallies counted again from the referrals and rewards tables, as migration 0014 first
filled them."""

from sqlalchemy import case, delete, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from referrals.adapters.persistence.tables import referrals, rewards
from referrals.adapters.persistence.tally_tables import (
    REFERRAL_STATE_COLUMNS,
    REWARD_STATE_COLUMNS,
    referrer_reward_tallies,
    referrer_tallies,
)
from referrals.application.ports.referrer_stats import TallyRecount
from referrals.domain.reward import RewardRole

_COUNTED = select(
    referrals.c.referrer_id,
    *(func.sum(case((referrals.c.state == state, 1), else_=0)) for state in REFERRAL_STATE_COLUMNS),
).group_by(referrals.c.referrer_id)
_SUMMED = (
    select(
        rewards.c.user_id,
        rewards.c.currency,
        *(func.sum(case((rewards.c.state == state, rewards.c.amount), else_=0)) for state in REWARD_STATE_COLUMNS),
    )
    .where(rewards.c.role == RewardRole.REFERRER.value)
    .group_by(rewards.c.user_id, rewards.c.currency)
)
# Writers upsert tally rows as they commit: on PostgreSQL they wait here until the new counts are committed,
# and then add their own change to them. (Each count reads the tables as they are once the lock is held.)
_HOLD_WRITERS = text("LOCK TABLE referrer_tallies, referrer_reward_tallies IN EXCLUSIVE MODE")


async def recount_tallies(session: AsyncSession) -> int:
    """In the session's transaction: the tallies replaced by fresh counts; how many referrers have one."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(_HOLD_WRITERS)
    await session.execute(delete(referrer_tallies))
    await session.execute(delete(referrer_reward_tallies))
    await session.execute(insert(referrer_tallies).from_select(["referrer_id", *REFERRAL_STATE_COLUMNS], _COUNTED))
    await session.execute(
        insert(referrer_reward_tallies).from_select(["referrer_id", "currency", *REWARD_STATE_COLUMNS], _SUMMED)
    )
    return int(await session.scalar(select(func.count()).select_from(referrer_tallies)) or 0)


class SqlaTallyRecount(TallyRecount):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def recount(self) -> int:
        return await recount_tallies(self._session)
