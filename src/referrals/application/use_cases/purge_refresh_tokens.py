from dataclasses import dataclass
from datetime import datetime

from referrals.application.policies import BATCH_SIZE
from referrals.application.ports.accounts import RefreshTokenRepository
from referrals.application.ports.common import TransactionManager


@dataclass(frozen=True, slots=True)
class PurgeRefreshTokens:
    """Forget refresh tokens past their expiry, used, revoked or never used; returns how many went.

    A token within its lifetime stays even when spent: presented again, it must still revoke its chain.
    One bounded batch in one short transaction: the caller runs it again while it returns ``limit``.
    """

    refresh_tokens: RefreshTokenRepository
    transaction: TransactionManager

    async def __call__(self, now: datetime, limit: int = BATCH_SIZE) -> int:
        async with self.transaction.write():
            return await self.refresh_tokens.purge_expired(now, limit)
