"""Deliveries over HTTP, through connections that only ever reach addresses the SSRF policy passed.

The check is made where the connection is opened, on the addresses the name resolves to at that moment, and the
socket is connected to one of those very addresses: there is no window between check and use for a DNS answer
to change. TLS still verifies the certificate against the URL's host name, and pooled connections are keyed by
that name, so two endpoints on one address never share a connection made for the other.
"""

import asyncio
from collections.abc import Iterable, Mapping
from typing import Final

import httpcore

from referrals.application.ports.webhooks import WebhookTransport, WebhookUnreachable
from referrals.application.webhook_addresses import WebhookAddressPolicy
from referrals.domain.webhooks import WebhookTarget

# What is read of an answer: its status is all that counts, and a receiver may not make us read a flood.
MAX_ANSWER_BYTES: Final = 64 * 1024
USER_AGENT: Final = b"referrals-webhooks/1"


class _CheckedAddressBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, policy: WebhookAddressPolicy) -> None:
        self._policy = policy
        self._network = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self._policy.addresses_for(host, port)
        # Each checked address in turn (a dual-stack host whose IPv6 is unreachable still has its IPv4).
        for address in addresses[:-1]:
            try:
                return await self._network.connect_tcp(str(address), port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout, OSError):
                continue
        return await self._network.connect_tcp(str(addresses[-1]), port, timeout, local_address, socket_options)

    async def connect_unix_socket(
        self,
        path: str,  # noqa: ARG002
        timeout: float | None = None,  # noqa: ARG002, ASYNC109 - httpcore's interface
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,  # noqa: ARG002
    ) -> httpcore.AsyncNetworkStream:
        msg = "webhooks are delivered over TCP only"
        raise WebhookUnreachable(msg)

    async def sleep(self, seconds: float) -> None:
        await self._network.sleep(seconds)


class HttpcoreWebhookTransport(WebhookTransport):
    def __init__(self, policy: WebhookAddressPolicy, timeout: float, max_connections: int) -> None:
        self._timeout = timeout
        self._pool = httpcore.AsyncConnectionPool(
            max_connections=max_connections,
            network_backend=_CheckedAddressBackend(policy),
        )
        timeouts = {"connect": timeout, "read": timeout, "write": timeout, "pool": timeout}
        self._extensions = {"timeout": timeouts}

    async def post(self, target: WebhookTarget, headers: Mapping[str, str], body: bytes) -> int:
        request_headers = [
            (b"content-type", b"application/json"),
            (b"user-agent", USER_AGENT),
            *((name.encode(), value.encode()) for name, value in headers.items()),
        ]
        try:
            # The whole attempt within the timeout, not each read: an answer trickled a byte at a time ends too.
            async with asyncio.timeout(self._timeout):
                async with self._pool.stream(
                    "POST", target.url, headers=request_headers, content=body, extensions=self._extensions
                ) as answer:
                    read = 0
                    async for chunk in answer.aiter_stream():
                        read += len(chunk)
                        if read >= MAX_ANSWER_BYTES:
                            break
                    return answer.status
        except (TimeoutError, httpcore.TimeoutException):
            msg = f"no answer within {self._timeout:g} s"
            raise WebhookUnreachable(msg) from None
        except (httpcore.NetworkError, httpcore.ProtocolError, httpcore.UnsupportedProtocol) as error:
            raise WebhookUnreachable(type(error).__name__) from None
        except OSError as error:
            raise WebhookUnreachable(type(error).__name__) from None

    async def aclose(self) -> None:
        await self._pool.aclose()
