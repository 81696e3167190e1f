import logging
import os
import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from dishka import Provider, Scope, provide

from referrals.adapters.persistence.refresh_tokens import SqlaRefreshTokenRepository
from referrals.adapters.persistence.users import SqlaUserQueries, SqlaUserRepository
from referrals.adapters.security.argon2 import (
    Argon2Parameters,
    Argon2PasswordHasher,
    freed_memory_releaser,
    hashing_pool,
)
from referrals.adapters.security.jwt import JwtAccessTokens
from referrals.application.policies import SessionPolicy
from referrals.application.ports.accounts import (
    AccessTokens,
    PasswordHasher,
    RefreshTokenRepository,
    UserQueries,
    UserRepository,
)
from referrals.application.sessions import SessionTokens
from referrals.application.use_cases.enrich_profile import EnrichProfile
from referrals.application.use_cases.get_profile import GetProfile
from referrals.application.use_cases.log_in import LogIn
from referrals.application.use_cases.log_out import LogOut
from referrals.application.use_cases.purge_refresh_tokens import PurgeRefreshTokens
from referrals.application.use_cases.refresh_session import RefreshSession
from referrals.application.use_cases.register_user import RegisterUser
from referrals.bootstrap.config import SecuritySettings, ServerSettings

logger = logging.getLogger("referrals.bootstrap.providers")


class AccountsProvider(Provider):
    """Accounts and sessions: storage, password hashing, access tokens, and the use cases on them."""

    users = provide(SqlaUserRepository, provides=UserRepository, scope=Scope.REQUEST)
    refresh_tokens = provide(SqlaRefreshTokenRepository, provides=RefreshTokenRepository, scope=Scope.REQUEST)
    # App-wide: the hot reads need no session of their own, so their routes build nothing per request.
    user_queries = provide(SqlaUserQueries, provides=UserQueries, scope=Scope.APP)

    @provide(scope=Scope.APP)
    def session_policy(self, settings: SecuritySettings) -> SessionPolicy:
        return SessionPolicy(refresh_token_ttl=timedelta(seconds=settings.refresh_token_ttl))

    @provide(scope=Scope.APP)
    def hashing_executor(self, settings: SecuritySettings, server: ServerSettings) -> Iterator[ThreadPoolExecutor]:
        # No wider than the machine, counting every worker's pool: more threads only queue argon2 work
        # behind the event loops, and each holds 19 MiB of argon2 memory while it hashes.
        threads = settings.hashing_threads or max(1, (os.cpu_count() or 1) // server.workers)
        executor = hashing_pool(threads)
        yield executor
        executor.shutdown(wait=True)

    @provide(scope=Scope.APP)
    def password_hasher(self, settings: SecuritySettings, executor: ThreadPoolExecutor) -> PasswordHasher:
        parameters = Argon2Parameters(
            time_cost=settings.argon2_time_cost,
            memory_cost_kib=settings.argon2_memory_kib,
            parallelism=settings.argon2_parallelism,
        )
        return Argon2PasswordHasher(parameters, executor, release_memory=freed_memory_releaser())

    @provide(scope=Scope.APP)
    def access_tokens(self, settings: SecuritySettings) -> AccessTokens:
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

    session_tokens = provide(SessionTokens, scope=Scope.REQUEST)
    register_user = provide(RegisterUser, scope=Scope.REQUEST)
    log_in = provide(LogIn, scope=Scope.REQUEST)
    refresh_session = provide(RefreshSession, scope=Scope.REQUEST)
    log_out = provide(LogOut, scope=Scope.REQUEST)
    get_profile = provide(GetProfile, scope=Scope.APP)
    enrich_profile = provide(EnrichProfile, scope=Scope.REQUEST)
    purge_refresh_tokens = provide(PurgeRefreshTokens, scope=Scope.REQUEST)
