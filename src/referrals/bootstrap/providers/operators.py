from collections.abc import AsyncIterator

from dishka import Provider, Scope, provide

from referrals.adapters.persistence.api_keys import SqlaApiKeyQueries, SqlaApiKeyRepository, SqlaApiKeyUsage
from referrals.adapters.persistence.session_revocations import SqlaSessionRevocations
from referrals.application.ports.common import Clock
from referrals.application.ports.operators import ApiKeyQueries, ApiKeyRepository, ApiKeyUsage, SessionRevocations
from referrals.application.use_cases.authenticate_api_key import AuthenticateApiKey
from referrals.application.use_cases.create_api_key import CreateApiKey
from referrals.application.use_cases.list_api_keys import ListApiKeys
from referrals.application.use_cases.revoke_api_key import RevokeApiKey
from referrals.application.use_cases.revoke_user_sessions import RevokeUserSessions


class OperatorsProvider(Provider):
    """What operators do: API keys (storage, authentication, lifecycle), and ending a user's sessions."""

    api_keys = provide(SqlaApiKeyRepository, provides=ApiKeyRepository, scope=Scope.REQUEST)
    api_key_queries = provide(SqlaApiKeyQueries, provides=ApiKeyQueries, scope=Scope.APP)
    api_key_usage = provide(SqlaApiKeyUsage, provides=ApiKeyUsage, scope=Scope.APP)

    @provide(scope=Scope.APP)
    async def authenticate_api_key(
        self, queries: ApiKeyQueries, usage: ApiKeyUsage, clock: Clock
    ) -> AsyncIterator[AuthenticateApiKey]:
        authenticate = AuthenticateApiKey(queries, usage, clock)
        yield authenticate
        # Before the engine closes (dishka closes in reverse order): the last uses noted are not lost.
        await authenticate.flush()

    create_api_key = provide(CreateApiKey, scope=Scope.REQUEST)
    list_api_keys = provide(ListApiKeys, scope=Scope.REQUEST)
    revoke_api_key = provide(RevokeApiKey, scope=Scope.REQUEST)

    session_revocations = provide(SqlaSessionRevocations, provides=SessionRevocations, scope=Scope.REQUEST)
    revoke_user_sessions = provide(RevokeUserSessions, scope=Scope.REQUEST)
