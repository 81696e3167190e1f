"""An operator's webhook endpoints: registered, read, changed, removed, and their secrets rotated."""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from uuid import UUID

from referrals.application.ports.common import Clock, TransactionManager
from referrals.application.ports.webhooks import WebhookDeliveryRepository, WebhookEndpointRepository
from referrals.application.webhook_addresses import WebhookAddressPolicy
from referrals.domain.ids import new_id
from referrals.domain.webhook_errors import WebhookNotFound
from referrals.domain.webhooks import (
    WebhookEndpoint,
    checked_description,
    checked_event_types,
    checked_webhook_url,
    new_webhook_secret,
)


@dataclass(frozen=True, slots=True)
class NewWebhook:
    url: str
    events: Sequence[str]
    description: str = ""


@dataclass(frozen=True, slots=True)
class WebhookChange:
    """What a PATCH changes; None leaves a field as it is."""

    url: str | None = None
    events: Sequence[str] | None = None
    description: str | None = None
    enabled: bool | None = None


async def _checked_url(url: str, addresses: WebhookAddressPolicy) -> str:
    target = checked_webhook_url(url, allow_plain_http=addresses.allow_private_networks)
    await addresses.addresses_for(target.host, target.port)
    return target.url


@dataclass(frozen=True, slots=True)
class CreateWebhookEndpoint:
    endpoints: WebhookEndpointRepository
    deliveries: WebhookDeliveryRepository
    addresses: WebhookAddressPolicy
    transaction: TransactionManager
    clock: Clock

    async def __call__(self, request: NewWebhook) -> WebhookEndpoint:
        event_types = checked_event_types(request.events)
        description = checked_description(request.description)
        url = await _checked_url(request.url, self.addresses)
        endpoint = WebhookEndpoint(
            id=new_id(),
            url=url,
            event_types=event_types,
            description=description,
            enabled=True,
            created_at=self.clock.now(),
            secret=new_webhook_secret(),
        )
        async with self.transaction.write():
            # Every registration holds the fan-out's cursor while its events_after is taken: a fan-out running
            # meanwhile could pass events it is owed. The fan-out stands still while no endpoint is registered,
            # and the first one moves it on to here.
            await self.deliveries.lock_fan_out_for_registration()
            await self.endpoints.add(endpoint)
        return endpoint


@dataclass(frozen=True, slots=True)
class ListWebhookEndpoints:
    endpoints: WebhookEndpointRepository

    async def __call__(self) -> Sequence[WebhookEndpoint]:
        return await self.endpoints.all()


@dataclass(frozen=True, slots=True)
class GetWebhookEndpoint:
    endpoints: WebhookEndpointRepository

    async def __call__(self, endpoint_id: UUID) -> WebhookEndpoint:
        endpoint = await self.endpoints.get(endpoint_id)
        if endpoint is None:
            raise WebhookNotFound
        return endpoint


@dataclass(frozen=True, slots=True)
class UpdateWebhookEndpoint:
    endpoints: WebhookEndpointRepository
    addresses: WebhookAddressPolicy
    transaction: TransactionManager

    async def __call__(self, endpoint_id: UUID, change: WebhookChange) -> WebhookEndpoint:
        event_types = None if change.events is None else checked_event_types(change.events)
        description = None if change.description is None else checked_description(change.description)
        url = None if change.url is None else await _checked_url(change.url, self.addresses)
        async with self.transaction.write():
            endpoint = await self.endpoints.locked(endpoint_id)
            if endpoint is None:
                raise WebhookNotFound
            changed = replace(
                endpoint,
                url=endpoint.url if url is None else url,
                event_types=endpoint.event_types if change.events is None else event_types,
                description=endpoint.description if description is None else description,
                enabled=endpoint.enabled if change.enabled is None else change.enabled,
            )
            await self.endpoints.save(changed)
        return changed


@dataclass(frozen=True, slots=True)
class DeleteWebhookEndpoint:
    endpoints: WebhookEndpointRepository
    transaction: TransactionManager

    async def __call__(self, endpoint_id: UUID) -> None:
        async with self.transaction.write():
            if not await self.endpoints.delete(endpoint_id):
                raise WebhookNotFound


@dataclass(frozen=True, slots=True)
class RotateWebhookSecret:
    """A new secret; for ROTATION_OVERLAP deliveries are signed with the one it replaces as well."""

    endpoints: WebhookEndpointRepository
    transaction: TransactionManager
    clock: Clock

    async def __call__(self, endpoint_id: UUID) -> WebhookEndpoint:
        async with self.transaction.write():
            endpoint = await self.endpoints.locked(endpoint_id)
            if endpoint is None:
                raise WebhookNotFound
            rotated = endpoint.rotated(self.clock.now())
            await self.endpoints.save(rotated)
        return rotated
