from dataclasses import dataclass

import pytest

from referrals.adapters.cache.in_memory import InMemoryCodeCache
from referrals.application.policies import CodePolicy, SessionPolicy
from referrals.application.sessions import SessionTokens
from tests.unit.application.fakes import (
    Database,
    FakeAccessTokens,
    FakeClock,
    FakePasswordHasher,
    FakeReferralCodeRepository,
    FakeRefreshTokenRepository,
    FakeTransactionManager,
    FakeUserRepository,
    RecordingCodeCache,
)


@dataclass
class World:
    """Every port the use cases need, faked, over one shared in-memory database."""

    database: Database
    users: FakeUserRepository
    codes: FakeReferralCodeRepository
    tokens: FakeRefreshTokenRepository
    transaction: FakeTransactionManager
    clock: FakeClock
    hasher: FakePasswordHasher
    access_tokens: FakeAccessTokens
    cache: RecordingCodeCache
    code_policy: CodePolicy
    sessions: SessionTokens


@pytest.fixture
def world() -> World:
    database = Database()
    tokens = FakeRefreshTokenRepository(database)
    access_tokens = FakeAccessTokens()
    return World(
        database=database,
        users=FakeUserRepository(database),
        codes=FakeReferralCodeRepository(database),
        tokens=tokens,
        transaction=FakeTransactionManager(database),
        clock=FakeClock(),
        hasher=FakePasswordHasher(),
        access_tokens=access_tokens,
        cache=RecordingCodeCache(InMemoryCodeCache()),
        code_policy=CodePolicy(),
        sessions=SessionTokens(access_tokens, tokens, SessionPolicy()),
    )
