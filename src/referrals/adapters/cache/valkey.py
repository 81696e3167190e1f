"""Live codes in Valkey, shared by every process of the service."""

import asyncio
import logging
from typing import Final

import msgspec
from valkey.asyncio import Valkey
from valkey.exceptions import ValkeyError

from referrals.adapters.cache import metrics
from referrals.adapters.outage import OutageGate
from referrals.application.ports.codes import CacheMiss, CodeCache, LiveCode

logger = logging.getLogger(__name__)

# The version is part of every key: a release that changes the value format starts from an empty cache
# instead of misreading the old one.
FORMAT_VERSION: Final = "v1"
# A generation must outlive any lookup that read it (a lookup takes milliseconds), or an old fill could
# match a counter that expired and started again.
GENERATION_TTL_SECONDS: Final = 24 * 3600
# A miss that must not be filled: the cache could not be read, so nothing is known about invalidations.
UNFILLABLE: Final = CacheMiss(generation=-1)
INVALIDATION_ATTEMPTS: Final = 3

# Store the value only if no invalidation happened since the miss: atomic on the server, so a delete
# that commits while a lookup is reading the database can never be undone by that lookup's fill.
_FILL_IF_UNCHANGED = """
if (redis.call('GET', KEYS[2]) or '0') == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0
"""

_FAILURES = (ValkeyError, OSError, asyncio.TimeoutError)
_hits = metrics.lookups.labels(backend="valkey", result="hit")
_misses = metrics.lookups.labels(backend="valkey", result="miss")
_errors = metrics.lookups.labels(backend="valkey", result="error")
_bypassed = metrics.lookups.labels(backend="valkey", result="bypassed")
_invalidated = metrics.invalidations.labels(backend="valkey", result="ok")
_invalidation_failures = metrics.invalidations.labels(backend="valkey", result="error")
_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(LiveCode)


class ValkeyCodeCache(CodeCache):
    """A failing or slow server never fails a lookup: every error reads as a miss, and the database answers.

    Invalidations are retried a few times; one that still fails leaves a stale entry for at most
    its TTL (``CODE_CACHE_TTL``), which is why that TTL is kept short.
    """

    def __init__(self, client: Valkey, gate: OutageGate, namespace: str = "referrals") -> None:
        self._client = client
        self._gate = gate
        self._code_prefix = f"{namespace}:{FORMAT_VERSION}:code:"
        self._generation_prefix = f"{namespace}:{FORMAT_VERSION}:generation:"
        self._fill = client.register_script(_FILL_IF_UNCHANGED)

    @property
    def unreachable(self) -> bool:
        """True from a failed call until the next successful one."""
        return self._gate.down

    async def get(self, email: str) -> LiveCode | CacheMiss:
        if not self._gate.is_open():
            _bypassed.inc()
            return UNFILLABLE
        try:
            raw, generation = await self._client.mget(self._code_prefix + email, self._generation_prefix + email)
        except _FAILURES as error:
            _errors.inc()
            self._gate.failed(error)
            return UNFILLABLE
        self._gate.succeeded()
        if raw is not None:
            try:
                code = _decoder.decode(raw)
            except (msgspec.DecodeError, msgspec.ValidationError):
                _errors.inc()
                logger.warning("unreadable cache entry for a code lookup; it will be replaced")
            else:
                _hits.inc()
                return code
        _misses.inc()
        try:
            return CacheMiss(generation=int(generation or 0))
        except ValueError:
            return UNFILLABLE

    async def put(self, email: str, code: LiveCode, miss: CacheMiss, ttl_seconds: float) -> None:
        ttl_ms = int(ttl_seconds * 1000)
        if miss.generation < 0 or ttl_ms <= 0 or not self._gate.is_open():
            return
        try:
            await self._fill(
                keys=[self._code_prefix + email, self._generation_prefix + email],
                args=[str(miss.generation), _encoder.encode(code), ttl_ms],
            )
        except _FAILURES as error:
            self._gate.failed(error)

    async def invalidate(self, email: str) -> None:
        # Not skipped while the gate is closed: an invalidation is worth a timeout, a lookup is not.
        for attempt in range(1, INVALIDATION_ATTEMPTS + 1):
            try:
                async with self._client.pipeline(transaction=True) as pipeline:
                    pipeline.delete(self._code_prefix + email)
                    pipeline.incr(self._generation_prefix + email)
                    pipeline.expire(self._generation_prefix + email, GENERATION_TTL_SECONDS)
                    await pipeline.execute()
            except _FAILURES as error:
                self._gate.failed(error)
                if attempt == INVALIDATION_ATTEMPTS:
                    _invalidation_failures.inc()
                    logger.error(  # noqa: TRY400 - the cause is in the message; a stack trace adds nothing
                        "could not invalidate a cached code after %d attempts (%s); "
                        "it may be served until its cache TTL runs out",
                        attempt,
                        error,
                    )
                    return
                await asyncio.sleep(0.05 * attempt)
            else:
                _invalidated.inc()
                self._gate.succeeded()
                return

    async def is_healthy(self) -> bool:
        try:
            await self._client.ping()
        except _FAILURES as error:
            self._gate.failed(error)
            return False
        self._gate.succeeded()
        return True
