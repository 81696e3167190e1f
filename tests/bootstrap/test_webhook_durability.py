"""Deliveries survive the process that was sending them: a worker killed with SIGKILL mid-delivery leaves its
claim to lapse, and the next worker sends the delivery again, with the same ``webhook-id``; on both databases."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from standardwebhooks.webhooks import Webhook

from referrals.application.use_cases.create_api_key import CreateApiKey, NewApiKey
from referrals.application.use_cases.manage_webhooks import CreateWebhookEndpoint, NewWebhook
from referrals.bootstrap.container import make_container
from referrals.domain.api_keys import Scope
from tests.conftest import TEST_JWT_SECRET, make_settings
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.processes import stop_process_group

WEBHOOK_SETTINGS = {"webhook_allow_private_networks": True, "webhook_timeout": 1, "webhook_retry_delays": "0"}


def start_worker(database_url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "JWT_SECRET": TEST_JWT_SECRET,
        "BACKGROUND_INTERVAL": "0.2",
        "WEBHOOK_POLL_INTERVAL": "0.1",
        **{name.upper(): str(value) for name, value in WEBHOOK_SETTINGS.items()},
    }
    with log.open("wb") as sink:
        return subprocess.Popen(
            [sys.executable, "-m", "referrals", "worker"],
            cwd=log.parent,
            env=env,
            stdout=sink,
            stderr=sink,
            start_new_session=True,
        )


def until(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"{what} not within {seconds} s"
        time.sleep(0.02)


async def test_a_delivery_cut_short_by_sigkill_is_sent_again_by_the_next_worker(
    database_url: str, tmp_path: Path
) -> None:
    receiver = WebhookReceiver().start()
    receiver.answer_with(200, delay=3.0)  # the first attempt is still waiting for its answer when the kill comes
    container = make_container(make_settings(database_url, **WEBHOOK_SETTINGS))
    try:
        async with container() as request:
            endpoint = await (await request.get(CreateWebhookEndpoint))(NewWebhook(receiver.url, ["api_key.created"]))
        async with container() as request:
            await (await request.get(CreateApiKey))(NewApiKey(name="billing", scopes=frozenset({Scope.EVENTS_WRITE})))
    finally:
        await container.close()

    first = start_worker(database_url, tmp_path / "first.log")
    try:
        until(lambda: len(receiver.received) == 1, 20, "the first attempt")
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        stop_process_group(first)
    second = start_worker(database_url, tmp_path / "second.log")
    try:
        # The claim lapses (five times the timeout, and five seconds), then the second worker sends it again.
        until(lambda: len(receiver.received) == 2, 30, "the delivery sent again")
    finally:
        stop_process_group(second)
        receiver.stop()

    cut_short, sent_again = receiver.received
    assert cut_short.headers["webhook-id"] == sent_again.headers["webhook-id"]
    payload = Webhook(endpoint.secret).verify(sent_again.body, sent_again.headers)
    assert payload["type"] == "api_key.created"
    assert payload["data"]["name"] == "billing"
