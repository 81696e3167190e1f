from dataclasses import dataclass

from referrals.application.errors import InvalidRefreshToken
from referrals.application.ports.accounts import RefreshTokenRepository
from referrals.application.ports.common import Clock, TransactionManager
from referrals.application.sessions import SessionTokens, TokenPair
from referrals.domain.refresh_token import refresh_digest


@dataclass(frozen=True, slots=True)
class RefreshSession:
    """Rotate a refresh token: the presented one dies and a new pair is issued in its chain.

    Presenting a token that was already rotated means it leaked (or raced): the whole chain is revoked,
    so neither the thief nor the owner can continue it; the owner logs in again.
    """

    refresh_tokens: RefreshTokenRepository
    sessions: SessionTokens
    transaction: TransactionManager
    clock: Clock

    async def __call__(self, refresh_secret: str) -> TokenPair:
        now = self.clock.now()
        pair = None
        # The revocation of a replayed chain must commit, so the refusal is raised after the block.
        async with self.transaction.write():
            token = await self.refresh_tokens.by_digest(refresh_digest(refresh_secret))
            # A replay is checked before expiry: an old, expired token that resurfaces still proves the leak.
            if token is not None and (token.is_spent() or not token.is_expired(now)):
                if token.is_spent() or not await self.refresh_tokens.spend(token.id, now):
                    await self.refresh_tokens.revoke_family(token.family_id, now)
                else:
                    pair = await self.sessions.issue(token.user_id, token.family_id, now)
        if pair is None:
            raise InvalidRefreshToken
        return pair
