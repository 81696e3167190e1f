"""The composition root: one container factory for the web app, the background worker and the command line."""

from dishka import AsyncContainer, Provider, make_async_container

from referrals.bootstrap.config import Settings
from referrals.bootstrap.providers.accounts import AccountsProvider
from referrals.bootstrap.providers.codes import CodesProvider, InProcessCodeCacheProvider
from referrals.bootstrap.providers.event_feed import EventFeedProvider
from referrals.bootstrap.providers.events import EventsProvider
from referrals.bootstrap.providers.fraud import FraudProvider
from referrals.bootstrap.providers.idempotency import IdempotencyProvider
from referrals.bootstrap.providers.integrations import IntegrationsProvider
from referrals.bootstrap.providers.operations import OperationsProvider
from referrals.bootstrap.providers.operators import OperatorsProvider
from referrals.bootstrap.providers.persistence import PersistenceProvider
from referrals.bootstrap.providers.referrals import ReferralsProvider
from referrals.bootstrap.providers.settings import SettingsProvider
from referrals.bootstrap.providers.throttling import InProcessRateLimiterProvider, ThrottlingProvider
from referrals.bootstrap.providers.webhooks import WebhooksProvider


def default_providers(settings: Settings) -> list[Provider]:
    providers = [
        SettingsProvider(),
        PersistenceProvider(),
        OperationsProvider(),
        AccountsProvider(),
        CodesProvider(),
        ReferralsProvider(),
        FraudProvider(),
        OperatorsProvider(),
        EventFeedProvider(),
        EventsProvider(),
        WebhooksProvider(),
        IdempotencyProvider(),
        ThrottlingProvider(),
        IntegrationsProvider(settings.integrations),
    ]
    # What is not configured is not even imported: the Valkey client and httpx weigh on every worker's memory.
    if settings.valkey.url is None:
        providers += [InProcessCodeCacheProvider(), InProcessRateLimiterProvider()]
    else:
        from referrals.bootstrap.providers.valkey import ValkeyCacheProvider  # noqa: PLC0415

        providers.append(ValkeyCacheProvider())
    integrations = settings.integrations
    if integrations.hunter_api_key or integrations.clearbit_api_key:
        from referrals.bootstrap.providers.http_integrations import HttpIntegrationsProvider  # noqa: PLC0415

        providers.append(HttpIntegrationsProvider(integrations))
    return providers


def make_container(settings: Settings, *overrides: Provider) -> AsyncContainer:
    """The container every entry point uses; providers in ``overrides`` replace the defaults for the same types."""
    return make_async_container(*default_providers(settings), *overrides, context={Settings: settings})
