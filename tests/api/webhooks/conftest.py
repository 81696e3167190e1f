"""The webhook tests' fixtures: a served app with its dispatcher, and a receiver on loopback."""

from collections.abc import AsyncIterator, Iterator

import pytest

from tests.api.webhooks.hooks import Hooks, hooks_for, webhook_settings
from tests.fakes.webhook_receiver import WebhookReceiver


@pytest.fixture
async def hooks(database_url: str) -> AsyncIterator[Hooks]:
    async for built in hooks_for(webhook_settings(database_url)):
        yield built


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    running = WebhookReceiver().start()
    yield running
    running.stop()
