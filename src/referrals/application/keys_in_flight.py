"""The idempotency keys whose requests this process is running now."""

from datetime import datetime


class KeysInFlight:
    """Taken and given back with no await between the look and the take: two copies of one request that reach
    this process at once cannot both take the key."""

    def __init__(self) -> None:
        self._running: dict[tuple[str, str], tuple[str, datetime]] = {}

    def take(self, owner: str, key: str, fingerprint: str, now: datetime) -> tuple[str, datetime] | None:
        """None when the key is now this request's; else the fingerprint and start of the one that holds it."""
        holder = self._running.get((owner, key))
        if holder is None:
            self._running[owner, key] = (fingerprint, now)
        return holder

    def give_back(self, owner: str, key: str) -> None:
        self._running.pop((owner, key), None)
