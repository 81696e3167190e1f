"""Webhooks end to end: endpoints registered over HTTP, events delivered to a real receiver on loopback, signed
as Standard Webhooks and verified with its reference library, retried, disabled, rotated; on both databases."""

import asyncio
import base64
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import msgspec
import pytest
from dishka import Provider
from dishka import Scope as DishkaScope
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from referrals.api.injection import container_of
from referrals.application.ports.idempotency import HeldTransaction
from referrals.application.ports.webhooks import HostResolver, WebhookDeliveryRepository
from referrals.application.use_cases.deliver_webhooks import CLAIMED_PER_SLOT, ClaimDueDeliveries, DeliveryPolicy
from referrals.application.use_cases.fan_out_events import FanOutEvents
from referrals.application.use_cases.purge_webhook_deliveries import PurgeWebhookDeliveries
from referrals.bootstrap import webhook_dispatch
from referrals.bootstrap.app import create_app
from referrals.bootstrap.webhook_dispatch import WebhookDispatcher
from referrals.domain.api_keys import Scope
from referrals.domain.ids import new_id
from referrals.domain.network_addresses import IPAddress, parsed_address
from tests.api.conftest import assert_problem, serving
from tests.api.webhooks.hooks import Hooks, hooks_for, webhook_settings
from tests.conftest import make_settings
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.operator_keys import issue_api_key, key_headers


async def whole_feed(hooks: Hooks, event_type: str) -> list[dict[str, Any]]:
    """Every event of the type, page after page: the PostgreSQL tests share one database, feed and all."""
    items: list[dict[str, Any]] = []
    after = 0
    while True:
        page = (
            await hooks.client.get(f"/admin/events?type={event_type}&after={after}&limit=1000", headers=hooks.headers)
        ).json()
        if not page["items"]:
            return items
        items += page["items"]
        after = page["next_after"]


def verified(secret: str, delivered: Any) -> dict[str, Any]:
    payload: dict[str, Any] = Webhook(secret).verify(delivered.body, delivered.headers)
    return payload


async def test_an_endpoint_is_registered_with_a_secret_shown_only_then(hooks: Hooks, receiver: WebhookReceiver) -> None:
    created = await hooks.register(receiver.url, ["referral.qualified", "reward.available"], description="CRM")

    assert created["secret"].startswith("whsec_")
    assert len(base64.b64decode(created["secret"].removeprefix("whsec_"))) >= 24
    assert created["events"] == ["referral.qualified", "reward.available"]
    assert created["enabled"] is True
    assert created["description"] == "CRM"
    shown = (await hooks.client.get(f"/admin/webhooks/{created['id']}", headers=hooks.headers)).json()
    listed = (await hooks.client.get("/admin/webhooks", headers=hooks.headers)).json()["items"]
    assert "secret" not in shown
    assert [item["id"] for item in listed] == [created["id"]]
    assert all("secret" not in item for item in listed)


@pytest.mark.parametrize("events", [["code.made"], ["*", "code.created"], []])
async def test_unknown_event_types_are_a_400(hooks: Hooks, receiver: WebhookReceiver, events: list[str]) -> None:
    response = await hooks.client.post(
        "/admin/webhooks", json={"url": receiver.url, "events": events}, headers=hooks.headers
    )

    assert response.status_code == 400


async def test_a_committed_event_reaches_the_receiver_signed_with_the_feed_s_data(
    hooks: Hooks, receiver: WebhookReceiver
) -> None:
    endpoint = await hooks.register(receiver.url, ["code.created"])
    await hooks.a_code_created("ada@example.com")

    await hooks.deliver()

    (delivered,) = receiver.received
    payload = verified(endpoint["secret"], delivered)
    (in_feed,) = [
        item for item in await whole_feed(hooks, "code.created") if item["data"]["id"] == payload["data"]["id"]
    ]
    assert payload["type"] == "code.created"
    assert payload["data"] == in_feed["data"]
    assert payload["timestamp"] == in_feed["occurred_at"]
    assert delivered.headers["content-type"] == "application/json"
    (record,) = await hooks.deliveries(endpoint["id"])
    assert record["id"] == delivered.headers["webhook-id"]
    assert record["state"] == "succeeded"
    assert record["event_type"] == "code.created"
    assert [attempt["status_code"] for attempt in record["attempts"]] == [200]


async def test_a_signature_made_with_another_secret_does_not_verify(hooks: Hooks, receiver: WebhookReceiver) -> None:
    await hooks.register(receiver.url)
    other = await hooks.register(receiver.url)
    await hooks.a_code_created("ada@example.com")
    await hooks.deliver()

    signed_with = {delivered.headers["webhook-signature"] for delivered in receiver.received}
    assert len(signed_with) == 2
    verifiable = 0
    for delivered in receiver.received:
        try:
            verified(other["secret"], delivered)
            verifiable += 1
        except WebhookVerificationError:
            pass
    assert verifiable == 1


async def test_only_subscribed_types_are_delivered(hooks: Hooks, receiver: WebhookReceiver) -> None:
    await hooks.register(receiver.url, ["referral.qualified"])
    await hooks.a_code_created("ada@example.com")

    await hooks.deliver()

    assert receiver.received == []


async def test_a_failed_attempt_is_retried_with_the_same_webhook_id(hooks: Hooks, receiver: WebhookReceiver) -> None:
    endpoint = await hooks.register(receiver.url)
    receiver.answer_with(500)
    await hooks.a_code_created("ada@example.com")

    await hooks.deliver()
    (pending,) = await hooks.deliveries(endpoint["id"], "pending")
    await hooks.deliver()

    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == pending["id"]
    assert [attempt["status_code"] for attempt in pending["attempts"]] == [500]
    (succeeded,) = await hooks.deliveries(endpoint["id"], "succeeded")
    assert [attempt["status_code"] for attempt in succeeded["attempts"]] == [500, 200]
    verified(endpoint["secret"], second)


async def test_an_answer_that_does_not_come_in_time_is_retried(database_url: str, receiver: WebhookReceiver) -> None:
    async for hooks in hooks_for(webhook_settings(database_url, webhook_timeout=0.3)):
        endpoint = await hooks.register(receiver.url)
        receiver.answer_with(200, delay=1.0)
        await hooks.a_code_created("ada@example.com")

        await hooks.deliver()
        (pending,) = await hooks.deliveries(endpoint["id"], "pending")
        await hooks.deliver()

        (attempt,) = pending["attempts"]
        assert attempt["status_code"] is None
        assert "no answer within" in attempt["error"]
        assert len(await hooks.deliveries(endpoint["id"], "succeeded")) == 1


async def test_a_receiver_that_is_down_gets_its_deliveries_once_it_is_up(hooks: Hooks) -> None:
    receiver = WebhookReceiver().start()
    receiver.stop()  # its port is known, and nothing listens on it
    try:
        endpoint = await hooks.register(receiver.url)
        await hooks.a_code_created("ada@example.com")
        await hooks.deliver()
        (pending,) = await hooks.deliveries(endpoint["id"], "pending")

        receiver.start()
        await hooks.deliver()
    finally:
        receiver.stop()

    assert pending["attempts"][0]["status_code"] is None
    assert pending["attempts"][0]["error"]
    (delivered,) = receiver.received
    verified(endpoint["secret"], delivered)


async def test_a_delivery_fails_after_its_last_retry_and_can_be_sent_again(
    hooks: Hooks, receiver: WebhookReceiver
) -> None:
    endpoint = await hooks.register(receiver.url)
    receiver.answer_with(500, 502, 503)
    await hooks.a_code_created("ada@example.com")
    for _ in range(3):
        await hooks.deliver()
    (failed,) = await hooks.deliveries(endpoint["id"], "failed")
    await hooks.deliver()  # a failed delivery is not sent again by itself
    assert len(receiver.received) == 3

    retried = await hooks.client.post(
        f"/admin/webhooks/{endpoint['id']}/deliveries/{failed['id']}/retry", headers=hooks.headers
    )
    await hooks.deliver()

    assert [attempt["status_code"] for attempt in failed["attempts"]] == [500, 502, 503]
    assert retried.status_code == 202
    assert retried.json()["state"] == "pending"
    assert len(receiver.received) == 4
    (succeeded,) = await hooks.deliveries(endpoint["id"], "succeeded")
    assert succeeded["id"] == failed["id"]
    again = await hooks.client.post(
        f"/admin/webhooks/{endpoint['id']}/deliveries/{failed['id']}/retry", headers=hooks.headers
    )
    assert_problem(again, 409, "delivery-not-failed")


async def test_410_gone_disables_the_endpoint_at_once(hooks: Hooks, receiver: WebhookReceiver) -> None:
    endpoint = await hooks.register(receiver.url)
    receiver.answer_with(410)
    await hooks.a_code_created("ada@example.com")
    await hooks.deliver()
    await hooks.a_code_created("bob@example.com")

    await hooks.deliver()

    assert len(receiver.received) == 1
    shown = (await hooks.client.get(f"/admin/webhooks/{endpoint['id']}", headers=hooks.headers)).json()
    assert shown["enabled"] is False
    assert len(await hooks.deliveries(endpoint["id"], "failed")) == 1


async def test_a_retry_held_while_disabled_goes_out_once_enabled_again(hooks: Hooks, receiver: WebhookReceiver) -> None:
    endpoint = await hooks.register(receiver.url)
    receiver.answer_with(500)
    await hooks.a_code_created("ada@example.com")
    await hooks.deliver()
    disabled = await hooks.client.patch(
        f"/admin/webhooks/{endpoint['id']}", json={"enabled": False}, headers=hooks.headers
    )
    await hooks.a_code_created("bob@example.com")  # while disabled: owed to nobody
    await hooks.deliver()
    assert len(receiver.received) == 1

    enabled = await hooks.client.patch(
        f"/admin/webhooks/{endpoint['id']}", json={"enabled": True}, headers=hooks.headers
    )
    await hooks.deliver()

    assert disabled.json()["enabled"] is False
    assert enabled.json()["enabled"] is True
    first, retried = receiver.received
    assert first.headers["webhook-id"] == retried.headers["webhook-id"]


async def test_after_a_rotation_deliveries_verify_with_the_old_secret_and_the_new(
    hooks: Hooks, receiver: WebhookReceiver
) -> None:
    endpoint = await hooks.register(receiver.url)
    rotated = await hooks.client.post(f"/admin/webhooks/{endpoint['id']}/rotate-secret", headers=hooks.headers)
    await hooks.a_code_created("ada@example.com")

    await hooks.deliver()

    new_secret = rotated.json()["secret"]
    assert rotated.status_code == 200
    assert new_secret.startswith("whsec_")
    assert new_secret != endpoint["secret"]
    (delivered,) = receiver.received
    assert len(delivered.headers["webhook-signature"].split(" ")) == 2
    assert verified(endpoint["secret"], delivered) == verified(new_secret, delivered)


async def test_an_endpoint_is_changed_and_removed(hooks: Hooks, receiver: WebhookReceiver) -> None:
    endpoint = await hooks.register(receiver.url, ["code.created"])
    changed = await hooks.client.patch(
        f"/admin/webhooks/{endpoint['id']}",
        json={"events": ["code.deleted"], "description": "billing"},
        headers=hooks.headers,
    )
    await hooks.a_code_created("ada@example.com")
    await hooks.deliver()
    removed = await hooks.client.delete(f"/admin/webhooks/{endpoint['id']}", headers=hooks.headers)
    gone = await hooks.client.get(f"/admin/webhooks/{endpoint['id']}", headers=hooks.headers)

    assert changed.json()["events"] == ["code.deleted"]
    assert changed.json()["description"] == "billing"
    assert receiver.received == []
    assert removed.status_code == 204
    assert_problem(gone, 404, "webhook-not-found")


async def test_two_dispatchers_sharing_the_outbox_attempt_each_delivery_once(
    database_url: str, receiver: WebhookReceiver
) -> None:
    settings = webhook_settings(database_url)
    async for hooks in hooks_for(settings):
        await hooks.register(receiver.url, ["code.created"])
        for n in range(12):
            await hooks.a_code_created(f"user{n}@example.com")
        other_process = create_app(settings)
        async with serving(other_process):
            other = WebhookDispatcher(container_of(other_process), settings.webhooks)
            # Bounded rounds, both at once: each takes at most its share of the one endpoint per round.
            for _ in range(10):
                await asyncio.gather(hooks.dispatcher.poll(), other.poll())
                await asyncio.gather(hooks.dispatcher.drain(), other.drain())
                if len(receiver.received) >= 12:
                    break

        ids = [delivered.headers["webhook-id"] for delivered in receiver.received]
        assert len(ids) == 12
        assert len(set(ids)) == 12


async def test_webhook_routes_need_the_webhooks_scope(hooks: Hooks, receiver: WebhookReceiver) -> None:
    reader = await issue_api_key(hooks.app, Scope.REFERRALS_READ)

    refused = await hooks.client.post(
        "/admin/webhooks", json={"url": receiver.url, "events": ["*"]}, headers=key_headers(reader)
    )
    anonymous = await hooks.client.get("/admin/webhooks")

    assert_problem(refused, 403, "insufficient-scope")
    assert anonymous.status_code == 401


class StubResolver:
    """Names resolved from a table: the addresses a test gives a name, without asking any DNS server."""

    def __init__(self) -> None:
        self.table: dict[str, list[str]] = {}

    async def addresses_of(self, host: str, port: int) -> Sequence[IPAddress]:
        del port
        literal = parsed_address(host)
        if literal is not None:
            return [literal]
        return [address for text in self.table.get(host, []) if (address := parsed_address(text)) is not None]


@pytest.fixture
def resolver() -> StubResolver:
    return StubResolver()


@pytest.fixture
async def guarded(sqlite_url: str, resolver: StubResolver) -> AsyncIterator[Hooks]:
    """Hooks with the SSRF rules in force (as in production) and names resolved by ``resolver``."""
    stub = Provider(scope=DishkaScope.APP)
    stub.provide(lambda: resolver, provides=HostResolver)
    settings = make_settings(sqlite_url, webhook_retry_delays="0", webhook_timeout=1)
    async for built in hooks_for(settings, stub):
        yield built


REFUSED_ADDRESSES = [
    "127.0.0.1",  # loopback
    "::1",
    "10.0.0.7",  # private
    "172.16.5.4",
    "192.168.1.1",
    "fd12:3456::1",
    "100.64.0.1",  # shared (carrier-grade NAT)
    "169.254.169.254",  # link-local: the cloud metadata address
    "fe80::1",
    "224.0.0.251",  # multicast
    "ff02::1",
    "240.0.0.1",  # reserved
    "0.0.0.0",  # noqa: S104 - an address refused, never bound
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:10.0.0.7",
    "64:ff9b::a9fe:a9fe",  # NAT64 of the metadata address
    "2002:7f00:1::1",  # 6to4 of loopback
]


@pytest.mark.parametrize("address", REFUSED_ADDRESSES)
async def test_a_host_resolving_to_a_non_public_address_is_refused_at_creation(
    guarded: Hooks, resolver: StubResolver, address: str
) -> None:
    resolver.table["hooks.example.com"] = [address]

    response = await guarded.client.post(
        "/admin/webhooks", json={"url": "https://hooks.example.com/in", "events": ["*"]}, headers=guarded.headers
    )

    assert_problem(response, 400, "webhook-address-refused")


async def test_one_non_public_address_among_public_ones_is_enough_to_refuse(
    guarded: Hooks, resolver: StubResolver
) -> None:
    resolver.table["hooks.example.com"] = ["93.184.216.34", "10.0.0.7"]

    response = await guarded.client.post(
        "/admin/webhooks", json={"url": "https://hooks.example.com/in", "events": ["*"]}, headers=guarded.headers
    )

    assert_problem(response, 400, "webhook-address-refused")


@pytest.mark.parametrize(
    "url",
    [
        "https://[::1]/in",
        "https://127.0.0.1:8443/in",
        "https://unresolvable.example.com/in",
    ],
)
async def test_address_literals_and_names_that_do_not_resolve_are_refused(guarded: Hooks, url: str) -> None:
    response = await guarded.client.post("/admin/webhooks", json={"url": url, "events": ["*"]}, headers=guarded.headers)

    assert_problem(response, 400, "webhook-address-refused")


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/in",  # plain http
        "ftp://hooks.example.com/in",
        "https://user:pass@hooks.example.com/in",
        "https:///in",
        "https://hooks.example.com/in#fragment",
        "https://hooks.example.com/in put",
        "hooks.example.com/in",
        "https://hooks.example.com/in#",
        "https://hooks.example.com:0/in",
        "https://bücher.example/in",  # an international host goes in its xn-- form
        "https://hooks.example.com/é",
    ],
)
async def test_urls_that_are_not_absolute_https_ones_are_refused(
    guarded: Hooks, resolver: StubResolver, url: str
) -> None:
    resolver.table["hooks.example.com"] = ["93.184.216.34"]

    response = await guarded.client.post("/admin/webhooks", json={"url": url, "events": ["*"]}, headers=guarded.headers)

    assert_problem(response, 400, "invalid-webhook-url")


async def test_a_name_that_resolves_to_loopback_is_refused(sqlite_url: str) -> None:
    # The system's resolver: localhost is loopback by every hosts file, and no DNS server is asked.
    async for hooks in hooks_for(make_settings(sqlite_url)):
        response = await hooks.client.post(
            "/admin/webhooks", json={"url": "https://localhost/in", "events": ["*"]}, headers=hooks.headers
        )

        assert_problem(response, 400, "webhook-address-refused")


async def test_a_name_that_resolves_elsewhere_by_delivery_time_is_refused_then(
    guarded: Hooks, resolver: StubResolver
) -> None:
    resolver.table["hooks.example.com"] = ["93.184.216.34"]
    endpoint = await guarded.register("https://hooks.example.com/in", ["code.created"])
    # Rebound: the name now points inwards. The attempt is refused before any connection is made.
    resolver.table["hooks.example.com"] = ["169.254.169.254"]
    await guarded.a_code_created("ada@example.com")

    await guarded.deliver()

    (record,) = await guarded.deliveries(endpoint["id"])
    (attempt,) = record["attempts"]
    assert attempt["status_code"] is None
    assert "not public" in attempt["error"]
    assert record["state"] == "pending"  # retried like any failure: the name may point outwards again


async def test_finished_deliveries_are_purged_with_the_feed_and_pending_ones_kept(
    hooks: Hooks, receiver: WebhookReceiver
) -> None:
    done = await hooks.register(receiver.url, ["code.created"])
    await hooks.a_code_created("ada@example.com")
    await hooks.deliver()
    await hooks.client.patch(f"/admin/webhooks/{done['id']}", json={"enabled": False}, headers=hooks.headers)
    waiting = await hooks.register(receiver.url, ["code.created"])
    receiver.answer_with(500)
    await hooks.a_code_created("bob@example.com")
    await hooks.deliver()
    later = datetime.now(UTC) + timedelta(days=hooks.settings.background.event_retention_days + 1)

    async with container_of(hooks.app)() as request:
        purged = await (await request.get(PurgeWebhookDeliveries))(later, 100)

    assert purged == 1
    assert await hooks.deliveries(done["id"]) == []
    (still_owed,) = await hooks.deliveries(waiting["id"])
    assert still_owed["state"] == "pending"


def sample(metrics: str, name: str, **labels: str) -> float:
    for family in text_string_to_metric_families(metrics):
        for found in family.samples:
            if found.name == name and all(found.labels.get(key) == value for key, value in labels.items()):
                return float(found.value)
    return 0.0


async def test_attempts_finished_deliveries_and_the_backlog_s_age_show_on_metrics(
    hooks: Hooks, receiver: WebhookReceiver
) -> None:
    before = (await hooks.client.get("/metrics")).text
    await hooks.register(receiver.url, ["code.created"])
    receiver.answer_with(500)
    await hooks.a_code_created("ada@example.com")

    await hooks.deliver()
    while_pending = (await hooks.client.get("/metrics")).text
    await hooks.deliver()
    after = (await hooks.client.get("/metrics")).text

    attempts = "referrals_webhook_attempts_total"
    assert sample(after, attempts, outcome="5xx") == sample(before, attempts, outcome="5xx") + 1
    assert sample(after, attempts, outcome="2xx") == sample(before, attempts, outcome="2xx") + 1
    finished = "referrals_webhook_deliveries_total"
    assert sample(after, finished, state="succeeded") == sample(before, finished, state="succeeded") + 1
    durations = "referrals_webhook_attempt_duration_seconds_count"
    assert sample(after, durations) == sample(before, durations) + 2
    assert sample(while_pending, "referrals_webhook_oldest_pending_age_seconds") > 0


async def test_no_more_attempts_to_one_endpoint_at_once_than_its_share(
    database_url: str, receiver: WebhookReceiver
) -> None:
    async for hooks in hooks_for(webhook_settings(database_url, webhook_concurrency_per_endpoint=2)):
        await hooks.register(receiver.url, ["code.created"])
        receiver.answer_with(*[200] * 6, delay=0.2)
        for n in range(6):
            await hooks.a_code_created(f"user{n}@example.com")

        for _ in range(3):
            await hooks.deliver()

        assert len(receiver.received) == 6
        assert receiver.most_at_once == 2


async def test_a_fan_out_goes_through_every_event_however_few_are_owed(
    hooks: Hooks, receiver: WebhookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(webhook_dispatch, "FAN_OUT_BATCH", 2)
    await hooks.register(receiver.url, ["code.deleted"])
    for n in range(3):
        await hooks.a_code_created(f"user{n}@example.com")  # events nobody is owed
    ada = await hooks.api.account("ada@example.com")
    await hooks.api.create_code(ada)
    assert (await hooks.client.delete("/referral-code/delete", headers=ada.headers)).status_code == 204

    await hooks.deliver()

    (delivered,) = receiver.received
    assert msgspec.json.decode(delivered.body)["type"] == "code.deleted"


async def test_a_disabled_endpoint_s_pending_retries_do_not_count_as_due(
    hooks: Hooks, receiver: WebhookReceiver
) -> None:
    endpoint = await hooks.register(receiver.url)
    receiver.answer_with(500)
    await hooks.a_code_created("ada@example.com")
    await hooks.deliver()
    await hooks.client.patch(f"/admin/webhooks/{endpoint['id']}", json={"enabled": False}, headers=hooks.headers)

    async with container_of(hooks.app)() as request:
        due = await (await request.get(WebhookDeliveryRepository)).any_due(datetime.now(UTC))

    assert due is False


async def test_options_names_every_method_of_the_webhook_paths(hooks: Hooks) -> None:
    collection = await hooks.client.options("/admin/webhooks")
    one = await hooks.client.options(f"/admin/webhooks/{new_id()}")

    assert collection.headers["allow"] == "GET, OPTIONS, POST"
    assert one.headers["allow"] == "DELETE, GET, OPTIONS, PATCH"


async def test_a_claim_takes_each_endpoint_s_share_less_what_the_process_holds(
    hooks: Hooks, receiver: WebhookReceiver
) -> None:
    endpoint = await hooks.register(receiver.url, ["code.created"])
    for n in range(CLAIMED_PER_SLOT * hooks.settings.webhooks.concurrency_per_endpoint + 3):
        await hooks.a_code_created(f"user{n}@example.com")
    async with container_of(hooks.app)() as request:
        await (await request.get(FanOutEvents))(datetime.now(UTC))
    share = CLAIMED_PER_SLOT * hooks.settings.webhooks.concurrency_per_endpoint
    endpoint_id = UUID(endpoint["id"])

    async with container_of(hooks.app)() as request:
        first = await (await request.get(ClaimDueDeliveries))(100, {})
    async with container_of(hooks.app)() as request:
        second = await (await request.get(ClaimDueDeliveries))(100, {endpoint_id: share - 1})
    async with container_of(hooks.app)() as request:
        third = await (await request.get(ClaimDueDeliveries))(100, {})

    assert (len(first), len(second), len(third)) == (share, 1, 2)
    assert len({claimed.delivery.id for claimed in [*first, *second, *third]}) == share + 3


async def test_while_a_claim_is_open_the_rows_past_the_share_stay_free_for_other_processes(
    empty_postgres_url: str, receiver: WebhookReceiver
) -> None:
    async for hooks in hooks_for(webhook_settings(empty_postgres_url, webhook_concurrency_per_endpoint=1)):
        await hooks.register(receiver.url, ["code.created"])
        for n in range(CLAIMED_PER_SLOT + 3):
            await hooks.a_code_created(f"user{n}@example.com")
        async with container_of(hooks.app)() as request:
            await (await request.get(FanOutEvents))(datetime.now(UTC))
        other_process = create_async_engine(empty_postgres_url)
        try:
            async with container_of(hooks.app)() as request, (await request.get(HeldTransaction)).held():
                claimed = await (await request.get(ClaimDueDeliveries))(100, {})
                async with other_process.connect() as other:
                    free = await other.scalar(
                        text("SELECT count(*) FROM (SELECT id FROM webhook_deliveries FOR UPDATE SKIP LOCKED) AS f")
                    )
        finally:
            await other_process.dispose()

        assert len(claimed) == CLAIMED_PER_SLOT
        assert free == 3


async def test_a_delivery_whose_claim_has_too_little_time_left_is_not_attempted(
    sqlite_url: str, receiver: WebhookReceiver
) -> None:
    # A claim shorter than an attempt: any attempt could outlast it and overlap another process's.
    short = DeliveryPolicy(
        retry_delays=(0.0,), per_endpoint=1, claim_for=timedelta(seconds=5), attempt_takes=timedelta(seconds=10)
    )
    policy = Provider(scope=DishkaScope.APP)
    policy.provide(lambda: short, provides=DeliveryPolicy)
    async for hooks in hooks_for(webhook_settings(sqlite_url), policy):
        endpoint = await hooks.register(receiver.url, ["code.created"])
        await hooks.a_code_created("ada@example.com")

        await hooks.deliver()

        assert receiver.received == []
        (pending,) = await hooks.deliveries(endpoint["id"], "pending")
        assert pending["attempts"] == []
