"""The email policy and profile enrichment, against small fakes of their ports (self-contained)."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from referrals.application.email_verification import EmailGate
from referrals.application.errors import EmailVerificationUnavailable, ProviderUnavailable
from referrals.application.policies import EmailPolicy
from referrals.application.ports.accounts import EmailVerdict
from referrals.application.use_cases.enrich_profile import EnrichProfile
from referrals.domain.errors import UndeliverableEmail
from referrals.domain.user import EnrichedProfile, Profile

NOW = datetime(2026, 11, 22, tzinfo=UTC)


class Verifier:
    def __init__(self, verdict: EmailVerdict = EmailVerdict.VALID, failure: Exception | None = None, delay: float = 0):
        self.verdict, self.failure, self.delay = verdict, failure, delay

    async def verify(self, email: str) -> EmailVerdict:
        await asyncio.sleep(self.delay)
        if self.failure is not None:
            raise self.failure
        return self.verdict


@pytest.mark.parametrize("verdict", [EmailVerdict.INVALID, EmailVerdict.DISPOSABLE])
async def test_rejected_verdicts_refuse_with_a_reason(verdict: EmailVerdict) -> None:
    with pytest.raises(UndeliverableEmail) as raised:
        await EmailGate(Verifier(verdict), EmailPolicy()).check("ada@example.com")

    assert raised.value.message != UndeliverableEmail.default_message


@pytest.mark.parametrize(
    "verdict", [EmailVerdict.VALID, EmailVerdict.ACCEPT_ALL, EmailVerdict.WEBMAIL, EmailVerdict.UNKNOWN]
)
async def test_other_verdicts_pass(verdict: EmailVerdict) -> None:
    assert await EmailGate(Verifier(verdict), EmailPolicy()).check("ada@example.com") == verdict


async def test_the_rejected_set_is_the_policys() -> None:
    policy = EmailPolicy(rejected=frozenset({EmailVerdict.WEBMAIL}))

    assert (
        await EmailGate(Verifier(EmailVerdict.DISPOSABLE), policy).check("ada@example.com") == EmailVerdict.DISPOSABLE
    )
    with pytest.raises(UndeliverableEmail):
        await EmailGate(Verifier(EmailVerdict.WEBMAIL), policy).check("ada@example.com")


@pytest.mark.parametrize("verifier", [Verifier(failure=ProviderUnavailable("down")), Verifier(delay=1.0)])
async def test_an_unavailable_verifier_fails_open_by_default(verifier: Verifier) -> None:
    gate = EmailGate(verifier, EmailPolicy(budget=timedelta(milliseconds=50)))

    assert await gate.check("ada@example.com") is None


@pytest.mark.parametrize("verifier", [Verifier(failure=ProviderUnavailable("down")), Verifier(delay=1.0)])
async def test_failing_closed_refuses_while_the_verifier_is_unavailable(verifier: Verifier) -> None:
    policy = EmailPolicy(fail_closed=True, budget=timedelta(milliseconds=50))

    with pytest.raises(EmailVerificationUnavailable):
        await EmailGate(verifier, policy).check("ada@example.com")


async def test_the_budget_bounds_the_wait() -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()

    verdict = await EmailGate(Verifier(delay=5.0), EmailPolicy(budget=timedelta(milliseconds=100))).check("a@b.cd")

    assert verdict is None
    assert loop.time() - started < 1.0


class Enricher:
    source = "fake"

    def __init__(self, profile: Profile | None = None, failure: Exception | None = None) -> None:
        self.profile, self.failure = profile, failure

    async def enrich(self, email: str) -> Profile | None:
        if self.failure is not None:
            raise self.failure
        return self.profile


class Users:
    def __init__(self) -> None:
        self.profiles: dict[UUID, EnrichedProfile] = {}

    async def set_profile(self, user_id: UUID, profile: EnrichedProfile) -> None:
        self.profiles[user_id] = profile


class Transaction:
    def __init__(self) -> None:
        self.committed = 0

    @asynccontextmanager
    async def write(self) -> AsyncIterator[None]:
        yield
        self.committed += 1


class Clock:
    def now(self) -> datetime:
        return NOW


def enrich_profile(enricher: Enricher, users: Users, transaction: Transaction) -> EnrichProfile:
    return EnrichProfile(users, enricher, transaction, Clock())  # type: ignore[arg-type]  # fakes of only what it calls


async def test_a_found_profile_is_stored_with_its_source_and_time() -> None:
    users, transaction, user_id = Users(), Transaction(), uuid4()
    profile = Profile(full_name="Ada Lovelace", company="Analytical Engines")

    stored = await enrich_profile(Enricher(profile), users, transaction)(user_id, "ada@example.com")

    assert stored == EnrichedProfile(profile=profile, enriched_at=NOW, source="fake")
    assert users.profiles == {user_id: stored}
    assert transaction.committed == 1


@pytest.mark.parametrize("enricher", [Enricher(None), Enricher(failure=ProviderUnavailable("down"))])
async def test_nothing_found_or_a_failure_stores_nothing_and_raises_nothing(enricher: Enricher) -> None:
    users, transaction = Users(), Transaction()

    assert await enrich_profile(enricher, users, transaction)(uuid4(), "ada@example.com") is None
    assert users.profiles == {}
    assert transaction.committed == 0
