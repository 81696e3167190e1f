"""Webhook endpoints and their delivery logs, for API keys with ``webhooks:manage``."""

from http import HTTPStatus
from typing import Annotated, Any
from uuid import UUID

from dishka import FromDishka
from litestar import Request, Response, Router, delete, get, patch, post
from litestar.params import JSONBody, PathParameter, QueryParameter

from referrals.api.allowed_methods import options_for
from referrals.api.idempotency import IdempotencyKey, answer_once, key_owner
from referrals.api.injection import inject
from referrals.api.operator_auth import API_KEY_SECURITY, requires_scope
from referrals.api.problems import problem_responses
from referrals.api.webhook_schemas import (
    DeliveryPageResponse,
    DeliveryResponse,
    NewWebhookRequest,
    NewWebhookResponse,
    WebhookChangeRequest,
    WebhookListResponse,
    WebhookResponse,
    WebhookSecretResponse,
)
from referrals.api.webhook_views import delivery_page_view, delivery_view, new_webhook_view, webhook_view
from referrals.application.idempotency import IdempotentRequests
from referrals.application.pages import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, PageRequest
from referrals.application.use_cases.manage_webhooks import (
    CreateWebhookEndpoint,
    DeleteWebhookEndpoint,
    GetWebhookEndpoint,
    ListWebhookEndpoints,
    NewWebhook,
    RotateWebhookSecret,
    UpdateWebhookEndpoint,
    WebhookChange,
)
from referrals.application.use_cases.webhook_deliveries import ListWebhookDeliveries, RetryWebhookDelivery
from referrals.domain.api_keys import Scope
from referrals.domain.webhook_deliveries import DeliveryState

EndpointId = Annotated[UUID, PathParameter(description="The webhook endpoint's id.")]
DeliveryId = Annotated[UUID, PathParameter(description="The delivery's id: the `webhook-id` its attempts carry.")]
GUARDS = [requires_scope(Scope.WEBHOOKS_MANAGE)]


@post(
    "/",
    operation_id="createWebhook",
    guards=GUARDS,
    security=API_KEY_SECURITY,
    status_code=HTTPStatus.CREATED,
    responses=problem_responses(400, 401, 403, 409, 413, 415, 422, 503),
)
@inject
async def create_webhook(
    data: JSONBody[NewWebhookRequest],
    create: FromDishka[CreateWebhookEndpoint],
    request: Request[Any, Any, Any],
    idempotent: FromDishka[IdempotentRequests],
    idempotency_key: IdempotencyKey = None,
) -> Response[NewWebhookResponse]:
    """Register an endpoint for the events named (needs `webhooks:manage`). The answer carries the signing
    secret, shown this once (and on rotation). The URL must be https and its host resolve only to public
    addresses; 400 otherwise, and for unknown event types."""

    new = NewWebhook(url=data.url, events=data.events, description=data.description)

    async def run() -> NewWebhookResponse:
        return new_webhook_view(await create(new))

    return await answer_once(request, idempotency_key, idempotent, key_owner, run)


@get(
    "/",
    operation_id="listWebhooks",
    guards=GUARDS,
    security=API_KEY_SECURITY,
    responses=problem_responses(401, 403, 503),
)
@inject
async def list_webhooks(list_all: FromDishka[ListWebhookEndpoints]) -> WebhookListResponse:
    """Every endpoint, oldest first, without secrets (needs `webhooks:manage`)."""
    return WebhookListResponse(items=[webhook_view(endpoint) for endpoint in await list_all()])


@get(
    "/{endpoint_id:str}",
    operation_id="getWebhook",
    guards=GUARDS,
    security=API_KEY_SECURITY,
    responses=problem_responses(400, 401, 403, 404, 503),
)
@inject
async def get_webhook(endpoint_id: EndpointId, get_one: FromDishka[GetWebhookEndpoint]) -> WebhookResponse:
    """One endpoint, without its secret (needs `webhooks:manage`)."""
    return webhook_view(await get_one(endpoint_id))


@patch(
    "/{endpoint_id:str}",
    operation_id="updateWebhook",
    guards=GUARDS,
    security=API_KEY_SECURITY,
    responses=problem_responses(400, 401, 403, 404, 413, 415, 503),
)
@inject
async def update_webhook(
    endpoint_id: EndpointId, data: JSONBody[WebhookChangeRequest], update: FromDishka[UpdateWebhookEndpoint]
) -> WebhookResponse:
    """Change an endpoint's URL, events, description or whether it is enabled (needs `webhooks:manage`).
    Enabling it again forgets its failures so far; deliveries held while it was disabled go out."""
    change = WebhookChange(url=data.url, events=data.events, description=data.description, enabled=data.enabled)
    return webhook_view(await update(endpoint_id, change))


@delete(
    "/{endpoint_id:str}",
    operation_id="deleteWebhook",
    guards=GUARDS,
    security=API_KEY_SECURITY,
    status_code=HTTPStatus.NO_CONTENT,
    responses=problem_responses(400, 401, 403, 404, 503),
)
@inject
async def delete_webhook(endpoint_id: EndpointId, remove: FromDishka[DeleteWebhookEndpoint]) -> None:
    """Remove an endpoint and its delivery log; what it was still owed is not sent (needs `webhooks:manage`)."""
    await remove(endpoint_id)


@post(
    "/{endpoint_id:str}/rotate-secret",
    operation_id="rotateWebhookSecret",
    guards=GUARDS,
    security=API_KEY_SECURITY,
    status_code=HTTPStatus.OK,
    responses=problem_responses(400, 401, 403, 404, 409, 422, 503),
)
@inject
async def rotate_secret(
    endpoint_id: EndpointId,
    rotate: FromDishka[RotateWebhookSecret],
    request: Request[Any, Any, Any],
    idempotent: FromDishka[IdempotentRequests],
    idempotency_key: IdempotencyKey = None,
) -> Response[WebhookSecretResponse]:
    """A new signing secret (needs `webhooks:manage`). For 24 hours deliveries carry a signature with the old
    secret as well, so receivers can switch without rejecting a delivery."""

    async def run() -> WebhookSecretResponse:
        return WebhookSecretResponse(secret=(await rotate(endpoint_id)).secret)

    return await answer_once(request, idempotency_key, idempotent, key_owner, run)


@get(
    "/{endpoint_id:str}/deliveries",
    operation_id="listWebhookDeliveries",
    guards=GUARDS,
    security=API_KEY_SECURITY,
    responses=problem_responses(400, 401, 403, 404, 503),
)
@inject
async def list_deliveries(
    endpoint_id: EndpointId,
    list_deliveries: FromDishka[ListWebhookDeliveries],
    state_filter: Annotated[
        DeliveryState | None, QueryParameter(name="state", description="Only deliveries in this state.")
    ] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    offset: Annotated[int, QueryParameter(ge=0, le=2**31 - 1)] = 0,
) -> DeliveryPageResponse:
    """An endpoint's deliveries, newest first, each with every attempt made (needs `webhooks:manage`)."""
    return delivery_page_view(await list_deliveries(endpoint_id, state_filter, PageRequest(limit, offset)))


@post(
    "/{endpoint_id:str}/deliveries/{delivery_id:str}/retry",
    operation_id="retryWebhookDelivery",
    guards=GUARDS,
    security=API_KEY_SECURITY,
    status_code=HTTPStatus.ACCEPTED,
    responses=problem_responses(400, 401, 403, 404, 409, 422, 503),
)
@inject
async def retry_delivery(
    endpoint_id: EndpointId,
    delivery_id: DeliveryId,
    retry: FromDishka[RetryWebhookDelivery],
    request: Request[Any, Any, Any],
    idempotent: FromDishka[IdempotentRequests],
    idempotency_key: IdempotencyKey = None,
) -> Response[DeliveryResponse]:
    """Send a failed delivery again, at once and with a whole retry schedule ahead of it (needs
    `webhooks:manage`); 409 unless it has failed."""

    async def run() -> DeliveryResponse:
        record = await retry(endpoint_id, delivery_id)
        return delivery_view(record.delivery, record.attempts)

    return await answer_once(request, idempotency_key, idempotent, key_owner, run)


router = Router(
    path="/admin/webhooks",
    # Before the handlers they speak for: see allowed_methods.
    route_handlers=[
        options_for("/", create_webhook, list_webhooks),
        options_for("/{endpoint_id:str}", get_webhook, update_webhook, delete_webhook),
        create_webhook,
        list_webhooks,
        get_webhook,
        update_webhook,
        delete_webhook,
        rotate_secret,
        list_deliveries,
        retry_delivery,
    ],
    tags=["webhooks"],
)
