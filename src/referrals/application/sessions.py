"""Issuing an access token together with the next refresh token of a rotation chain."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from referrals.application.policies import SessionPolicy
from referrals.application.ports.accounts import AccessTokens, RefreshTokenRepository
from referrals.domain.ids import new_id
from referrals.domain.refresh_token import RefreshToken, new_refresh_secret, refresh_digest


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    expires_in: int
    refresh_token: str


@dataclass(frozen=True, slots=True)
class SessionTokens:
    access_tokens: AccessTokens
    refresh_tokens: RefreshTokenRepository
    policy: SessionPolicy

    async def issue(self, user_id: UUID, family_id: UUID, now: datetime) -> TokenPair:
        """Call inside a write transaction: the refresh token is stored there."""
        secret = new_refresh_secret()
        await self.refresh_tokens.add(
            RefreshToken(
                id=new_id(),
                user_id=user_id,
                family_id=family_id,
                digest=refresh_digest(secret),
                issued_at=now,
                expires_at=now + self.policy.refresh_token_ttl,
            )
        )
        access = self.access_tokens.issue(user_id, now)
        return TokenPair(access_token=access.token, expires_in=access.expires_in, refresh_token=secret)
