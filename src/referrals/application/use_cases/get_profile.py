from dataclasses import dataclass
from uuid import UUID

from referrals.application.errors import InvalidAccessToken
from referrals.application.ports import UserRepository
from referrals.domain.user import User


@dataclass(frozen=True, slots=True)
class GetProfile:
    users: UserRepository

    async def __call__(self, user_id: UUID) -> User:
        user = await self.users.get(user_id)
        if user is None:
            # A valid signature for a user who no longer exists is as good as no token.
            raise InvalidAccessToken
        return user
