from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from referrals.application.errors import NotReferrer
from referrals.application.ports.referrals import Referral, ReferralQueries

MAX_PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class ReferralsRequest:
    requester_id: UUID
    referrer_id: UUID
    limit: int = 20
    offset: int = 0


@dataclass(frozen=True, slots=True)
class ReferralPage:
    items: Sequence[Referral]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True, slots=True)
class ListReferrals:
    """The referrer's own referrals, newest first. Nobody else may read them."""

    queries: ReferralQueries

    async def __call__(self, request: ReferralsRequest) -> ReferralPage:
        if request.requester_id != request.referrer_id:
            raise NotReferrer
        limit = max(1, min(request.limit, MAX_PAGE_SIZE))
        offset = max(0, request.offset)
        items, total = await self.queries.referrals_of(request.referrer_id, limit, offset)
        return ReferralPage(items=items, total=total, limit=limit, offset=offset)
