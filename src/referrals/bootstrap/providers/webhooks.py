from collections.abc import AsyncIterator
from datetime import timedelta

from dishka import Provider, Scope, provide

from referrals.adapters.persistence.webhook_deliveries import SqlaWebhookDeliveryRepository
from referrals.adapters.persistence.webhook_delivery_queries import SqlaWebhookDeliveryQueries
from referrals.adapters.persistence.webhook_endpoints import SqlaWebhookEndpointRepository
from referrals.adapters.webhooks.resolver import SystemHostResolver
from referrals.adapters.webhooks.signer import StandardWebhookSigner
from referrals.application.ports.common import Clock
from referrals.application.ports.webhooks import (
    HostResolver,
    WebhookDeliveryQueries,
    WebhookDeliveryRepository,
    WebhookEndpointRepository,
    WebhookSigner,
    WebhookTransport,
)
from referrals.application.use_cases.deliver_webhooks import (
    CLAIMED_PER_SLOT,
    AttemptDelivery,
    ClaimDueDeliveries,
    DeliveryPolicy,
    RecordDeliveryAttempts,
)
from referrals.application.use_cases.fan_out_events import FanOutEvents
from referrals.application.use_cases.manage_webhooks import (
    CreateWebhookEndpoint,
    DeleteWebhookEndpoint,
    GetWebhookEndpoint,
    ListWebhookEndpoints,
    RotateWebhookSecret,
    UpdateWebhookEndpoint,
)
from referrals.application.use_cases.purge_webhook_deliveries import PurgeWebhookDeliveries
from referrals.application.use_cases.webhook_deliveries import ListWebhookDeliveries, RetryWebhookDelivery
from referrals.application.webhook_addresses import WebhookAddressPolicy
from referrals.bootstrap.config import WebhookSettings

# Room, past the attempt's own timeout, for recording its outcome before another process may take it over.
CLAIM_MARGIN = timedelta(seconds=5)


class WebhooksProvider(Provider):
    """Webhook endpoints, their deliveries, and the way out to the network (resolver, SSRF policy, HTTP)."""

    endpoints = provide(SqlaWebhookEndpointRepository, provides=WebhookEndpointRepository, scope=Scope.REQUEST)
    deliveries = provide(SqlaWebhookDeliveryRepository, provides=WebhookDeliveryRepository, scope=Scope.REQUEST)
    delivery_queries = provide(SqlaWebhookDeliveryQueries, provides=WebhookDeliveryQueries, scope=Scope.REQUEST)
    resolver = provide(SystemHostResolver, provides=HostResolver, scope=Scope.APP)
    signer = provide(StandardWebhookSigner, provides=WebhookSigner, scope=Scope.APP)

    @provide(scope=Scope.APP)
    def address_policy(self, resolver: HostResolver, settings: WebhookSettings) -> WebhookAddressPolicy:
        return WebhookAddressPolicy(resolver=resolver, allow_private_networks=settings.allow_private_networks)

    @provide(scope=Scope.APP)
    async def transport(
        self, policy: WebhookAddressPolicy, settings: WebhookSettings
    ) -> AsyncIterator[WebhookTransport]:
        # Imported here: httpcore weighs on the memory of processes that never deliver (the CLI's).
        from referrals.adapters.webhooks.transport import HttpcoreWebhookTransport  # noqa: PLC0415

        transport = HttpcoreWebhookTransport(policy, settings.timeout, settings.concurrency)
        yield transport
        await transport.aclose()

    @provide(scope=Scope.APP)
    def delivery_policy(self, settings: WebhookSettings) -> DeliveryPolicy:
        return DeliveryPolicy(
            retry_delays=settings.delays,
            per_endpoint=settings.concurrency_per_endpoint,
            # Room to wait for the attempts claimed before it (each within the timeout), then take its own; one
            # that waited longer is not attempted (see ``attempt_takes``).
            claim_for=(CLAIMED_PER_SLOT + 1) * timedelta(seconds=settings.timeout) + CLAIM_MARGIN,
            attempt_takes=timedelta(seconds=settings.timeout) + CLAIM_MARGIN,
        )

    @provide(scope=Scope.APP)
    def attempt_delivery(
        self, transport: WebhookTransport, signer: WebhookSigner, clock: Clock, settings: WebhookSettings
    ) -> AttemptDelivery:
        return AttemptDelivery(transport, signer, clock, allow_plain_http=settings.allow_private_networks)

    fan_out = provide(FanOutEvents, scope=Scope.REQUEST)
    claim = provide(ClaimDueDeliveries, scope=Scope.REQUEST)
    record = provide(RecordDeliveryAttempts, scope=Scope.REQUEST)
    create = provide(CreateWebhookEndpoint, scope=Scope.REQUEST)
    list_all = provide(ListWebhookEndpoints, scope=Scope.REQUEST)
    get_one = provide(GetWebhookEndpoint, scope=Scope.REQUEST)
    update = provide(UpdateWebhookEndpoint, scope=Scope.REQUEST)
    delete = provide(DeleteWebhookEndpoint, scope=Scope.REQUEST)
    rotate = provide(RotateWebhookSecret, scope=Scope.REQUEST)
    list_deliveries = provide(ListWebhookDeliveries, scope=Scope.REQUEST)
    retry = provide(RetryWebhookDelivery, scope=Scope.REQUEST)
    purge = provide(PurgeWebhookDeliveries, scope=Scope.REQUEST)
