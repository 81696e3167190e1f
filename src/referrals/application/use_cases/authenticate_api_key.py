from datetime import datetime, timedelta
from typing import Final
from uuid import UUID

from referrals.application.errors import InvalidApiKey
from referrals.application.ports.common import Clock
from referrals.application.ports.operators import ApiKeyQueries, ApiKeyUsage, KeyCaller
from referrals.domain.api_keys import api_key_digest

# A revoked key stops working in every process within this long: each keeps what it read no longer.
CACHE_TTL: Final = timedelta(seconds=1)
# last_used_at is written at most this often per key and process, so using a key costs no write.
USAGE_FLUSH_INTERVAL: Final = timedelta(minutes=1)
# Only keys in force are cached, so this bounds nothing but keys gone quiet; they are dropped past it.
_MAX_CACHED = 1024


class AuthenticateApiKey:
    """The key a bearer credential names, if it is in force; ``InvalidApiKey`` otherwise.

    One per process. A key is looked up by its digest with a committed read, and what was read is kept for
    at most ``CACHE_TTL``. Uses are noted in memory; a key's last use is written when its previous write is
    ``USAGE_FLUSH_INTERVAL`` old (by the request that finds it so), and every pending one when the process ends.
    """

    def __init__(self, queries: ApiKeyQueries, usage: ApiKeyUsage, clock: Clock) -> None:
        self._queries = queries
        self._usage = usage
        self._clock = clock
        self._cache: dict[str, tuple[datetime, KeyCaller]] = {}
        self._pending: dict[UUID, datetime] = {}
        self._flushed_at: dict[UUID, datetime] = {}

    async def __call__(self, key: str) -> KeyCaller:
        now = self._clock.now()
        digest = api_key_digest(key)
        caller = self._cached(digest, now)
        if caller is None:
            caller = await self._queries.in_force_by_digest(digest)
            if caller is None:
                raise InvalidApiKey
            self._remember(digest, caller, now)
        await self._note_use(caller.key_id, now)
        return caller

    async def flush(self) -> None:
        """Write every pending last use (when the process ends)."""
        pending, self._pending = self._pending, {}
        await self._usage.record(pending)

    def _cached(self, digest: str, now: datetime) -> KeyCaller | None:
        entry = self._cache.get(digest)
        if entry is None:
            return None
        read_at, caller = entry
        # A clock that went back is no reason to trust an old read.
        if not read_at <= now < read_at + CACHE_TTL:
            del self._cache[digest]
            return None
        return caller

    def _remember(self, digest: str, caller: KeyCaller, now: datetime) -> None:
        if len(self._cache) >= _MAX_CACHED:
            self._cache = {d: e for d, e in self._cache.items() if e[0] <= now < e[0] + CACHE_TTL}
        self._cache[digest] = (now, caller)

    async def _note_use(self, key_id: UUID, now: datetime) -> None:
        self._pending[key_id] = now
        flushed_at = self._flushed_at.get(key_id)
        if flushed_at is not None and flushed_at <= now < flushed_at + USAGE_FLUSH_INTERVAL:
            return
        # Marked before the write, so that requests arriving while it runs do not write too.
        self._flushed_at[key_id] = now
        await self._usage.record({key_id: self._pending.pop(key_id)})
