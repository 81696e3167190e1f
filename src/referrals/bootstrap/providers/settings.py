from dishka import Provider, Scope, from_context, provide

from referrals.bootstrap.config import (
    BackgroundSettings,
    CodeSettings,
    DatabaseSettings,
    FraudSettings,
    IntegrationSettings,
    RateLimitSettings,
    SecuritySettings,
    ServerSettings,
    Settings,
    ValkeySettings,
    WebhookSettings,
)


class SettingsProvider(Provider):
    """Each group of settings on its own, so a provider names only the group it reads."""

    scope = Scope.APP
    settings = from_context(Settings, scope=Scope.APP)

    @provide
    def server(self, settings: Settings) -> ServerSettings:
        return settings.server

    @provide
    def database(self, settings: Settings) -> DatabaseSettings:
        return settings.database

    @provide
    def security(self, settings: Settings) -> SecuritySettings:
        return settings.security

    @provide
    def codes(self, settings: Settings) -> CodeSettings:
        return settings.codes

    @provide
    def valkey(self, settings: Settings) -> ValkeySettings:
        return settings.valkey

    @provide
    def integrations(self, settings: Settings) -> IntegrationSettings:
        return settings.integrations

    @provide
    def rate_limits(self, settings: Settings) -> RateLimitSettings:
        return settings.rate_limits

    @provide
    def background(self, settings: Settings) -> BackgroundSettings:
        return settings.background

    @provide
    def webhooks(self, settings: Settings) -> WebhookSettings:
        return settings.webhooks

    @provide
    def fraud(self, settings: Settings) -> FraudSettings:
        return settings.fraud
