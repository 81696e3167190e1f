"""The deliveries one process holds, by endpoint, and the slots their attempts take."""

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Final
from uuid import UUID

from referrals.application.use_cases.deliver_webhooks import CLAIMED_PER_SLOT

# How many waves of an endpoint's attempts (its slots' worth each) are still held when it is said to have room;
# fewer than the waves a claim holds (CLAIMED_PER_SLOT), or room would be announced at every attempt's end.
WAVES_LEFT_WHEN_ROOM: Final = 2


class AttemptSlots:
    """A claimed delivery is held until its attempt ends; the attempt takes a slot of its endpoint, then one of
    all, so a slow endpoint's waiting deliveries hold none of the others' slots. ``on_room`` is called at each
    attempt's end once an endpoint holds no more than ``WAVES_LEFT_WHEN_ROOM`` waves, not before: a claim is a
    write transaction, and earlier it would find too little room to be worth one."""

    def __init__(self, per_endpoint: int, in_all: int, on_room: Callable[[], None]) -> None:
        self._per_endpoint = per_endpoint
        self._in_all = in_all
        self._on_room = on_room
        self._held: Counter[UUID] = Counter()
        self._endpoint_slots: dict[UUID, asyncio.Semaphore] = {}
        self._slots_in_all = asyncio.Semaphore(in_all)

    @property
    def held(self) -> Mapping[UUID, int]:
        return self._held

    def room(self) -> int:
        """How many more deliveries this process may claim, to all endpoints together."""
        return self._in_all * CLAIMED_PER_SLOT - self._held.total()

    def hold(self, endpoint: UUID) -> None:
        self._held[endpoint] += 1
        self._endpoint_slots.setdefault(endpoint, asyncio.Semaphore(self._per_endpoint))

    @asynccontextmanager
    async def attempt(self, endpoint: UUID) -> AsyncIterator[None]:
        """A held delivery's attempt, in its slots; the delivery is no longer held once it ends, however."""
        try:
            async with self._endpoint_slots[endpoint], self._slots_in_all:
                yield
        finally:
            self._held[endpoint] -= 1
            if self._held[endpoint] <= 0:
                del self._held[endpoint]
                del self._endpoint_slots[endpoint]
            # An endpoint's claim otherwise waits for the poll when none of the endpoints held here ends a wave.
            # Announced while two waves are still held (one in flight, one waiting): the claim, a write
            # transaction that may queue behind others, then runs beside the attempts, and the slots keep busy.
            if self._held[endpoint] <= WAVES_LEFT_WHEN_ROOM * self._per_endpoint:
                self._on_room()
