"""The dishka providers: the only place that knows which adapter plays which port."""

import logging
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from dishka import Provider, Scope, from_context, provide
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from referrals.adapters.cache.in_memory import InMemoryCodeCache
from referrals.adapters.clock import SystemClock
from referrals.adapters.domain_names import IdnaDomainNames
from referrals.adapters.integrations.null import NullEmailVerifier, NullProfileEnricher
from referrals.adapters.persistence.engine import create_engine
from referrals.adapters.persistence.live_codes import SqlaLiveCodeQueries
from referrals.adapters.persistence.pool_metrics import pool_collector
from referrals.adapters.persistence.probe import SqlaDatabaseProbe
from referrals.adapters.persistence.reads import CommittedReads, ReadPoolLimits, committed_reads
from referrals.adapters.persistence.referral_codes import SqlaReferralCodeRepository
from referrals.adapters.persistence.refresh_tokens import SqlaRefreshTokenRepository
from referrals.adapters.persistence.transaction import SqlaTransactionManager
from referrals.adapters.persistence.users import SqlaReferralQueries, SqlaUserQueries, SqlaUserRepository
from referrals.adapters.rate_limits.in_memory import InMemoryRateLimiter
from referrals.adapters.security.argon2 import (
    Argon2Parameters,
    Argon2PasswordHasher,
    freed_memory_releaser,
    hashing_pool,
)
from referrals.adapters.security.jwt import JwtAccessTokens
from referrals.api.clients import ClientIdentity
from referrals.api.rate_limits import Budget, ClientBudgets
from referrals.application.email_verification import EmailGate
from referrals.application.policies import CodePolicy, EmailPolicy, LoginThrottlePolicy, SessionPolicy
from referrals.application.ports import (
    AccessTokens,
    Clock,
    CodeCache,
    DatabaseProbe,
    EmailVerdict,
    EmailVerifier,
    LiveCodeQueries,
    PasswordHasher,
    ProfileEnricher,
    Rate,
    RateLimiter,
    ReferralCodeRepository,
    ReferralQueries,
    RefreshTokenRepository,
    TransactionManager,
    UserQueries,
    UserRepository,
)
from referrals.application.sessions import SessionTokens
from referrals.application.throttling import LoginThrottle, Throttle
from referrals.application.use_cases.check_readiness import CheckReadiness
from referrals.application.use_cases.create_referral_code import CreateReferralCode
from referrals.application.use_cases.delete_referral_code import DeleteReferralCode
from referrals.application.use_cases.enrich_profile import EnrichProfile
from referrals.application.use_cases.find_active_code import FindActiveCode
from referrals.application.use_cases.get_profile import GetProfile
from referrals.application.use_cases.list_referrals import ListReferrals
from referrals.application.use_cases.log_in import LogIn
from referrals.application.use_cases.log_out import LogOut
from referrals.application.use_cases.refresh_session import RefreshSession
from referrals.application.use_cases.register_user import RegisterUser
from referrals.bootstrap.config import Settings
from referrals.domain.emails import DomainNames

logger = logging.getLogger(__name__)
MINUTE = 60


class SettingsProvider(Provider):
    settings = from_context(Settings, scope=Scope.APP)

    @provide(scope=Scope.APP)
    def code_policy(self, settings: Settings) -> CodePolicy:
        return CodePolicy(
            max_lifetime=timedelta(days=settings.max_code_lifetime_days),
            cache_ttl=timedelta(seconds=settings.code_cache_ttl),
        )

    @provide(scope=Scope.APP)
    def session_policy(self, settings: Settings) -> SessionPolicy:
        return SessionPolicy(refresh_token_ttl=timedelta(seconds=settings.refresh_token_ttl))


class PersistenceProvider(Provider):
    @provide(scope=Scope.APP)
    async def engine(self, settings: Settings) -> AsyncIterator[AsyncEngine]:
        engine = create_engine(
            settings.database_url,
            pool_size=settings.db_pool_size,
            pool_timeout=settings.db_pool_timeout,
            connect_timeout=settings.db_connect_timeout,
            statement_timeout=settings.db_statement_timeout,
        )
        pool_collector.track(engine)
        yield engine
        pool_collector.forget(engine)
        await engine.dispose()

    @provide(scope=Scope.APP)
    def database_probe(self, engine: AsyncEngine, settings: Settings) -> DatabaseProbe:
        return SqlaDatabaseProbe(engine, timeout=settings.db_connect_timeout)

    @provide(scope=Scope.APP)
    def session_factory(self, engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
        return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)

    @provide(scope=Scope.REQUEST)
    async def session(self, factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
        # Closing rolls back whatever a use case did not commit; nothing is ever committed here.
        async with factory() as session:
            yield session

    transaction = provide(SqlaTransactionManager, provides=TransactionManager, scope=Scope.REQUEST)
    users = provide(SqlaUserRepository, provides=UserRepository, scope=Scope.REQUEST)
    referral_queries = provide(SqlaReferralQueries, provides=ReferralQueries, scope=Scope.REQUEST)
    codes = provide(SqlaReferralCodeRepository, provides=ReferralCodeRepository, scope=Scope.REQUEST)
    refresh_tokens = provide(SqlaRefreshTokenRepository, provides=RefreshTokenRepository, scope=Scope.REQUEST)

    @provide(scope=Scope.APP)
    async def committed_reads(self, engine: AsyncEngine, settings: Settings) -> AsyncIterator[CommittedReads]:
        limits = ReadPoolLimits(
            size=settings.db_pool_size,
            acquire_timeout=settings.db_pool_timeout,
            connect_timeout=settings.db_connect_timeout,
            statement_timeout=settings.db_statement_timeout,
        )
        async with committed_reads(engine, limits) as reads:
            yield reads

    # App-wide: the hot reads need no session of their own, so their routes build nothing per request.
    live_codes = provide(SqlaLiveCodeQueries, provides=LiveCodeQueries, scope=Scope.APP)
    user_queries = provide(SqlaUserQueries, provides=UserQueries, scope=Scope.APP)


class SecurityProvider(Provider):
    @provide(scope=Scope.APP)
    def hashing_executor(self, settings: Settings) -> Iterator[ThreadPoolExecutor]:
        # No wider than the machine, counting every worker's pool: more threads only queue argon2 work
        # behind the event loops, and each holds 19 MiB of argon2 memory while it hashes.
        threads = settings.hashing_threads or max(1, (os.cpu_count() or 1) // settings.workers)
        executor = hashing_pool(threads)
        yield executor
        executor.shutdown(wait=True)

    @provide(scope=Scope.APP)
    def password_hasher(self, settings: Settings, executor: ThreadPoolExecutor) -> PasswordHasher:
        parameters = Argon2Parameters(
            time_cost=settings.argon2_time_cost,
            memory_cost_kib=settings.argon2_memory_kib,
            parallelism=settings.argon2_parallelism,
        )
        return Argon2PasswordHasher(parameters, executor, release_memory=freed_memory_releaser())

    @provide(scope=Scope.APP)
    def access_tokens(self, settings: Settings) -> AccessTokens:
        secret = settings.jwt_secret
        if secret is None:
            secret = secrets.token_urlsafe(48)
            logger.warning(
                "JWT_SECRET is not set: using a random secret, so tokens die with this process; set it for real use"
            )
        return JwtAccessTokens(
            secret=secret,
            ttl=timedelta(seconds=settings.access_token_ttl),
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
        )


class ClockProvider(Provider):
    clock = provide(SystemClock, provides=Clock, scope=Scope.APP)


class DomainNamesProvider(Provider):
    domain_names = provide(IdnaDomainNames, provides=DomainNames, scope=Scope.APP)


class RateLimitProvider(Provider):
    """The attempt budgets, from settings; the limiter that keeps them comes with the cache's provider."""

    throttle = provide(Throttle, scope=Scope.APP)
    login_throttle = provide(LoginThrottle, scope=Scope.APP)

    @provide(scope=Scope.APP)
    def login_policy(self, settings: Settings) -> LoginThrottlePolicy:
        return LoginThrottlePolicy(
            per_account=Rate(settings.rate_limit_login_failures_per_account, settings.rate_limit_login_account_window),
            per_client=Rate(settings.rate_limit_login_failures_per_client, MINUTE),
        )

    @provide(scope=Scope.APP)
    def client_identity(self, settings: Settings) -> ClientIdentity:
        return ClientIdentity(trusted_proxies=settings.trusted_proxy_networks)

    @provide(scope=Scope.APP)
    def client_budgets(self, throttle: Throttle, identity: ClientIdentity, settings: Settings) -> ClientBudgets:
        rates = {
            Budget.LOOKUPS: Rate(settings.rate_limit_lookups_per_client, MINUTE),
            Budget.REGISTRATIONS: Rate(settings.rate_limit_registrations_per_client, MINUTE),
            Budget.REFRESHES: Rate(settings.rate_limit_refreshes_per_client, MINUTE),
        }
        return ClientBudgets(throttle=throttle, identity=identity, rates=rates)


class InProcessCacheProvider(Provider):
    """The embedded default: correct only while one process serves every request."""

    @provide(scope=Scope.APP)
    def code_cache(self, settings: Settings) -> CodeCache:
        return InMemoryCodeCache(max_entries=settings.code_cache_max_entries)

    @provide(scope=Scope.APP)
    def rate_limiter(self, clock: Clock) -> RateLimiter:
        return InMemoryRateLimiter(clock)


class IntegrationsProvider(Provider):
    """The email gate, and stand-ins that call nothing for each integration without a key (HttpIntegrationsProvider
    supplies the real ones)."""

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        if not settings.hunter_api_key:
            self.provide(NullEmailVerifier, provides=EmailVerifier, scope=Scope.APP)
        if not settings.clearbit_api_key:
            self.provide(NullProfileEnricher, provides=ProfileEnricher, scope=Scope.APP)

    @provide(scope=Scope.APP)
    def email_gate(self, verifier: EmailVerifier, settings: Settings) -> EmailGate:
        policy = EmailPolicy(
            rejected=frozenset(EmailVerdict(verdict) for verdict in settings.rejected_verdicts),
            fail_closed=settings.email_verification_fail_closed,
            budget=timedelta(seconds=settings.email_verification_budget),
        )
        return EmailGate(verifier, policy)


class UseCaseProvider(Provider):
    scope = Scope.REQUEST

    session_tokens = provide(SessionTokens)
    register_user = provide(RegisterUser)
    log_in = provide(LogIn)
    refresh_session = provide(RefreshSession)
    log_out = provide(LogOut)
    get_profile = provide(GetProfile, scope=Scope.APP)
    create_referral_code = provide(CreateReferralCode)
    delete_referral_code = provide(DeleteReferralCode)
    find_active_code = provide(FindActiveCode, scope=Scope.APP)
    list_referrals = provide(ListReferrals)
    check_readiness = provide(CheckReadiness)
    enrich_profile = provide(EnrichProfile)


def default_providers(settings: Settings) -> list[Provider]:
    providers = [
        SettingsProvider(),
        PersistenceProvider(),
        SecurityProvider(),
        ClockProvider(),
        RateLimitProvider(),
        DomainNamesProvider(),
        IntegrationsProvider(settings),
        UseCaseProvider(),
    ]
    # What is not configured is not even imported: the Valkey client and httpx are 15 MB of every worker.
    if settings.valkey_url is None:
        providers.append(InProcessCacheProvider())
    else:
        from referrals.bootstrap.valkey_providers import ValkeyCacheProvider  # noqa: PLC0415

        providers.append(ValkeyCacheProvider())
    if settings.hunter_api_key or settings.clearbit_api_key:
        from referrals.bootstrap.http_integrations import HttpIntegrationsProvider  # noqa: PLC0415

        providers.append(HttpIntegrationsProvider(settings))
    return providers
