from datetime import timedelta

from dishka import Provider, Scope, provide

from referrals.adapters.integrations.null import NullEmailVerifier, NullProfileEnricher
from referrals.application.email_verification import EmailGate
from referrals.application.policies import EmailPolicy
from referrals.application.ports.accounts import EmailVerdict, EmailVerifier, ProfileEnricher
from referrals.bootstrap.config import IntegrationSettings


class IntegrationsProvider(Provider):
    """The email gate, and stand-ins that call nothing for each integration without a key (HttpIntegrationsProvider
    supplies the real ones)."""

    def __init__(self, settings: IntegrationSettings) -> None:
        super().__init__()
        if not settings.hunter_api_key:
            self.provide(NullEmailVerifier, provides=EmailVerifier, scope=Scope.APP)
        if not settings.clearbit_api_key:
            self.provide(NullProfileEnricher, provides=ProfileEnricher, scope=Scope.APP)

    @provide(scope=Scope.APP)
    def email_gate(self, verifier: EmailVerifier, settings: IntegrationSettings) -> EmailGate:
        policy = EmailPolicy(
            rejected=frozenset(EmailVerdict(verdict) for verdict in settings.rejected_verdicts),
            fail_closed=settings.email_verification_fail_closed,
            budget=timedelta(seconds=settings.email_verification_budget),
        )
        return EmailGate(verifier, policy)
