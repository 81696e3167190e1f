"""Attempt budgets in Valkey, so that every process and replica spends from the same ones."""

import asyncio
import hashlib
from typing import Final

from valkey.asyncio import Valkey
from valkey.exceptions import ValkeyError

from referrals.adapters.outage import OutageGate
from referrals.application.ports.common import Clock
from referrals.application.ports.throttling import Rate, RateLimiter

FORMAT_VERSION: Final = "v1"

# The same algorithm as ``gcra.admit``, run on the server so that concurrent callers cannot both pass.
# Times are integer milliseconds; the key expires when its budget is whole again.
_ACQUIRE = """
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local period = tonumber(ARGV[3])
local start = tonumber(redis.call('GET', KEYS[1]) or now)
if start < now then start = now end
local arrival = start + interval
local wait = arrival - now - period
if wait > 0 then return wait end
redis.call('SET', KEYS[1], arrival, 'PX', arrival - now)
return 0
"""
_RELEASE = """
local now = tonumber(ARGV[1])
local stored = redis.call('GET', KEYS[1])
if not stored then return 0 end
local arrival = tonumber(stored) - tonumber(ARGV[2])
if arrival <= now then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], arrival, 'PX', arrival - now) end
return 1
"""
_FAILURES = (ValkeyError, OSError, asyncio.TimeoutError)


class ValkeyRateLimiter(RateLimiter):
    """Fails open: while Valkey is unreachable, attempts are allowed (and the outage is logged once).

    Limits are a defence against abuse; refusing every login because the cache is down would be the
    outage an attacker wants.
    """

    def __init__(self, client: Valkey, gate: OutageGate, clock: Clock, namespace: str = "referrals") -> None:
        self._gate = gate
        self._clock = clock
        self._prefix = f"{namespace}:{FORMAT_VERSION}:rate:"
        self._acquire = client.register_script(_ACQUIRE)
        self._release = client.register_script(_RELEASE)

    async def acquire(self, key: str, rate: Rate) -> float:
        if not self._gate.is_open():
            return 0.0
        try:
            wait_ms = await self._acquire(keys=[self._key(key)], args=self._args(rate))
        except _FAILURES as error:
            self._gate.failed(error)
            return 0.0
        self._gate.succeeded()
        return int(wait_ms) / 1000

    async def release(self, key: str, rate: Rate) -> None:
        if not self._gate.is_open():
            return
        try:
            await self._release(keys=[self._key(key)], args=self._args(rate)[:2])
        except _FAILURES as error:
            self._gate.failed(error)

    def _key(self, key: str) -> str:
        # Keys hold emails and addresses: store a digest, which also bounds the key's length.
        return self._prefix + hashlib.blake2b(key.encode(), digest_size=16).hexdigest()

    def _args(self, rate: Rate) -> list[int]:
        now_ms = int(self._clock.now().timestamp() * 1000)
        interval_ms = max(1, round(rate.period_seconds * 1000 / rate.limit))
        return [now_ms, interval_ms, interval_ms * rate.limit]
