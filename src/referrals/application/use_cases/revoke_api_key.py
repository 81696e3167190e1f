from dataclasses import dataclass
from uuid import UUID

from referrals.application.ports.common import Clock, TransactionManager
from referrals.application.ports.operators import ApiKeyRepository
from referrals.domain.api_keys import ApiKey, ApiKeyNotFound


@dataclass(frozen=True, slots=True)
class RevokeApiKey:
    """Revoke a key in force, named by its id or by its name (unique among the keys in force).

    A key already revoked is not found: revoking is something that happens once, and records one event.
    """

    keys: ApiKeyRepository
    transaction: TransactionManager
    clock: Clock

    async def __call__(self, id_or_name: str) -> ApiKey:
        now = self.clock.now()
        async with self.transaction.write():
            key = await self._in_force(id_or_name.strip())
            if key is None or not await self.keys.revoke(key, now):
                raise ApiKeyNotFound
        return key

    async def _in_force(self, id_or_name: str) -> ApiKey | None:
        key_id = _as_id(id_or_name)
        if key_id is not None:
            key = await self.keys.get(key_id)
            if key is not None and not key.is_revoked:
                return key
        return await self.keys.in_force_by_name(id_or_name)


def _as_id(text: str) -> UUID | None:
    try:
        return UUID(text)
    except ValueError:
        return None
