"""What only the HTTP edge needs: who a client is, and the per-client budgets of the public routes."""

from dishka import Provider, Scope, provide

from referrals.api.clients import ClientIdentity
from referrals.api.rate_limits import Budget, ClientBudgets
from referrals.application.ports.throttling import Rate
from referrals.application.throttling import Throttle
from referrals.bootstrap.config import RateLimitSettings, ServerSettings
from referrals.bootstrap.providers.throttling import MINUTE


class HttpEdgeProvider(Provider):
    @provide(scope=Scope.APP)
    def client_identity(self, settings: ServerSettings) -> ClientIdentity:
        return ClientIdentity(trusted_proxies=settings.trusted_proxy_networks)

    @provide(scope=Scope.APP)
    def client_budgets(
        self, throttle: Throttle, identity: ClientIdentity, settings: RateLimitSettings
    ) -> ClientBudgets:
        rates = {
            Budget.LOOKUPS: Rate(settings.lookups_per_client, MINUTE),
            Budget.REGISTRATIONS: Rate(settings.registrations_per_client, MINUTE),
            Budget.REFRESHES: Rate(settings.refreshes_per_client, MINUTE),
        }
        return ClientBudgets(throttle=throttle, identity=identity, rates=rates)
