"""Webhook rules: what an endpoint subscribes to, which URLs and addresses are allowed, secrets and rotation,
and the retry schedule of a delivery."""

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from ipaddress import ip_address

import pytest

from referrals.domain.events import EventType
from referrals.domain.ids import new_id
from referrals.domain.network_addresses import is_public_address
from referrals.domain.webhook_deliveries import DeliveryAttempt, DeliveryState, WebhookDelivery
from referrals.domain.webhook_errors import InvalidWebhookUrl, UnknownWebhookEventType
from referrals.domain.webhooks import (
    ROTATION_OVERLAP,
    WebhookEndpoint,
    checked_event_types,
    checked_webhook_url,
    new_webhook_secret,
)

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
DELAYS = (5.0, 300.0, 1800.0)


def an_endpoint(**fields: object) -> WebhookEndpoint:
    values: dict[str, object] = {
        "id": new_id(),
        "url": "https://hooks.example.com/in",
        "event_types": None,
        "description": "",
        "enabled": True,
        "created_at": NOW,
        "secret": new_webhook_secret(),
        **fields,
    }
    return WebhookEndpoint(**values)  # type: ignore[arg-type]


def a_delivery() -> WebhookDelivery:
    return WebhookDelivery(
        id=new_id(),
        endpoint_id=new_id(),
        event_id=7,
        event_type=EventType.CODE_CREATED,
        state=DeliveryState.PENDING,
        created_at=NOW,
        next_attempt_at=NOW,
    )


def failed_at(at: datetime, status: int | None = 500) -> DeliveryAttempt:
    return DeliveryAttempt(at=at, status_code=status, duration_ms=3, error=None if status else "refused")


def test_the_star_alone_subscribes_to_every_type() -> None:
    assert checked_event_types(["*"]) is None
    assert checked_event_types(["code.created", "code.created"]) == frozenset({EventType.CODE_CREATED})


@pytest.mark.parametrize("names", [[], ["code.made"], ["*", "code.created"], ["Code.Created"]])
def test_unknown_or_mixed_types_are_refused(names: list[str]) -> None:
    with pytest.raises(UnknownWebhookEventType):
        checked_event_types(names)


def test_an_endpoint_is_owed_the_events_after_its_registration_of_the_types_it_names() -> None:
    endpoint = an_endpoint(event_types=frozenset({EventType.REWARD_AVAILABLE}), events_after=10)

    assert endpoint.is_owed(11, EventType.REWARD_AVAILABLE)
    assert not endpoint.is_owed(10, EventType.REWARD_AVAILABLE)
    assert not endpoint.is_owed(11, EventType.CODE_CREATED)


def test_a_secret_is_the_standard_webhooks_format_with_enough_randomness() -> None:
    secret = new_webhook_secret()

    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) >= 24
    assert new_webhook_secret() != secret


def test_a_rotated_endpoint_signs_with_both_secrets_for_the_overlap_then_the_new_one_alone() -> None:
    endpoint = an_endpoint()
    rotated = endpoint.rotated(NOW)

    assert rotated.signing_secrets(NOW) == (rotated.secret, endpoint.secret)
    assert rotated.signing_secrets(NOW + ROTATION_OVERLAP - timedelta(seconds=1)) == (rotated.secret, endpoint.secret)
    assert rotated.signing_secrets(NOW + ROTATION_OVERLAP) == (rotated.secret,)
    assert rotated.secret != endpoint.secret


@pytest.mark.parametrize("url", ["https://hooks.example.com/in", "https://hooks.example.com:8443/in?token=x"])
def test_https_urls_with_a_host_are_allowed(url: str) -> None:
    target = checked_webhook_url(url, allow_plain_http=False)

    assert target.host == "hooks.example.com"
    assert target.port in {443, 8443}


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/in",
        "https://u:p@hooks.example.com/",
        "https://hooks.example.com:99999/",
        "https://hooks.example.com/\x00",
        "https://hooks.example.com/a b",
        "https://" + "a" * 2048 + ".com/",
    ],
)
def test_other_urls_are_refused(url: str) -> None:
    with pytest.raises(InvalidWebhookUrl):
        checked_webhook_url(url, allow_plain_http=False)


def test_plain_http_is_allowed_only_where_private_networks_are() -> None:
    assert checked_webhook_url("http://127.0.0.1:9/in", allow_plain_http=True).port == 9


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
        ("::ffff:93.184.216.34", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("224.0.0.1", False),
        ("240.0.0.1", False),
        ("255.255.255.255", False),
        ("192.0.2.1", False),  # documentation
        ("::", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("ff02::1", False),
        ("::ffff:169.254.169.254", False),
        ("64:ff9b::7f00:1", False),
        ("2002:a00:1::1", False),
        ("2001:0:4136:e378:8000:63bf:f5ff:fffe", False),  # Teredo of 10.0.0.1
        ("fec0::1", False),  # site-local, deprecated
        ("3fff::1", False),  # documentation (RFC 9637)
    ],
)
def test_only_public_addresses_are_public(address: str, public: bool) -> None:
    assert is_public_address(ip_address(address)) is public


def test_a_failed_attempt_is_due_again_after_the_next_delay_with_jitter() -> None:
    after = a_delivery().after(failed_at(NOW), DELAYS, jitter=1.0)

    assert after.state is DeliveryState.PENDING
    assert after.attempts_made == 1
    assert after.next_attempt_at == NOW + timedelta(seconds=5 * 1.1)


def test_after_the_last_delay_the_delivery_has_failed() -> None:
    delivery = a_delivery()
    at = NOW
    for _ in DELAYS:
        delivery = delivery.after(failed_at(at), DELAYS, jitter=0.0)
        assert delivery.state is DeliveryState.PENDING
        assert delivery.next_attempt_at is not None
        at = delivery.next_attempt_at

    delivery = delivery.after(failed_at(at, None), DELAYS, jitter=0.0)

    assert delivery.state is DeliveryState.FAILED
    assert delivery.attempts_made == len(DELAYS) + 1
    assert delivery.next_attempt_at is None


def test_gone_fails_a_delivery_at_once_and_a_2xx_succeeds_it() -> None:
    assert a_delivery().after(failed_at(NOW, 410), DELAYS, 0.0).state is DeliveryState.FAILED
    assert a_delivery().after(failed_at(NOW, 204), DELAYS, 0.0).state is DeliveryState.SUCCEEDED
    assert a_delivery().after(failed_at(NOW, 302), DELAYS, 0.0).state is DeliveryState.PENDING


def test_sending_a_failed_delivery_again_starts_a_whole_schedule() -> None:
    failed = a_delivery().after(failed_at(NOW, 410), DELAYS, 0.0)

    again = failed.sent_again(NOW + timedelta(hours=1))
    retried = again.after(failed_at(NOW + timedelta(hours=1)), DELAYS, 0.0)

    assert again.state is DeliveryState.PENDING
    assert again.next_attempt_at == NOW + timedelta(hours=1)
    assert retried.next_attempt_at == NOW + timedelta(hours=1, seconds=5)


def test_the_signature_is_the_specification_s_hmac_over_id_timestamp_and_body() -> None:
    from referrals.adapters.webhooks.signer import StandardWebhookSigner  # noqa: PLC0415 - the one adapter here

    secret = new_webhook_secret()
    body = b'{"type":"code.created"}'

    signature = StandardWebhookSigner().signature("msg_1", NOW, body, [secret])

    key = base64.b64decode(secret.removeprefix("whsec_"))
    expected = hmac.new(key, f"msg_1.{int(NOW.timestamp())}.".encode() + body, hashlib.sha256).digest()
    assert signature == "v1," + base64.b64encode(expected).decode()
