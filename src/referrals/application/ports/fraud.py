"""Referral fraud: throwaway domains, where users were seen from, and what the database counts for the rules."""

from datetime import datetime
from typing import Protocol
from uuid import UUID


class DisposableDomains(Protocol):
    def is_disposable(self, domain: str) -> bool:
        """Whether mail at ``domain`` (or a parent of it) is a throwaway service the operator has not trusted."""
        ...


class ClientFingerprints(Protocol):
    def of(self, client: str) -> str | None:
        """A keyed hash of the client's address (an IPv6 client's /64), never the address itself.

        None for a client that says nothing about who is behind it: an address that is not globally routable
        (loopback, private, shared NAT, link-local) names a proxy, an office gateway or a test, not a person.
        """
        ...


class ClientSightings(Protocol):
    """Where users were recently seen from (their registration and logins), inside a write transaction."""

    async def record(self, user_id: UUID, fingerprint: str, at: datetime) -> None: ...

    async def last_seen(self, user_id: UUID, fingerprint: str, since: datetime) -> datetime | None:
        """When the user was last seen from this client, if it was at or after ``since``."""
        ...

    async def purge(self, before: datetime, limit: int) -> int:
        """Forget up to ``limit`` sightings older than ``before``; how many went."""
        ...


class RegistrationCounts(Protocol):
    """What the fraud rules count, inside the registration's write transaction (after its code is claimed)."""

    async def registrations_on_code(self, code_id: UUID, since: datetime) -> int:
        """Users who registered with this code at or after ``since``."""
        ...

    async def accounts_on_mailbox(self, key: str) -> int:
        """Accounts whose mailbox key is ``key``. Registrations that ask about one key take turns from here to
        their commit, so that of two registering on one mailbox at once, the second counts the first."""
        ...
