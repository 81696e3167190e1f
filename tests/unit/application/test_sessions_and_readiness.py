from datetime import UTC, datetime, timedelta

import pytest

from referrals.adapters.cache.in_memory import InMemoryCodeCache
from referrals.application.policies import SessionPolicy
from referrals.application.sessions import SessionTokens
from referrals.application.use_cases.check_readiness import CheckReadiness
from referrals.domain.ids import new_id
from referrals.domain.refresh_token import refresh_digest
from tests.unit.application.fakes import (
    Database,
    FakeAccessTokens,
    FakeDatabaseProbe,
    FakeRefreshTokenRepository,
    RecordingCodeCache,
)

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


async def test_issue_stores_the_digest_of_a_fresh_secret_with_the_policys_lifetime() -> None:
    database = Database()
    access_tokens = FakeAccessTokens()
    sessions = SessionTokens(
        access_tokens=access_tokens,
        refresh_tokens=FakeRefreshTokenRepository(database),
        policy=SessionPolicy(refresh_token_ttl=timedelta(hours=2)),
    )
    user_id, family_id = new_id(), new_id()

    pair = await sessions.issue(user_id, family_id, NOW)

    [token] = database.tokens.values()
    assert token.digest == refresh_digest(pair.refresh_token)
    assert (token.user_id, token.family_id) == (user_id, family_id)
    assert (token.issued_at, token.expires_at) == (NOW, NOW + timedelta(hours=2))
    assert (token.used_at, token.revoked_at) == (None, None)
    assert access_tokens.issued == [(user_id, NOW)]
    assert access_tokens.verify(pair.access_token) == user_id
    assert pair.expires_in == FakeAccessTokens.EXPIRES_IN


async def test_every_issue_hands_out_a_different_secret() -> None:
    database = Database()
    sessions = SessionTokens(
        access_tokens=FakeAccessTokens(), refresh_tokens=FakeRefreshTokenRepository(database), policy=SessionPolicy()
    )
    family_id = new_id()

    secrets = {(await sessions.issue(new_id(), family_id, NOW)).refresh_token for _ in range(20)}

    assert len(secrets) == 20
    assert len(database.tokens) == 20


@pytest.mark.parametrize(
    ("database_up", "cache_up", "ready"),
    [(True, True, True), (True, False, True), (False, True, False), (False, False, False)],
)
async def test_readiness_needs_the_database_and_only_reports_the_cache(
    database_up: bool, cache_up: bool, ready: bool
) -> None:
    cache = RecordingCodeCache(InMemoryCodeCache(), [])
    cache.healthy = cache_up

    readiness = await CheckReadiness(database=FakeDatabaseProbe(reachable=database_up), cache=cache)()

    assert readiness.database_reachable is database_up
    assert readiness.cache_healthy is cache_up
    assert readiness.ready is ready
