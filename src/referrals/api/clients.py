"""Who is calling: the peer address, or the address a trusted proxy says it forwarded for."""

from collections.abc import Iterator
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

from litestar.types import Scope

IPAddress = IPv4Address | IPv6Address
IPNetwork = IPv4Network | IPv6Network
# Anyone holding one IPv6 address usually holds the whole /64 around it.
IPV6_CLIENT_PREFIX = 64


@dataclass(frozen=True, slots=True)
class ClientIdentity:
    trusted_proxies: tuple[IPNetwork, ...] = ()

    def of(self, scope: Scope) -> str:
        """The client's address (an IPv6 client's /64), for budgeting attempts per client.

        ``X-Forwarded-For`` is read right to left, only while each hop is a trusted proxy: whatever a
        client writes into the header itself sits further left and is never reached.
        """
        peer = scope.get("client")
        host = peer[0] if peer else ""
        address = _parse(host)
        if address is None:
            return host or "unknown"
        if self._is_trusted(address):
            for hop in reversed(list(_forwarded_for(scope))):
                hop_address = _parse(hop)
                if hop_address is None:
                    break
                address = hop_address
                if not self._is_trusted(hop_address):
                    break
        return _bucket(address)

    def _is_trusted(self, address: IPAddress) -> bool:
        return any(address in network for network in self.trusted_proxies)


def _forwarded_for(scope: Scope) -> Iterator[str]:
    for name, value in scope.get("headers", ()):
        if name == b"x-forwarded-for":
            yield from (hop.strip() for hop in value.decode("latin-1").split(","))


def _parse(text: str) -> IPAddress | None:
    candidates = [text]
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        candidates.append(text[1 : text.index("]")])
    elif text.count(":") == 1:  # 192.0.2.1:443
        candidates.append(text.partition(":")[0])
    for candidate in candidates:
        try:
            address = ip_address(candidate)
        except ValueError:
            continue
        if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
            return address.ipv4_mapped
        return address
    return None


def _bucket(address: IPAddress) -> str:
    if isinstance(address, IPv6Address):
        return str(IPv6Network((address, IPV6_CLIENT_PREFIX), strict=False))
    return str(address)
