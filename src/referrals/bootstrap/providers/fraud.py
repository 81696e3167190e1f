import secrets
from datetime import timedelta

from dishka import Provider, Scope, provide, provide_all

from referrals.adapters.integrations.disposable_domains import PackagedDisposableDomains
from referrals.adapters.persistence.fraud import SqlaClientSightings, SqlaRegistrationCounts
from referrals.adapters.security.client_fingerprints import HmacClientFingerprints, fingerprint_key
from referrals.application.policies import FraudPolicy
from referrals.application.ports.fraud import ClientFingerprints, ClientSightings, DisposableDomains, RegistrationCounts
from referrals.application.referral_screening import ReferralScreening
from referrals.application.use_cases.approve_referral import ApproveReferral
from referrals.application.use_cases.purge_client_sightings import PurgeClientSightings
from referrals.bootstrap.config import FraudSettings, SecuritySettings
from referrals.domain.email_domains import DisposablePolicy


class FraudProvider(Provider):
    """Referral fraud: the rules' settings, throwaway domains, client fingerprints and sightings, the review."""

    scope = Scope.REQUEST

    sightings = provide(SqlaClientSightings, provides=ClientSightings)
    counts = provide(SqlaRegistrationCounts, provides=RegistrationCounts)
    use_cases = provide_all(ReferralScreening, ApproveReferral, PurgeClientSightings)

    @provide(scope=Scope.APP)
    def policy(self, settings: FraudSettings) -> FraudPolicy:
        return FraudPolicy(
            disposable=DisposablePolicy(settings.disposable_emails),
            velocity_per_hour=settings.velocity_per_hour,
            same_client_window=timedelta(hours=settings.same_client_hours),
        )

    @provide(scope=Scope.APP)
    def disposable_domains(self, settings: FraudSettings) -> DisposableDomains:
        return PackagedDisposableDomains(settings.allowed_disposable_domains)

    @provide(scope=Scope.APP)
    def fingerprints(self, settings: SecuritySettings) -> ClientFingerprints:
        # Without a configured secret the hashes die with the process, like its tokens: sightings only matter
        # for hours, so that costs a signal across a restart at worst.
        return HmacClientFingerprints(fingerprint_key(settings.jwt_secret or secrets.token_urlsafe(48)))
