from collections.abc import Sequence
from dataclasses import dataclass

from referrals.application.ports.operators import ApiKeyRepository
from referrals.domain.api_keys import ApiKey


@dataclass(frozen=True, slots=True)
class ListApiKeys:
    """Every API key, revoked ones included, oldest first. A key's secret is not kept, so it cannot be shown."""

    keys: ApiKeyRepository

    async def __call__(self) -> Sequence[ApiKey]:
        return await self.keys.all()
