from dataclasses import dataclass

from referrals.application.policies import CodePolicy
from referrals.application.ports.codes import CacheMiss, CodeCache, LiveCode, LiveCodeQueries
from referrals.application.ports.common import Clock
from referrals.domain.emails import DomainNames, email_to_find
from referrals.domain.errors import InvalidEmail, NoActiveCode


@dataclass(frozen=True, slots=True)
class FindActiveCode:
    """The live referral code of the referrer with this email.

    An unknown email, a malformed one and a referrer without a live code all answer alike.
    """

    codes: LiveCodeQueries
    cache: CodeCache
    clock: Clock
    policy: CodePolicy
    domain_names: DomainNames

    async def __call__(self, email: str) -> LiveCode:
        try:
            email = email_to_find(email, self.domain_names)
        except InvalidEmail:
            raise NoActiveCode from None
        now = self.clock.now()
        # With caching off, nothing this process stores could be there: asking would cost a round trip for naught.
        cached = await self.cache.get(email) if self.policy.cache_ttl else None
        # A cached code is re-checked against the clock: it may have expired while it sat in the cache.
        if isinstance(cached, LiveCode) and now < cached.expires_at:
            return cached
        live = await self.codes.live_by_owner_email(email, now)
        if live is None:
            raise NoActiveCode
        if isinstance(cached, CacheMiss):
            ttl = min(self.policy.cache_ttl, live.expires_at - now)
            await self.cache.put(email, live, cached, ttl.total_seconds())
        return live
