"""Names resolved by the system's resolver, off the event loop (the loop runs getaddrinfo in a thread)."""

import asyncio
import socket
from collections.abc import Sequence

from referrals.application.ports.webhooks import HostResolver
from referrals.domain.network_addresses import IPAddress, parsed_address

# A name that takes longer than this to resolve counts as one that does not: a registration waits for it.
RESOLUTION_TIMEOUT = 5.0


class SystemHostResolver(HostResolver):
    async def addresses_of(self, host: str, port: int) -> Sequence[IPAddress]:
        try:
            async with asyncio.timeout(RESOLUTION_TIMEOUT):
                found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError, TimeoutError):
            return []
        addresses: list[IPAddress] = []
        for _family, _type, _proto, _name, sockaddr in found:
            address = parsed_address(str(sockaddr[0]))
            if address is not None and address not in addresses:
                addresses.append(address)
        return addresses
