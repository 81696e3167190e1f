"""The dispatcher's own loop under a stream of one process's commits: the rounds that look for new events are
spaced, so many commits share one, and every event is still delivered."""

import asyncio
import itertools
import time

import msgspec
import pytest

from referrals.bootstrap.webhook_dispatch import FAN_OUT_SPACING
from tests.api.test_webhooks import Hooks, hooks, receiver
from tests.fakes.webhook_receiver import WebhookReceiver

__all__ = ["hooks", "receiver"]

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
    assert min(gaps) >= FAN_OUT_SPACING * 0.99
    # The commits came faster than the spacing: far fewer rounds looked for events than there were commits.
    assert len(looked_at) < CODES


def _owners_delivered(receiver: WebhookReceiver) -> set[str]:
    return {msgspec.json.decode(delivered.body)["data"]["owner_id"] for delivered in list(receiver.received)}
