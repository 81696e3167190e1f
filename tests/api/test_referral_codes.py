from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest

from referrals.domain.codes import CODE_LENGTH, CROCKFORD_ALPHABET
from tests.api.conftest import Api, assert_problem
from tests.conftest import MutableClock


async def test_create_answers_the_new_code(api: Api) -> None:
    account = await api.account("ada@example.com")
    expires_at = datetime.now(UTC) + timedelta(days=30)

    response = await api.create_code(account, expires_at)

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"code", "expires_at", "created_at", "max_uses"}
    assert body["max_uses"] is None
    assert len(body["code"]) == CODE_LENGTH
    assert set(body["code"]) <= set(CROCKFORD_ALPHABET)
    assert datetime.fromisoformat(body["expires_at"]) == expires_at


async def test_an_expiry_with_an_offset_is_kept_as_the_same_instant_in_utc(api: Api) -> None:
    account = await api.account("ada@example.com")
    expires_at = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    in_tokyo = expires_at.astimezone(timezone(timedelta(hours=9)))

    body = (await api.create_code(account, in_tokyo.isoformat())).json()

    assert body["expires_at"].endswith("Z")
    assert datetime.fromisoformat(body["expires_at"]) == expires_at


async def test_a_second_code_while_one_is_active_is_a_409(api: Api) -> None:
    account = await api.account("ada@example.com")
    assert (await api.create_code(account)).status_code == 201

    assert_problem(await api.create_code(account), 409, "active-code-exists")


@pytest.mark.parametrize(
    ("expires_in", "code"),
    [
        (timedelta(seconds=-1), "expiry-not-in-future"),
        (timedelta(days=-365), "expiry-not-in-future"),
        (timedelta(days=366), "expiry-too-far"),
    ],
)
async def test_an_expiry_out_of_bounds_is_a_422(
    api: Api, clock: MutableClock, expires_in: timedelta, code: str
) -> None:
    account = await api.account("ada@example.com")

    # From the service's own now: a second measured on the wall clock would pass while the fixtures set up.
    assert_problem(await api.create_code(account, clock.now() + expires_in), 422, code)


@pytest.mark.parametrize("value", ["2030-01-01T00:00:00", "2030-01-01", "tomorrow", "", "2030-13-01T00:00:00Z"])
async def test_a_naive_or_malformed_expiry_is_a_400(api: Api, value: str) -> None:
    account = await api.account("ada@example.com")

    problem = assert_problem(await api.create_code(account, value), 400)

    assert problem["errors"][0]["key"] == "expires_at"


@pytest.mark.parametrize("spell", [int, float, lambda epoch: str(int(epoch)), str, lambda epoch: True])
async def test_an_expiry_that_is_not_rfc_3339_text_is_a_400(api: Api, spell: Callable[[float], object]) -> None:
    # Unix times, as numbers or as numeric strings, are not the documented date-time, however plausible.
    account = await api.account("ada@example.com")
    in_a_month = (datetime.now(UTC) + timedelta(days=30)).timestamp()

    body = {"expires_at": spell(in_a_month)}
    response = await api.client.post("/referral-code/create", json=body, headers=account.headers)

    problem = assert_problem(response, 400)
    assert [error["key"] for error in problem["errors"]] == ["expires_at"]
    assert (await api.code_of("ada@example.com")).status_code == 404


async def test_the_expiry_is_required(api: Api) -> None:
    account = await api.account("ada@example.com")

    response = await api.client.post("/referral-code/create", json={}, headers=account.headers)

    assert_problem(response, 400)


async def test_a_code_may_live_for_seconds_only(api: Api) -> None:
    account = await api.account("ada@example.com")

    assert (await api.create_code(account, datetime.now(UTC) + timedelta(seconds=2))).status_code == 201


async def test_lookup_by_email_answers_the_active_code(api: Api) -> None:
    account = await api.account("ada@example.com")
    created = (await api.create_code(account)).json()

    response = await api.code_of("ADA@Example.com")

    assert response.status_code == 200
    assert response.json() == {"code": created["code"], "expires_at": created["expires_at"]}


async def test_unknown_email_and_no_active_code_answer_alike(api: Api) -> None:
    await api.account("ada@example.com")

    without_code = assert_problem(await api.code_of("ada@example.com"), 404, "no-active-code")
    unknown = assert_problem(await api.code_of("nobody@example.com"), 404, "no-active-code")
    implausible = assert_problem(await api.code_of("nobody@localhost"), 404, "no-active-code")

    for body in (without_code, unknown, implausible):
        body.pop("instance")
    assert without_code == unknown == implausible


async def test_a_lookup_by_something_not_shaped_like_an_email_is_off_the_schema(api: Api) -> None:
    problem = assert_problem(await api.code_of("not-an-email"), 400)

    assert [error["key"] for error in problem["errors"]] == ["email"]


async def test_delete_kills_the_code_at_once_even_when_cached(api: Api) -> None:
    account = await api.account("ada@example.com")
    await api.create_code(account)
    assert (await api.code_of("ada@example.com")).status_code == 200  # now cached

    assert (await api.client.delete("/referral-code/delete", headers=account.headers)).status_code == 204

    assert_problem(await api.code_of("ada@example.com"), 404)


async def test_delete_without_an_active_code_is_a_404(api: Api) -> None:
    account = await api.account("ada@example.com")

    assert_problem(await api.client.delete("/referral-code/delete", headers=account.headers), 404, "no-active-code")


async def test_after_delete_a_new_code_can_be_created_and_is_served(api: Api) -> None:
    account = await api.account("ada@example.com")
    first = (await api.create_code(account)).json()["code"]
    await api.code_of("ada@example.com")
    await api.client.delete("/referral-code/delete", headers=account.headers)

    second = (await api.create_code(account)).json()["code"]

    assert second != first
    assert (await api.code_of("ada@example.com")).json()["code"] == second


async def test_an_expired_code_is_dead_even_when_cached(api: Api, clock: MutableClock) -> None:
    account = await api.account("ada@example.com")
    created = (await api.create_code(account, clock.now() + timedelta(minutes=10))).json()
    assert (await api.code_of("ada@example.com")).status_code == 200  # now cached

    clock.current += timedelta(minutes=10)

    assert_problem(await api.code_of("ada@example.com"), 404)
    response = await api.register("bob@example.com", referral_code=created["code"])
    assert_problem(response, 422, "invalid-referral-code")


async def test_an_expired_code_makes_room_for_the_next(api: Api, clock: MutableClock) -> None:
    account = await api.account("ada@example.com")
    await api.create_code(account, clock.now() + timedelta(minutes=1))
    clock.current += timedelta(minutes=2)

    response = await api.create_code(account, clock.now() + timedelta(days=1))

    assert response.status_code == 201
    assert (await api.code_of("ada@example.com")).json()["code"] == response.json()["code"]


async def test_deleting_an_expired_code_is_a_404(api: Api, clock: MutableClock) -> None:
    account = await api.account("ada@example.com")
    await api.create_code(account, clock.now() + timedelta(minutes=1))
    clock.current += timedelta(minutes=1)

    assert_problem(await api.client.delete("/referral-code/delete", headers=account.headers), 404)
