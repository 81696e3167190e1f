"""The application factory: one container, one app."""

import logging
from typing import Any

import sqlalchemy.exc
from dishka import Provider
from litestar import Litestar, Request, Response, Router

from referrals.adapters.persistence.refusals import is_refusal
from referrals.api.controllers import (
    admin,
    admin_programme,
    admin_review,
    auth,
    operations,
    programme,
    referral_codes,
    referrals,
    rewards,
    users,
    webhooks,
)
from referrals.api.docs import docs_assets_router, openapi_config
from referrals.api.errors import exception_handlers, on_dependency_unavailable, on_unexpected_error
from referrals.api.injection import attach_container
from referrals.api.preflight import Preflight
from referrals.api.request_body import RequestBodyGuard
from referrals.api.request_context import RequestContext
from referrals.api.token_form import TokenRequestSchemaPlugin
from referrals.bootstrap.background import Scheduler
from referrals.bootstrap.config import Settings, load_settings
from referrals.bootstrap.container import make_container
from referrals.bootstrap.metrics import PoolGaugePublisher, metrics_route, multiprocess_directory, scrape_registry
from referrals.bootstrap.providers.http_edge import HttpEdgeProvider
from referrals.bootstrap.runtime import tune_garbage_collection
from referrals.bootstrap.webhook_dispatch import WebhookDispatcher

API_VERSION = "1.0.0"
# What a database that is down, restarting or overloaded raises: refused or dropped connections,
# a pool with no free connection in time, a statement past its timeout.
UNAVAILABILITY: tuple[type[Exception], ...] = (
    OSError,
    TimeoutError,
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.TimeoutError,
)

logger = logging.getLogger(__name__)


def on_database_error(request: Request[Any, Any, Any], error: sqlalchemy.exc.DBAPIError) -> Response[object]:
    # A connection lost in the middle of a statement arrives as a bare DBAPIError; SQLAlchemy marks it
    # invalidated, and that is an outage, not a bug. So is a database that refuses the service for now.
    if error.connection_invalidated or is_refusal(error):
        return on_dependency_unavailable(request, error)
    return on_unexpected_error(request, error)


def create_app(settings: Settings, *overrides: Provider) -> Litestar:
    """Build the app; providers in ``overrides`` replace the defaults that provide the same types."""
    container = make_container(settings, HttpEdgeProvider(), *overrides)

    async def close_container() -> None:
        await container.close()
        logger.info("Shutdown complete: the database pool and the other app resources are closed")

    app = Litestar(
        route_handlers=[
            # The API's routes state what they require before their body is read (see Preflight); the
            # operational and docs routes require nothing and skip the check.
            Router(
                path="/",
                route_handlers=[
                    auth.router,
                    users.router,
                    rewards.router,
                    referral_codes.router,
                    referrals.router,
                    programme.router,
                    admin.router,
                    admin_programme.router,
                    admin_review.router,
                    webhooks.router,
                ],
                before_request=Preflight(),
            ),
            operations.health,
            operations.ready,
            metrics_route(scrape_registry()),
            docs_assets_router(),
        ],
        exception_handlers={
            **exception_handlers,
            sqlalchemy.exc.DBAPIError: on_database_error,
            **dict.fromkeys(UNAVAILABILITY, on_dependency_unavailable),
        },
        openapi_config=openapi_config(title="Referral service", version=API_VERSION),
        plugins=[TokenRequestSchemaPlugin()],
        request_max_body_size=settings.server.max_request_body_bytes,
        on_shutdown=[close_container],
        # The entry point configures logging for the process; the app must not reconfigure the root logger.
        logging_config=None,
    )
    if settings.background.work:
        # In every worker process: the database keeps them from doing any piece of work twice.
        scheduler = Scheduler(container, settings.background)
        app.on_startup.append(scheduler.start)
        # Before the container closes: a tick in flight still needs its pool.
        app.on_shutdown.insert(0, scheduler.stop)
        dispatcher = WebhookDispatcher(container, settings.webhooks)
        app.on_startup.append(dispatcher.start)
        app.on_shutdown.insert(0, dispatcher.stop)
    if multiprocess_directory() is not None:
        pools = PoolGaugePublisher()
        app.on_startup.append(pools.start)
        app.on_shutdown.insert(0, pools.stop)
    attach_container(app, container)
    # Inside the request context, so that a 400 or 408 for a body is stamped, counted and logged like any answer.
    app.asgi_handler = RequestContext(RequestBodyGuard(app.asgi_handler, settings.server.request_body_timeout))
    return app


def create_app_from_environment() -> Litestar:
    """The ASGI server's factory: settings come from the environment; the process is tuned for serving."""
    app = create_app(load_settings())
    app.on_startup.append(tune_garbage_collection)
    return app
