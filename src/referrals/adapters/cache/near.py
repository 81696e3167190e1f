"""A small in-process cache in front of the shared Valkey one, kept honest by invalidations over pub/sub.

A lookup answered from process memory costs microseconds; one that crosses the network to Valkey costs a
round trip and about 120 µs of client CPU. The price is a window: a delete reaches the other processes
when its invalidation message does (measured in the README), and in the deleting process at once.
"""

import asyncio
import logging
import time
from typing import Final

from valkey.asyncio import Valkey
from valkey.exceptions import ValkeyError

from referrals.adapters.cache.in_memory import InMemoryCodeCache
from referrals.adapters.cache.valkey import FORMAT_VERSION, ValkeyCodeCache
from referrals.adapters.outage import OutageGate
from referrals.application.ports.codes import CacheMiss, CodeCache, LiveCode

logger = logging.getLogger(__name__)
_FAILURES = (ValkeyError, OSError, asyncio.TimeoutError)
PUBLISH_ATTEMPTS: Final = 3
# The subscription proves itself alive with a ping this often; silence for LIVENESS_TIMEOUT means it is
# not, and then nothing is served from process memory until it is back.
PING_INTERVAL: Final = 1.0
LIVENESS_TIMEOUT: Final = 3.0


class NearCodeCache(CodeCache):
    """Serves from process memory only while subscribed to the invalidation channel.

    Whenever the subscription starts, restarts or is lost, the process memory is emptied: any message
    missed meanwhile can then do no harm. Fills of process memory are refused if an invalidation arrived
    since the lookup began, the same guard the Valkey cache uses against a late fill.
    """

    def __init__(
        self,
        remote: ValkeyCodeCache,
        publisher: Valkey,
        subscriber: Valkey,
        gate: OutageGate,
        *,
        namespace: str,
        ttl_seconds: float,
        max_entries: int,
    ) -> None:
        self._remote = remote
        self._publisher = publisher
        self._subscriber = subscriber
        self._gate = gate
        self._channel = f"{namespace}:{FORMAT_VERSION}:invalidations"
        self._ttl = ttl_seconds
        self._local = InMemoryCodeCache(max_entries=max_entries, backend="near")
        self._listening = False
        self._stopping = False
        self._listener: asyncio.Task[None] | None = None

    @property
    def listening(self) -> bool:
        return self._listening

    async def start(self) -> None:
        self._listener = asyncio.create_task(self._listen(), name="code-cache-invalidations")

    async def stop(self) -> None:
        # The flag as well as the cancellation: the client may turn a cancelled read into a connection error.
        self._stopping = True
        if self._listener is not None:
            self._listener.cancel()
            await asyncio.gather(self._listener, return_exceptions=True)

    async def get(self, email: str) -> LiveCode | CacheMiss:
        if not self._listening:
            return await self._remote.get(email)
        local = await self._local.get(email)
        if isinstance(local, LiveCode):
            return local
        remote = await self._remote.get(email)
        if isinstance(remote, LiveCode) and isinstance(local, CacheMiss):
            await self._local.put(email, remote, local, self._ttl)
        return remote

    async def put(self, email: str, code: LiveCode, miss: CacheMiss, ttl_seconds: float) -> None:
        # Process memory fills from Valkey on the next lookup, never straight from the database.
        await self._remote.put(email, code, miss, ttl_seconds)

    async def invalidate(self, email: str) -> None:
        await self._local.invalidate(email)
        await self._remote.invalidate(email)
        if self._remote.unreachable:
            # The same server carries the channel: the subscribers have lost it too, and stopped serving
            # from memory. Retrying would only make the delete wait for more timeouts.
            return
        for attempt in range(1, PUBLISH_ATTEMPTS + 1):
            try:
                await self._publisher.publish(self._channel, email)
            except _FAILURES as error:
                if attempt == PUBLISH_ATTEMPTS:
                    logger.error(  # noqa: TRY400 - the cause is in the message; a stack trace adds nothing
                        "could not announce a code invalidation (%s); other processes may serve the code "
                        "from memory for up to %s s",
                        error,
                        self._ttl,
                    )
                    return
                await asyncio.sleep(0.05 * attempt)
            else:
                return

    async def is_healthy(self) -> bool:
        return await self._remote.is_healthy()

    async def _listen(self) -> None:
        while not self._stopping:
            try:
                await self._follow_invalidations()
            except _FAILURES as error:
                self._stop_serving_from_memory()
                if not self._stopping:
                    self._gate.failed(error)
                    await asyncio.sleep(self._gate.retry_after)

    async def _follow_invalidations(self) -> None:
        async with self._subscriber.pubsub() as pubsub:
            await pubsub.subscribe(self._channel)
            self._local.clear()  # whatever was cached before this subscription may have missed messages
            self._listening = True
            self._gate.succeeded()
            heard_at = next_ping = time.monotonic()
            try:
                while not self._stopping:
                    message = await pubsub.get_message(timeout=PING_INTERVAL / 4)
                    now = time.monotonic()
                    if message is not None:
                        heard_at = now
                        if message["type"] == "message":
                            await self._local.invalidate(message["data"].decode())
                    if now - heard_at > LIVENESS_TIMEOUT:
                        msg = f"no answer on the invalidation channel for {LIVENESS_TIMEOUT} s"
                        raise TimeoutError(msg)
                    if now >= next_ping:
                        await pubsub.ping()
                        next_ping = now + PING_INTERVAL
            finally:
                self._stop_serving_from_memory()

    def _stop_serving_from_memory(self) -> None:
        self._listening = False
        self._local.clear()
