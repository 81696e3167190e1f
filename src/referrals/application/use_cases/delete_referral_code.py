from uuid import UUID

from referrals.application.errors import InvalidAccessToken
from referrals.application.ports import Clock, CodeCache, ReferralCodeRepository, TransactionManager, UserRepository
from referrals.domain.errors import NoActiveCode
from referrals.domain.referral_code import CodeState


class DeleteReferralCode:
    """Delete the caller's live code. It is kept, marked deleted, so the referrals it brought keep their history."""

    def __init__(
        self,
        users: UserRepository,
        codes: ReferralCodeRepository,
        cache: CodeCache,
        transaction: TransactionManager,
        clock: Clock,
    ) -> None:
        self._users = users
        self._codes = codes
        self._cache = cache
        self._transaction = transaction
        self._clock = clock

    async def __call__(self, owner_id: UUID) -> None:
        owner = await self._users.get(owner_id)
        if owner is None:
            raise InvalidAccessToken
        now = self._clock.now()
        async with self._transaction.write():
            current = await self._codes.stored_active_of(owner_id)
            if current is None or not current.is_active(now):
                raise NoActiveCode
            await self._codes.end(current.id, CodeState.DELETED, now)
        await self._cache.invalidate(owner.email)
