from dataclasses import dataclass
from uuid import UUID

from referrals.application.ports.accounts import RefreshTokenRepository
from referrals.application.ports.common import Clock, TransactionManager
from referrals.domain.refresh_token import refresh_digest


@dataclass(frozen=True, slots=True)
class LogOut:
    """End the session a refresh token belongs to.

    The session is the token's whole rotation chain, so any of its tokens, even an already rotated one,
    ends it. Idempotent, like OAuth token revocation (RFC 7009): an unknown or foreign token is simply
    ignored, so the answer reveals nothing about tokens that are not the caller's.
    """

    refresh_tokens: RefreshTokenRepository
    transaction: TransactionManager
    clock: Clock

    async def __call__(self, user_id: UUID, refresh_secret: str) -> None:
        async with self.transaction.write():
            token = await self.refresh_tokens.by_digest(refresh_digest(refresh_secret))
            if token is not None and token.user_id == user_id:
                await self.refresh_tokens.revoke_family(token.family_id, self.clock.now())
