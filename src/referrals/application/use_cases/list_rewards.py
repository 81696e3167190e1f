from dataclasses import dataclass

from referrals.application.pages import Page, PageRequest
from referrals.application.ports.common import Clock
from referrals.application.ports.rewards import RewardFilter, RewardQueries
from referrals.domain.reward import Reward


@dataclass(frozen=True, slots=True)
class ListRewards:
    """Rewards as they stand now, newest first: a user's own (either role), or the operator's payout queue."""

    queries: RewardQueries
    clock: Clock

    async def __call__(self, where: RewardFilter, page: PageRequest) -> Page[Reward]:
        page = page.clamped()
        items, total = await self.queries.page(where, self.clock.now(), page.limit, page.offset)
        return Page(items=items, total=total, limit=page.limit, offset=page.offset)
