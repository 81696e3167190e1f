from dataclasses import dataclass

from referrals.application.errors import UnknownAccount
from referrals.application.ports.accounts import UserQueries
from referrals.application.ports.common import Clock, TransactionManager
from referrals.application.ports.operators import SessionRevocations
from referrals.domain.emails import DomainNames, email_to_find
from referrals.domain.errors import InvalidEmail


@dataclass(frozen=True, slots=True)
class RevokeUserSessions:
    """End every session of an account: each refresh-token chain it holds is revoked, so every device must log
    in again. Access tokens already issued stay valid until they expire (minutes: see ACCESS_TOKEN_TTL)."""

    accounts: UserQueries
    sessions: SessionRevocations
    transaction: TransactionManager
    clock: Clock
    domain_names: DomainNames

    async def __call__(self, email: str) -> int:
        """How many refresh tokens were revoked; ``UnknownAccount`` when no account has the email."""
        try:
            account = email_to_find(email, self.domain_names)
        except InvalidEmail:
            raise UnknownAccount from None
        user = await self.accounts.by_email(account)
        if user is None:
            raise UnknownAccount
        async with self.transaction.write():
            return await self.sessions.revoke_all_of(user.id, self.clock.now())
