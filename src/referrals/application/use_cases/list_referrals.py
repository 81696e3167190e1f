from dataclasses import dataclass, field
from uuid import UUID

from referrals.application.access import check_may_read_referrer
from referrals.application.pages import Page, PageRequest
from referrals.application.ports.operators import Caller, UserCaller
from referrals.application.ports.referrals import ReferralFilter, ReferralQueries
from referrals.domain.referral import Referral, ReferralState


@dataclass(frozen=True, slots=True)
class ReferralsRequest:
    caller: Caller
    referrer_id: UUID
    state: ReferralState | None = None
    page: PageRequest = field(default_factory=PageRequest)


@dataclass(frozen=True, slots=True)
class ListReferrals:
    """A referrer's referrals, newest first: for the referrer, or a key that may read referrals. The referrer sees
    that a referral is flagged, not why."""

    queries: ReferralQueries

    async def __call__(self, request: ReferralsRequest) -> Page[Referral]:
        check_may_read_referrer(request.caller, request.referrer_id)
        page = request.page.clamped()
        where = ReferralFilter(referrer_id=request.referrer_id, state=request.state)
        items, total = await self.queries.page(where, page.limit, page.offset)
        if isinstance(request.caller, UserCaller):
            items = [referral.as_the_referrer_sees_it() for referral in items]
        return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@dataclass(frozen=True, slots=True)
class BrowseReferrals:
    """Every referral, or those of one referrer or in one state, newest first: the operator's view."""

    queries: ReferralQueries

    async def __call__(self, where: ReferralFilter, page: PageRequest) -> Page[Referral]:
        page = page.clamped()
        items, total = await self.queries.page(where, page.limit, page.offset)
        return Page(items=items, total=total, limit=page.limit, offset=page.offset)
