"""The dispatcher's rounds: under a stream of one process's commits, the looks for new events are spaced, so
many commits share one; a backlog is claimed from as it is fanned out, with no look before a claim while claims
come back full; every event is still delivered."""

import asyncio
import itertools
import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from uuid import UUID

import msgspec
import pytest

from referrals.adapters.persistence.webhook_deliveries import SqlaWebhookDeliveryRepository
from referrals.application.ports.webhooks import ClaimedDelivery
from referrals.application.use_cases.deliver_webhooks import CLAIMED_PER_SLOT, ClaimDueDeliveries
from referrals.application.use_cases.fan_out_events import FanOutEvents
from referrals.bootstrap import webhook_dispatch
from referrals.bootstrap.webhook_dispatch import FAN_OUT_SPACING
from tests.api.webhooks.hooks import Hooks, hooks_for, webhook_settings
from tests.fakes.webhook_receiver import WebhookReceiver

CODES = 30


async def test_a_stream_of_commits_shares_spaced_rounds_and_every_event_is_delivered(
    hooks: Hooks, receiver: WebhookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    await hooks.register(receiver.url, ["code.created"])
    looked_at: list[float] = []
    poll = hooks.dispatcher.poll

    async def noted_poll(*, fan_out: bool = True) -> int:
        if fan_out:
            looked_at.append(time.monotonic())
        return await poll(fan_out=fan_out)

    monkeypatch.setattr(hooks.dispatcher, "poll", noted_poll)
    hooks.dispatcher.start()
    try:
        accounts = [await hooks.api.account(f"user{n}@example.com") for n in range(CODES)]
        owners = {account.id for account in accounts}
        for account in accounts:
            assert (await hooks.api.create_code(account)).status_code == 201
        for _ in range(100):  # at most about 10 s
            if owners <= _owners_delivered(receiver):
                break
            await asyncio.sleep(0.1)
    finally:
        await hooks.dispatcher.stop()

    assert owners <= _owners_delivered(receiver)
    gaps = [later - earlier for earlier, later in itertools.pairwise(looked_at)]
    assert gaps
    # One after another, the commits come faster than the spacing (unspaced, looks came 27 ms apart).
    assert min(gaps) >= FAN_OUT_SPACING * 0.99


def _owners_delivered(receiver: WebhookReceiver) -> set[str]:
    return {msgspec.json.decode(delivered.body)["data"]["owner_id"] for delivered in list(receiver.received)}


async def test_a_backlog_is_claimed_from_batch_by_batch_as_it_is_fanned_out(
    hooks: Hooks, receiver: WebhookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(webhook_dispatch, "FAN_OUT_BATCH", 2)
    await hooks.register(receiver.url, ["code.created"])
    accounts = [await hooks.api.account(f"user{n}@example.com") for n in range(6)]
    for account in accounts:
        assert (await hooks.api.create_code(account)).status_code == 201
    owners = {account.id for account in accounts}
    steps: list[str] = []
    fan_out, claim = FanOutEvents.__call__, ClaimDueDeliveries.__call__

    async def noted_fan_out(self: FanOutEvents, now: datetime, limit: int = 500) -> int:
        steps.append("fan out")
        return await fan_out(self, now, limit)

    async def noted_claim(
        self: ClaimDueDeliveries, limit: int, held: Mapping[UUID, int], *, look_first: bool = True
    ) -> Sequence[ClaimedDelivery]:
        steps.append("claim")
        return await claim(self, limit, held, look_first=look_first)

    monkeypatch.setattr(FanOutEvents, "__call__", noted_fan_out)
    monkeypatch.setattr(ClaimDueDeliveries, "__call__", noted_claim)

    await hooks.deliver()

    assert owners <= _owners_delivered(receiver)
    last_fan_out = len(steps) - 1 - steps[::-1].index("fan out")
    assert steps.index("claim") < last_fan_out, steps


async def test_after_a_full_claim_the_next_one_takes_no_look_first_and_after_a_short_one_it_does(
    database_url: str, receiver: WebhookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    claims: list[tuple[int, int]] = []  # (looks before it, deliveries it found)
    looks = 0
    claim, any_due = ClaimDueDeliveries.__call__, SqlaWebhookDeliveryRepository.any_due

    async def noted_any_due(self: SqlaWebhookDeliveryRepository, now: datetime) -> bool:
        nonlocal looks
        looks += 1
        return await any_due(self, now)

    async def noted_claim(
        self: ClaimDueDeliveries, limit: int, held: Mapping[UUID, int], *, look_first: bool = True
    ) -> Sequence[ClaimedDelivery]:
        nonlocal looks
        looks = 0
        found = await claim(self, limit, held, look_first=look_first)
        claims.append((looks, len(found)))
        return found

    monkeypatch.setattr(SqlaWebhookDeliveryRepository, "any_due", noted_any_due)
    monkeypatch.setattr(ClaimDueDeliveries, "__call__", noted_claim)
    # One attempt at a time to the endpoint: a claim takes CLAIMED_PER_SLOT of its deliveries at most.
    async for hooks in hooks_for(webhook_settings(database_url, webhook_concurrency_per_endpoint=1)):
        await hooks.register(receiver.url, ["code.created"])
        for n in range(CLAIMED_PER_SLOT + 2):
            await hooks.a_code_created(f"user{n}@example.com")

        for _ in range(3):
            await hooks.deliver()

    assert len(receiver.received) == CLAIMED_PER_SLOT + 2
    # Full (the endpoint's whole share), so no look; short, so the next one looks, and finds nothing due.
    assert claims == [(1, CLAIMED_PER_SLOT), (0, 2), (1, 0)], claims
