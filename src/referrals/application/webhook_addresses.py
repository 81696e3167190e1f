"""Where a webhook may be sent: the host's addresses, every one of them public unless private networks are allowed."""

from collections.abc import Sequence
from dataclasses import dataclass

from referrals.application.ports.webhooks import HostResolver
from referrals.domain.network_addresses import IPAddress, is_public_address
from referrals.domain.webhook_errors import WebhookAddressRefused


@dataclass(frozen=True, slots=True)
class WebhookAddressPolicy:
    resolver: HostResolver
    allow_private_networks: bool

    async def addresses_for(self, host: str, port: int) -> Sequence[IPAddress]:
        """The addresses a connection to ``host`` may go to, as it resolves now.

        All must be public, not just one: a name that resolves to a public and a private address would let
        whoever controls its records choose, attempt by attempt, which one is reached."""
        addresses = await self.resolver.addresses_of(host, port)
        if not addresses:
            raise WebhookAddressRefused("The webhook URL's host does not resolve.")
        if not self.allow_private_networks and not all(is_public_address(address) for address in addresses):
            raise WebhookAddressRefused
        return addresses
