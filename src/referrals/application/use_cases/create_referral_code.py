from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from uuid import UUID

from referrals.application.errors import CodeCollision, InvalidAccessToken
from referrals.application.policies import CodePolicy
from referrals.application.ports.accounts import UserRepository
from referrals.application.ports.codes import CodeCache, ReferralCodeRepository
from referrals.application.ports.common import Clock, TransactionManager
from referrals.domain.codes import generate_code
from referrals.domain.ids import new_id
from referrals.domain.referral_code import (
    CodeState,
    ReferralCode,
    check_expiry,
    check_max_uses,
    must_retire_before_issuing,
)

# With 65 random bits a single collision is already unheard of; a handful of attempts is plenty.
MAX_GENERATION_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class NewCode:
    owner_id: UUID
    expires_at: datetime
    max_uses: int | None = None


@dataclass(frozen=True, slots=True)
class CreateReferralCode:
    """Issue the caller's referral code. It must expire, and nobody may hold two live codes at once."""

    users: UserRepository
    codes: ReferralCodeRepository
    cache: CodeCache
    transaction: TransactionManager
    clock: Clock
    policy: CodePolicy

    async def __call__(self, request: NewCode) -> ReferralCode:
        now = self.clock.now()
        check_expiry(request.expires_at, now, self.policy.max_lifetime)
        check_max_uses(request.max_uses)
        owner = await self.users.get(request.owner_id)
        if owner is None:
            raise InvalidAccessToken
        for attempt in range(1, MAX_GENERATION_ATTEMPTS + 1):
            try:
                code = await self._issue(request, owner.email, now)
            except CodeCollision:
                if attempt == MAX_GENERATION_ATTEMPTS:
                    raise
            else:
                break
        return code

    async def _issue(self, request: NewCode, owner_email: str, now: datetime) -> ReferralCode:
        async with self.transaction.write():
            # After the commit: a reader that missed before it must not be able to cache the old answer.
            self.transaction.after_commit(partial(self.cache.invalidate, owner_email))
            current = await self.codes.stored_active_of(request.owner_id)
            if current is not None and must_retire_before_issuing(current, now):
                # At its expiry, as the background expiry records it: whichever path gets there first (the
                # conditional update lets only one), the event says the same.
                await self.codes.end(current, CodeState.EXPIRED, current.expires_at)
            code = ReferralCode(
                id=new_id(),
                owner_id=request.owner_id,
                code=generate_code(),
                created_at=now,
                expires_at=request.expires_at.astimezone(UTC),
                max_uses=request.max_uses,
            )
            await self.codes.add(code)
        return code
