"""A service app served in process with a webhook dispatcher beside it and an operator key that manages
webhooks: what the webhook tests drive."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from dishka import Provider
from httpx import AsyncClient
from litestar import Litestar

from referrals.api.injection import container_of
from referrals.bootstrap.app import create_app
from referrals.bootstrap.config import Settings
from referrals.bootstrap.webhook_dispatch import WebhookDispatcher
from referrals.domain.api_keys import Scope
from tests.api.conftest import Api, serving
from tests.conftest import make_settings
from tests.operator_keys import issue_api_key, key_headers


@dataclass
class Hooks:
    app: Litestar
    settings: Settings
    client: AsyncClient
    headers: dict[str, str]
    dispatcher: WebhookDispatcher

    @property
    def api(self) -> Api:
        return Api(self.client)

    async def register(self, url: str, events: list[str] | None = None, **fields: object) -> dict[str, Any]:
        response = await self.client.post(
            "/admin/webhooks", json={"url": url, "events": events or ["*"], **fields}, headers=self.headers
        )
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    async def deliver(self) -> None:
        """Fan out what is recorded and send what is due, as one round of the dispatcher does, to the end."""
        await self.dispatcher.poll()
        await self.dispatcher.drain()

    async def deliveries(self, endpoint_id: str, state: str | None = None) -> list[dict[str, Any]]:
        query = "" if state is None else f"?state={state}"
        response = await self.client.get(f"/admin/webhooks/{endpoint_id}/deliveries{query}", headers=self.headers)
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    async def a_code_created(self, email: str) -> None:
        account = await self.api.account(email)
        assert (await self.api.create_code(account)).status_code == 201


async def hooks_for(settings: Settings, *overrides: Provider) -> AsyncIterator[Hooks]:
    app = create_app(settings, *overrides)
    async with serving(app) as client:
        key = await issue_api_key(app, Scope.WEBHOOKS_MANAGE, Scope.REFERRALS_READ)
        dispatcher = WebhookDispatcher(container_of(app), settings.webhooks)
        yield Hooks(app, settings, client, key_headers(key), dispatcher)
        await dispatcher.drain()


def webhook_settings(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "webhook_allow_private_networks": True,
        "webhook_retry_delays": "0,0",
        "webhook_timeout": 2,
        **overrides,
    }
    return make_settings(database_url, **values)
