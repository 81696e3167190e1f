import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest

from tests.api.conftest import Api, assert_problem
from tests.conftest import MutableClock


async def test_a_newcomer_registers_with_a_code_and_becomes_a_referral(api: Api) -> None:
    referrer = await api.account("ada@example.com")
    code = (await api.create_code(referrer)).json()["code"]

    response = await api.register("bob@example.com", referral_code=code)

    assert response.status_code == 201
    assert response.json()["referrer_id"] == referrer.id
    assert response.json()["email"] == "bob@example.com"


@pytest.mark.parametrize("spell", [str.lower, lambda code: f"{code[:4]}-{code[4:8]}-{code[8:]}"])
async def test_a_code_is_accepted_however_it_is_typed(api: Api, spell: Callable[[str], str]) -> None:
    referrer = await api.account("ada@example.com")
    code = (await api.create_code(referrer)).json()["code"]

    response = await api.register("bob@example.com", referral_code=spell(code))

    assert response.status_code == 201


async def test_unknown_expired_and_deleted_codes_are_one_and_the_same_422(api: Api, clock: MutableClock) -> None:
    ada = await api.account("ada@example.com")
    deleted = (await api.create_code(ada)).json()["code"]
    await api.client.delete("/referral-code/delete", headers=ada.headers)
    eve = await api.account("eve@example.com")
    expired = (await api.create_code(eve, clock.now() + timedelta(minutes=1))).json()["code"]
    clock.current += timedelta(minutes=5)

    bodies = []
    for code in (deleted, expired, "0000000000000", "not a code at all"):
        body = assert_problem(await api.register("bob@example.com", referral_code=code), 422, "invalid-referral-code")
        bodies.append(body)

    assert all(body == bodies[0] for body in bodies)


@pytest.mark.parametrize("code", ["0000-0000-0000", "0000000000000U", "00000000000000", "７K3M9QXD2R4TB"])
async def test_a_code_that_cannot_be_one_is_off_the_schema(api: Api, code: str) -> None:
    problem = assert_problem(await api.register("bob@example.com", referral_code=code), 400)

    assert [error["key"] for error in problem["errors"]] == ["referral_code"]


async def test_a_code_matching_no_live_code_answers_alike_for_a_taken_and_a_free_email(
    api: Api, clock: MutableClock
) -> None:
    referrer = await api.account("ada@example.com")
    expired = (await api.create_code(referrer, clock.now() + timedelta(minutes=1))).json()["code"]
    await api.account("bob@example.com")
    clock.current += timedelta(minutes=5)

    for code in ("0000000000000", expired):
        taken = await api.register("BOB@example.com", referral_code=code)
        free = await api.register("carol@example.com", referral_code=code)

        assert_problem(taken, 422, "invalid-referral-code")
        assert (taken.status_code, taken.json()) == (free.status_code, free.json())


async def test_a_taken_email_is_a_409_with_a_good_code_too(api: Api) -> None:
    referrer = await api.account("ada@example.com")
    code = (await api.create_code(referrer)).json()["code"]
    await api.account("bob@example.com")

    assert_problem(await api.register("bob@example.com", referral_code=code), 409)


@pytest.mark.parametrize("spelling", ["ada@example.com", " ADA@Example.com ", "ａｄａ@example.com"])
async def test_no_one_can_become_their_own_referral(api: Api, spelling: str) -> None:
    # Registering creates a new account, so only the owner's own email could point back at them: it is taken.
    referrer = await api.account("ada@example.com")
    code = (await api.create_code(referrer)).json()["code"]

    assert_problem(await api.register(spelling, referral_code=code), 409, "email-taken")
    page = (await api.client.get(f"/referrals/{referrer.id}", headers=referrer.headers)).json()
    assert page["total"] == 0


async def test_the_referral_code_is_required_on_that_route(api: Api) -> None:
    body = {"email": "bob@example.com", "password": "correct horse battery"}

    problem = assert_problem(await api.client.post("/register-with-referral", json=body), 400)

    assert problem["errors"][0]["key"] == "referral_code"


async def test_referrals_are_listed_newest_first_and_paginated(api: Api, clock: MutableClock) -> None:
    referrer = await api.account("ada@example.com")
    code = (await api.create_code(referrer)).json()["code"]
    emails = [f"friend{n}@example.com" for n in range(5)]
    for email in emails:
        clock.current += timedelta(seconds=1)
        assert (await api.register(email, referral_code=code)).status_code == 201
    await api.account("stranger@example.com")

    first = await api.client.get(f"/referrals/{referrer.id}?limit=2", headers=referrer.headers)
    rest = await api.client.get(f"/referrals/{referrer.id}?limit=10&offset=2", headers=referrer.headers)

    assert first.status_code == 200
    assert first.json()["total"] == 5
    assert first.json()["limit"] == 2
    assert first.json()["offset"] == 0
    listed = [item["email"] for item in first.json()["items"] + rest.json()["items"]]
    assert listed == list(reversed(emails))
    newest = first.json()["items"][0]
    assert set(newest) == {
        "id",
        "referrer_id",
        "email",
        "state",
        "created_at",
        "qualified_at",
        "voided_at",
        "void_reason",
        "flags",
        "evidence",
        "approved_at",
        "held_conversion_id",
    }
    assert (newest["referrer_id"], newest["state"], newest["qualified_at"]) == (str(referrer.id), "pending", None)
    assert (newest["flags"], newest["evidence"]) == ([], [])


async def test_referrals_survive_the_deletion_of_their_code(api: Api) -> None:
    referrer = await api.account("ada@example.com")
    code = (await api.create_code(referrer)).json()["code"]
    await api.register("bob@example.com", referral_code=code)

    await api.client.delete("/referral-code/delete", headers=referrer.headers)

    page = (await api.client.get(f"/referrals/{referrer.id}", headers=referrer.headers)).json()
    assert [item["email"] for item in page["items"]] == ["bob@example.com"]


async def test_an_empty_list_is_still_a_page(api: Api) -> None:
    referrer = await api.account("ada@example.com")

    response = await api.client.get(f"/referrals/{referrer.id}", headers=referrer.headers)

    assert response.json() == {"items": [], "total": 0, "limit": 20, "offset": 0}


async def test_only_the_referrer_may_read_their_referrals(api: Api) -> None:
    referrer = await api.account("ada@example.com")
    eve = await api.account("eve@example.com")

    assert_problem(await api.client.get(f"/referrals/{referrer.id}", headers=eve.headers), 403, "forbidden")
    assert_problem(await api.client.get(f"/referrals/{uuid.uuid4()}", headers=eve.headers), 403)
    assert_problem(await api.client.get(f"/referrals/{referrer.id}"), 401)


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "offset=-1", "limit=abc"])
async def test_pagination_out_of_range_is_a_400(api: Api, query: str) -> None:
    referrer = await api.account("ada@example.com")

    assert_problem(await api.client.get(f"/referrals/{referrer.id}?{query}", headers=referrer.headers), 400)


async def test_a_malformed_referrer_id_is_a_400_naming_the_field(api: Api) -> None:
    referrer = await api.account("ada@example.com")

    problem = assert_problem(await api.client.get("/referrals/not-a-uuid", headers=referrer.headers), 400)

    assert problem["errors"][0]["key"] == "referrer_id"
