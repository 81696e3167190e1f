"""Who the client is, from the peer address and X-Forwarded-For; forged hops must never be believed."""

from ipaddress import ip_network

import pytest

from referrals.api.clients import ClientIdentity

PROXY = ClientIdentity(trusted_proxies=(ip_network("10.0.0.0/8"), ip_network("2001:db8:ffff::/48")))


def scope(peer: str | None, *forwarded: str) -> dict[str, object]:
    """Only the keys ClientIdentity reads: not a whole HTTPScope, hence the ignores where it is passed."""
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
    return {"type": "http", "client": None if peer is None else (peer, 50000), "headers": headers}


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        pytest.param("198.51.100.7", (), "198.51.100.7", id="a direct client"),
        pytest.param("198.51.100.7", ("203.0.113.1",), "198.51.100.7", id="an untrusted peer's header is ignored"),
        pytest.param("10.1.2.3", ("203.0.113.1",), "203.0.113.1", id="a trusted proxy's header is believed"),
        pytest.param("10.1.2.3", ("6.6.6.6, 203.0.113.1",), "203.0.113.1", id="a forged hop on the left is ignored"),
        pytest.param("10.1.2.3", ("203.0.113.1, 10.9.9.9",), "203.0.113.1", id="a chain of trusted proxies"),
        pytest.param("10.1.2.3", ("6.6.6.6", "203.0.113.1"), "203.0.113.1", id="repeated headers read as one list"),
        pytest.param("10.1.2.3", ("10.4.4.4",), "10.4.4.4", id="only trusted hops: the furthest one"),
        pytest.param("10.1.2.3", ("garbage, 10.4.4.4",), "10.4.4.4", id="an unreadable hop stops the walk"),
        pytest.param("10.1.2.3", ("203.0.113.1:4711",), "203.0.113.1", id="a hop with a port"),
        pytest.param("10.1.2.3", ("[2001:db8::1]:443",), "2001:db8::/64", id="a bracketed IPv6 hop with a port"),
        pytest.param("2001:db8:1:2:aaaa::1", (), "2001:db8:1:2::/64", id="an IPv6 client is its /64"),
        pytest.param("::ffff:198.51.100.7", (), "198.51.100.7", id="an IPv4-mapped address is the IPv4 one"),
        pytest.param("2001:db8:ffff::5", ("198.51.100.8",), "198.51.100.8", id="a trusted IPv6 proxy"),
        pytest.param("testclient", ("203.0.113.1",), "testclient", id="a peer that is not an address"),
        pytest.param(None, ("203.0.113.1",), "unknown", id="no peer at all"),
    ],
)
def test_the_client_is_the_nearest_untrusted_address(peer: str | None, forwarded: tuple[str, ...], client: str) -> None:
    assert PROXY.of(scope(peer, *forwarded)) == client  # type: ignore[arg-type]


def test_with_no_trusted_proxies_the_header_counts_for_nothing() -> None:
    assert ClientIdentity().of(scope("10.1.2.3", "203.0.113.1")) == "10.1.2.3"  # type: ignore[arg-type]
