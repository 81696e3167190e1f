"""Hunter and Clearbit over HTTP, for whichever has a key; imported only then (httpx comes with it)."""

from collections.abc import AsyncIterator

import httpx
from dishka import Provider, Scope, provide

from referrals.adapters.integrations.clearbit import ClearbitProfileEnricher
from referrals.adapters.integrations.hunter import HunterEmailVerifier
from referrals.application.ports.accounts import EmailVerifier, ProfileEnricher
from referrals.bootstrap.config import IntegrationSettings


class HttpIntegrationsProvider(Provider):
    def __init__(self, settings: IntegrationSettings) -> None:
        super().__init__()
        if settings.hunter_api_key:
            self.provide(self._hunter, provides=EmailVerifier, scope=Scope.APP)
        if settings.clearbit_api_key:
            self.provide(self._clearbit, provides=ProfileEnricher, scope=Scope.APP)

    @provide(scope=Scope.APP)
    async def http_client(self, settings: IntegrationSettings) -> AsyncIterator[httpx.AsyncClient]:
        async with httpx.AsyncClient(timeout=settings.integration_timeout, follow_redirects=False) as client:
            yield client

    @staticmethod
    def _hunter(client: httpx.AsyncClient, settings: IntegrationSettings) -> HunterEmailVerifier:
        return HunterEmailVerifier(client, settings.hunter_base_url, settings.hunter_api_key or "")

    @staticmethod
    def _clearbit(client: httpx.AsyncClient, settings: IntegrationSettings) -> ClearbitProfileEnricher:
        return ClearbitProfileEnricher(client, settings.clearbit_base_url, settings.clearbit_api_key or "")
