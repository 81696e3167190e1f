"""Failed logins spend budgets per client and per account-and-client; successes give theirs back."""

import asyncio
from datetime import timedelta

import pytest

from referrals.application.errors import InvalidCredentials, TooManyAttempts
from referrals.application.policies import LoginThrottlePolicy
from referrals.application.ports.throttling import Rate
from referrals.application.use_cases.log_in import Credentials
from tests.unit.application.fakes import World, make_world
from tests.unit.application.steps import PASSWORD, log_in, registered

POLICY = LoginThrottlePolicy(per_account=Rate(3, 300), per_client=Rate(5, 60))


async def attempt(world: World, email: str, password: str, client: str) -> type[Exception] | None:
    try:
        await log_in(world)(Credentials(email=email, password=password, client=client))
    except (InvalidCredentials, TooManyAttempts) as error:
        return type(error)
    return None


async def test_a_spent_account_budget_refuses_even_the_right_password_from_that_client() -> None:
    world = make_world(login_policy=POLICY)
    await registered(world, "ada@example.com")
    for _ in range(3):
        assert await attempt(world, "ada@example.com", "wrong", "mallory") is InvalidCredentials

    assert await attempt(world, "ada@example.com", PASSWORD, "mallory") is TooManyAttempts
    assert await attempt(world, "ada@example.com", PASSWORD, "ada's laptop") is None


async def test_the_refusal_says_when_the_next_attempt_is_free_and_it_is() -> None:
    world = make_world(login_policy=POLICY)
    await registered(world, "ada@example.com")
    for _ in range(3):
        await attempt(world, "ada@example.com", "wrong", "mallory")

    with pytest.raises(TooManyAttempts) as refused:
        await log_in(world)(Credentials(email="ada@example.com", password=PASSWORD, client="mallory"))

    assert refused.value.retry_after == pytest.approx(100)
    world.clock.advance(timedelta(seconds=100))
    assert await attempt(world, "ada@example.com", PASSWORD, "mallory") is None


async def test_the_account_budget_is_keyed_by_canonical_email() -> None:
    world = make_world(login_policy=POLICY)
    await registered(world, "ada@example.com")
    for spelling in ("ada@example.com", " ADA@example.com", "ａｄａ@example.com"):
        assert await attempt(world, spelling, "wrong", "mallory") is InvalidCredentials

    assert await attempt(world, "Ada@Example.com", PASSWORD, "mallory") is TooManyAttempts


async def test_successes_give_their_attempts_back() -> None:
    world = make_world(login_policy=POLICY)
    await registered(world, "ada@example.com")

    outcomes = [await attempt(world, "ada@example.com", PASSWORD, "ada's laptop") for _ in range(10)]

    assert outcomes == [None] * 10


async def test_the_client_budget_spans_accounts() -> None:
    world = make_world(login_policy=POLICY)

    outcomes = [await attempt(world, f"user{n}@example.com", "wrong", "mallory") for n in range(7)]

    assert outcomes == [InvalidCredentials] * 5 + [TooManyAttempts] * 2


async def test_a_refusal_by_the_account_budget_gives_the_client_attempt_back() -> None:
    world = make_world(login_policy=LoginThrottlePolicy(per_account=Rate(1, 300), per_client=Rate(3, 60)))
    await attempt(world, "ada@example.com", "wrong", "mallory")
    for _ in range(5):
        assert await attempt(world, "ada@example.com", "wrong", "mallory") is TooManyAttempts

    # One client attempt was spent on the real failure; the five refusals spent none.
    assert await attempt(world, "bob@example.com", "wrong", "mallory") is InvalidCredentials
    assert await attempt(world, "eve@example.com", "wrong", "mallory") is InvalidCredentials
    assert await attempt(world, "joe@example.com", "wrong", "mallory") is TooManyAttempts


async def test_concurrent_guesses_are_counted_before_any_is_verified() -> None:
    world = make_world(login_policy=POLICY)
    await registered(world, "ada@example.com")

    outcomes = await asyncio.gather(*(attempt(world, "ada@example.com", "wrong", "mallory") for _ in range(12)))

    assert (
        sorted(outcome.__name__ for outcome in outcomes if outcome)
        == ["InvalidCredentials"] * 3 + ["TooManyAttempts"] * 9
    )


async def test_a_zero_limit_turns_a_budget_off() -> None:
    world = make_world(login_policy=LoginThrottlePolicy(per_account=Rate(0, 300), per_client=Rate(0, 60)))

    outcomes = [await attempt(world, "ada@example.com", "wrong", "mallory") for _ in range(50)]

    assert set(outcomes) == {InvalidCredentials}
