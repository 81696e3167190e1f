"""Keyed hashes of client addresses: comparable with each other, useless to anyone without the key."""

import hashlib
import hmac
from ipaddress import ip_network

from referrals.application.ports.fraud import ClientFingerprints


class HmacClientFingerprints(ClientFingerprints):
    """HMAC-SHA256 of the client's address (an IPv6 client's /64, as the HTTP edge buckets it)."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def __repr__(self) -> str:
        return f"{type(self).__name__}(key=…)"

    def of(self, client: str) -> str | None:
        try:
            network = ip_network(client, strict=False)
        except ValueError:
            return None
        if not network.is_global:
            return None
        return hmac.new(self._key, str(network).encode("ascii"), hashlib.sha256).hexdigest()


def fingerprint_key(secret: str) -> bytes:
    """A key of its own derived from the service's secret, so that no hash here is a token's signature too."""
    return hmac.new(secret.encode(), b"referrals client fingerprints", hashlib.sha256).digest()
