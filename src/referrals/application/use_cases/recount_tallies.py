from dataclasses import dataclass

from referrals.application.ports.common import TransactionManager
from referrals.application.ports.referrer_stats import TallyRecount


@dataclass(frozen=True, slots=True)
class RecountTallies:
    """Count every referrer's tallies again from the referrals and rewards, in one transaction.

    The stats read the tallies, which the transactions that change referrals and rewards keep; rows changed
    behind the service's back (by hand, or by a restore of one table) leave them wrong until they are counted
    again. Returns how many referrers have a tally.
    """

    tallies: TallyRecount
    transaction: TransactionManager

    async def __call__(self) -> int:
        async with self.transaction.write():
            return await self.tallies.recount()
