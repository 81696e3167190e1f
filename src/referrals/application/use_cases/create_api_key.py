from dataclasses import dataclass

from referrals.application.ports.common import Clock, TransactionManager
from referrals.application.ports.operators import ApiKeyRepository
from referrals.domain.api_keys import ApiKey, Scope, api_key_digest, checked_key_name, checked_scopes, new_api_key
from referrals.domain.ids import new_id


@dataclass(frozen=True, slots=True)
class NewApiKey:
    name: str
    scopes: frozenset[Scope]


@dataclass(frozen=True, slots=True)
class IssuedApiKey:
    """The key as stored, and its secret: shown this once, since only its digest is kept."""

    key: ApiKey
    secret: str


@dataclass(frozen=True, slots=True)
class CreateApiKey:
    """Issue an operator API key with a name unique among the keys in force and at least one scope."""

    keys: ApiKeyRepository
    transaction: TransactionManager
    clock: Clock

    async def __call__(self, request: NewApiKey) -> IssuedApiKey:
        name = checked_key_name(request.name)
        scopes = checked_scopes(request.scopes)
        secret = new_api_key()
        key = ApiKey(id=new_id(), name=name, scopes=scopes, digest=api_key_digest(secret), created_at=self.clock.now())
        async with self.transaction.write():
            await self.keys.add(key)
        return IssuedApiKey(key=key, secret=secret)
