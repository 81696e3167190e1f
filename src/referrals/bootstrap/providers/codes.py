from datetime import timedelta

from dishka import Provider, Scope, provide

from referrals.adapters.cache.in_memory import InMemoryCodeCache
from referrals.adapters.persistence.live_codes import SqlaLiveCodeQueries
from referrals.adapters.persistence.referral_codes import SqlaReferralCodeRepository
from referrals.application.policies import CodePolicy
from referrals.application.ports.codes import CodeCache, LiveCodeQueries, ReferralCodeRepository
from referrals.application.use_cases.create_referral_code import CreateReferralCode
from referrals.application.use_cases.delete_referral_code import DeleteReferralCode
from referrals.application.use_cases.expire_codes import ExpireCodes
from referrals.application.use_cases.find_active_code import FindActiveCode
from referrals.bootstrap.config import CodeSettings


class CodesProvider(Provider):
    codes = provide(SqlaReferralCodeRepository, provides=ReferralCodeRepository, scope=Scope.REQUEST)
    live_codes = provide(SqlaLiveCodeQueries, provides=LiveCodeQueries, scope=Scope.APP)

    @provide(scope=Scope.APP)
    def code_policy(self, settings: CodeSettings) -> CodePolicy:
        return CodePolicy(
            max_lifetime=timedelta(days=settings.max_lifetime_days),
            cache_ttl=timedelta(seconds=settings.cache_ttl),
        )

    create_referral_code = provide(CreateReferralCode, scope=Scope.REQUEST)
    delete_referral_code = provide(DeleteReferralCode, scope=Scope.REQUEST)
    find_active_code = provide(FindActiveCode, scope=Scope.APP)
    expire_codes = provide(ExpireCodes, scope=Scope.REQUEST)


class InProcessCodeCacheProvider(Provider):
    """The embedded default: correct only while one process serves every request."""

    @provide(scope=Scope.APP)
    def code_cache(self, settings: CodeSettings) -> CodeCache:
        return InMemoryCodeCache(max_entries=settings.cache_max_entries)
