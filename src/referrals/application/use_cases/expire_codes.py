from dataclasses import dataclass
from datetime import datetime

from referrals.application.policies import BATCH_SIZE
from referrals.application.ports.codes import ReferralCodeRepository
from referrals.application.ports.common import TransactionManager


@dataclass(frozen=True, slots=True)
class ExpireCodes:
    """Retire codes whose expiry has passed, each with its ``code.expired`` event; returns how many.

    One bounded batch in one short transaction: the caller runs it again while it returns ``limit``. The
    code cache is left alone: every answer it gives is checked against its expiry, so an expired code is
    already dead for lookups, cached or not.
    """

    codes: ReferralCodeRepository
    transaction: TransactionManager

    async def __call__(self, now: datetime, limit: int = BATCH_SIZE) -> int:
        async with self.transaction.write():
            expired = await self.codes.expire_due(now, limit)
        return len(expired)
