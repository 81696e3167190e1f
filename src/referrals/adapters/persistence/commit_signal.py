"""A process's own commits of events, signalled: the webhook dispatcher wakes for them rather than waiting
for its next poll (the poll still finds what other processes commit)."""

import asyncio


class CommitSignal:
    def __init__(self) -> None:
        self._committed = asyncio.Event()

    def notify(self) -> None:
        self._committed.set()

    def clear(self) -> None:
        self._committed.clear()

    def is_set(self) -> bool:
        """Whether an event was committed since the last ``clear``."""
        return self._committed.is_set()

    async def wait(self) -> None:
        await self._committed.wait()
