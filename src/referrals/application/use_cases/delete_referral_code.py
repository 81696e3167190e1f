from dataclasses import dataclass
from functools import partial
from uuid import UUID

from referrals.application.errors import InvalidAccessToken
from referrals.application.ports.accounts import UserRepository
from referrals.application.ports.codes import CodeCache, ReferralCodeRepository
from referrals.application.ports.common import Clock, TransactionManager
from referrals.domain.errors import NoActiveCode
from referrals.domain.referral_code import CodeState


@dataclass(frozen=True, slots=True)
class DeleteReferralCode:
    """Delete the caller's live code. It is kept, marked deleted, so the referrals it brought keep their history."""

    users: UserRepository
    codes: ReferralCodeRepository
    cache: CodeCache
    transaction: TransactionManager
    clock: Clock

    async def __call__(self, owner_id: UUID) -> None:
        owner = await self.users.get(owner_id)
        if owner is None:
            raise InvalidAccessToken
        now = self.clock.now()
        async with self.transaction.write():
            current = await self.codes.stored_active_of(owner_id)
            if current is None or not current.is_active(now):
                raise NoActiveCode
            await self.codes.end(current, CodeState.DELETED, now)
            # After the commit: a reader that missed before it must not be able to cache the deleted code.
            self.transaction.after_commit(partial(self.cache.invalidate, owner.email))
