from dataclasses import dataclass
from uuid import UUID

from referrals.application.errors import InvalidAccessToken
from referrals.application.ports.accounts import UserQueries
from referrals.domain.user import User


@dataclass(frozen=True, slots=True)
class GetProfile:
    users: UserQueries

    async def __call__(self, user_id: UUID) -> User:
        user = await self.users.by_id(user_id)
        if user is None:
            # A valid signature for a user who no longer exists is as good as no token.
            raise InvalidAccessToken
        return user
