"""Which addresses outbound requests may reach: public ones only, so a webhook cannot be aimed inwards."""

from ipaddress import IPv4Address, IPv6Address, IPv6Network, ip_address

IPAddress = IPv4Address | IPv6Address

# The well-known NAT64 prefix: 64:ff9b::a.b.c.d reaches a.b.c.d through a translator.
_NAT64 = IPv6Network("64:ff9b::/96")
# Not public, though the standard library of older Pythons calls them global: deprecated site-local, and the
# documentation range of RFC 9637.
_NOT_PUBLIC = (IPv6Network("fec0::/10"), IPv6Network("3fff::/20"))


def is_public_address(address: IPAddress) -> bool:
    """False for loopback, private, shared, link-local (the cloud metadata address among them), multicast,
    reserved and unspecified addresses, and for IPv6 forms that embed an IPv4 address that is one of those."""
    if isinstance(address, IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return is_public_address(embedded)
        if any(address in network for network in _NOT_PUBLIC):
            return False
    return address.is_global and not (address.is_multicast or address.is_reserved or address.is_link_local)


def parsed_address(text: str) -> IPAddress | None:
    """An address as a resolver writes it (an IPv6 zone after ``%`` dropped), or None if it is not one."""
    try:
        return ip_address(text.split("%", 1)[0])
    except ValueError:
        return None


def _embedded_ipv4(address: IPv6Address) -> IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return IPv4Address(int(address) & 0xFFFF_FFFF)
    return None
