"""While no webhook endpoint is registered, nothing committed is owed to anyone: the fan-out reads no event and
writes nothing, and the first endpoint registered starts it at its own registration, the next ones
leaving it where it is. On both databases."""

from datetime import UTC, datetime

import msgspec

from referrals.api.injection import container_of
from referrals.application.ports.webhooks import WebhookDeliveryRepository
from referrals.application.use_cases.fan_out_events import FanOutEvents
from tests.api.webhooks.hooks import Hooks
from tests.fakes.webhook_receiver import WebhookReceiver


async def fan_out(hooks: Hooks) -> int:
    async with container_of(hooks.app)() as request:
        read: int = await (await request.get(FanOutEvents))(datetime.now(UTC))
        return read


async def fan_out_position(hooks: Hooks) -> int:
    async with container_of(hooks.app)() as request:
        deliveries: WebhookDeliveryRepository = await request.get(WebhookDeliveryRepository)
        return await deliveries.fan_out_position()


async def newest_event_id(hooks: Hooks) -> int:
    """The feed's last id, page after page: the PostgreSQL tests share one feed."""
    newest = after = 0
    while True:
        response = await hooks.client.get(f"/admin/events?after={after}&limit=1000", headers=hooks.headers)
        assert response.status_code == 200, response.text
        page = response.json()
        if not page["items"]:
            return newest
        newest = max(newest, *(int(event["id"]) for event in page["items"]))
        after = page["next_after"]


async def test_with_no_endpoint_registered_the_fan_out_reads_nothing_and_moves_nothing(hooks: Hooks) -> None:
    before = await fan_out_position(hooks)
    for n in range(3):
        await hooks.a_code_created(f"user{n}@example.com")

    read = await fan_out(hooks)

    assert read == 0
    assert await fan_out_position(hooks) == before


async def test_the_first_endpoint_starts_the_fan_out_at_its_registration(
    hooks: Hooks, receiver: WebhookReceiver
) -> None:
    for n in range(3):
        await hooks.a_code_created(f"user{n}@example.com")
    before_registration = await newest_event_id(hooks)

    await hooks.register(receiver.url, ["code.created"])
    at_registration = await fan_out_position(hooks)
    await hooks.a_code_created("ada@example.com")
    read = await fan_out(hooks)
    await hooks.deliver()

    assert at_registration == before_registration
    assert read == 1
    (delivered,) = receiver.received
    assert msgspec.json.decode(delivered.body)["type"] == "code.created"


async def test_a_disabled_endpoint_keeps_the_fan_out_going_and_is_owed_nothing_from_while_it_was_off(
    hooks: Hooks, receiver: WebhookReceiver
) -> None:
    endpoint = await hooks.register(receiver.url, ["code.created"])
    path = f"/admin/webhooks/{endpoint['id']}"
    assert (await hooks.client.patch(path, json={"enabled": False}, headers=hooks.headers)).status_code == 200
    await hooks.a_code_created("ada@example.com")

    read_while_off = await fan_out(hooks)
    assert (await hooks.client.patch(path, json={"enabled": True}, headers=hooks.headers)).status_code == 200
    await hooks.deliver()

    assert read_while_off == 1
    assert await fan_out_position(hooks) == await newest_event_id(hooks)
    assert receiver.received == []


async def test_a_second_endpoint_leaves_the_first_the_events_it_is_owed(
    hooks: Hooks, receiver: WebhookReceiver
) -> None:
    await hooks.register(receiver.url, ["code.created"])
    await hooks.a_code_created("ada@example.com")

    await hooks.register(receiver.url, ["code.deleted"])
    await hooks.deliver()

    (delivered,) = receiver.received
    assert msgspec.json.decode(delivered.body)["type"] == "code.created"
