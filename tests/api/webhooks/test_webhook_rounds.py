"""The dispatcher's rounds: under a stream of one process's commits, the looks for new events are spaced, so
many commits share one; a backlog is claimed from as it is fanned out; every event is still delivered."""

import asyncio
import itertools
import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from uuid import UUID

import msgspec
import pytest

from referrals.application.ports.webhooks import ClaimedDelivery
from referrals.application.use_cases.deliver_webhooks import ClaimDueDeliveries
from referrals.application.use_cases.fan_out_events import FanOutEvents
from referrals.bootstrap import webhook_dispatch
from referrals.bootstrap.webhook_dispatch import FAN_OUT_SPACING
from tests.api.webhooks.hooks import Hooks
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
    steps: list[str] = []
    fan_out, claim = FanOutEvents.__call__, ClaimDueDeliveries.__call__

    async def noted_fan_out(self: FanOutEvents, now: datetime, limit: int = 500) -> int:
        steps.append("fan out")
        return await fan_out(self, now, limit)

    async def noted_claim(self: ClaimDueDeliveries, limit: int, held: Mapping[UUID, int]) -> Sequence[ClaimedDelivery]:
        steps.append("claim")
        return await claim(self, limit, held)

    monkeypatch.setattr(FanOutEvents, "__call__", noted_fan_out)
    monkeypatch.setattr(ClaimDueDeliveries, "__call__", noted_claim)

    await hooks.deliver()

    assert {account.id for account in accounts} <= _owners_delivered(receiver)
    last_fan_out = len(steps) - 1 - steps[::-1].index("fan out")
    assert steps.index("claim") < last_fan_out, steps
