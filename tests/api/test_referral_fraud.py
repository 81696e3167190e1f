"""Referral fraud over HTTP: refusals, the signals that flag a referral, the review, and codes with a use limit.

Clients are told apart by ``X-Forwarded-For`` from a trusted proxy (the test client's own loopback address), with
public addresses: only public ones say anything about who is behind them. No packet goes to any of them.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from httpx import Response

from referrals.bootstrap.app import create_app
from referrals.bootstrap.config import Settings
from referrals.domain.api_keys import Scope
from tests.api.conftest import Account, Api, assert_problem, serving
from tests.api.test_programme import USD_TERMS, Operator, operator
from tests.conftest import MutableClock, make_settings
from tests.operator_keys import issue_api_key, key_headers

__all__ = ["operator"]

HOME = {"X-Forwarded-For": "81.2.69.160"}
OFFICE = {"X-Forwarded-For": "81.2.69.142"}
ELSEWHERE = {"X-Forwarded-For": "2a00:1450:4001:81d::2004"}
# One IPv6 /64, two addresses in it: one household, one client.
LAPTOP = {"X-Forwarded-For": "2a01:4f8:c17:1::10"}
PHONE = {"X-Forwarded-For": "2a01:4f8:c17:1::beef"}
# A private address behind the proxy: a NAT or a misconfigured hop, nobody in particular.
INTRANET = {"X-Forwarded-For": "10.1.2.3"}
VELOCITY = 3


def fraud_settings(database_url: str, cache_settings: dict[str, object], **overrides: object) -> Settings:
    values: dict[str, Any] = {
        **cache_settings,
        "trusted_proxies": "127.0.0.1/32",
        "referral_velocity_per_hour": VELOCITY,
        **overrides,
    }
    return make_settings(database_url, **values)


@pytest.fixture
def settings(database_url: str, cache_settings: dict[str, object]) -> Settings:
    return fraud_settings(database_url, cache_settings)


async def sign_up(api: Api, email: str, headers: dict[str, str], code: str | None = None) -> Response:
    body: dict[str, str] = {"email": email, "password": "correct horse battery"}
    if code is None:
        return await api.client.post("/auth/register", json=body, headers=headers)
    return await api.client.post("/register-with-referral", json={**body, "referral_code": code}, headers=headers)


async def referrer_from(api: Api, email: str, headers: dict[str, str], **code_fields: object) -> tuple[Account, str]:
    """A referrer who registered and logged in from ``headers``' client, and their new code."""
    assert (await sign_up(api, email, headers)).status_code == 201
    tokens = (
        await api.client.post(
            "/auth/login", data={"username": email, "password": "correct horse battery"}, headers=headers
        )
    ).json()
    me = await api.client.get("/users/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    account = Account(me.json()["id"], email, "correct horse battery", tokens["access_token"], tokens["refresh_token"])
    created = await api.client.post("/referral-code/create", json=code_body(**code_fields), headers=account.headers)
    assert created.status_code == 201, created.text
    return account, created.json()["code"]


def code_body(**fields: object) -> dict[str, object]:
    return {"expires_at": (datetime.now(UTC) + timedelta(days=7)).isoformat(), **fields}


async def referral_of(operator: Operator, referee_id: str) -> dict[str, Any]:
    page = (await operator.read("/admin/referrals?limit=100")).json()
    (referral,) = [item for item in page["items"] if item["id"] == referee_id]
    found: dict[str, Any] = referral
    return found


async def test_an_honest_newcomer_raises_no_flag(api: Api, operator: Operator) -> None:
    _, code = await referrer_from(api, "ada@example.com", HOME)

    registered = await sign_up(api, "grace@example.org", ELSEWHERE, code)

    assert registered.status_code == 201
    referral = await referral_of(operator, registered.json()["id"])
    assert (referral["state"], referral["flags"], referral["evidence"]) == ("pending", [], [])
    assert referral["approved_at"] is None


@pytest.mark.parametrize(
    ("referrer_email", "newcomer_email"),
    [
        ("ada.lovelace@gmail.com", "adalovelace+second@googlemail.com"),
        ("ada@outlook.com", "ADA+promo@outlook.com"),
        ("ada@yahoo.com", "ada-promo@yahoo.com"),
    ],
    ids=["gmail-dots-plus-googlemail", "outlook-plus", "yahoo-hyphen"],
)
async def test_another_spelling_of_the_referrers_own_mailbox_is_a_self_referral(
    api: Api, referrer_email: str, newcomer_email: str
) -> None:
    _, code = await referrer_from(api, referrer_email, HOME)

    assert_problem(await sign_up(api, newcomer_email, ELSEWHERE, code), 422, "self-referral")


async def test_a_plus_address_on_a_domain_that_may_not_fold_it_is_someone_else(api: Api, operator: Operator) -> None:
    _, code = await referrer_from(api, "ada@example.com", HOME)

    registered = await sign_up(api, "ada+friend@example.com", ELSEWHERE, code)

    assert registered.status_code == 201
    assert (await referral_of(operator, registered.json()["id"]))["flags"] == []


async def test_a_second_account_on_an_existing_mailbox_is_flagged(api: Api, operator: Operator) -> None:
    _, code = await referrer_from(api, "ada@example.com", HOME)
    assert (await sign_up(api, "bob.smith@gmail.com", ELSEWHERE)).status_code == 201

    registered = await sign_up(api, "bobsmith+deal@gmail.com", OFFICE, code)

    assert registered.status_code == 201
    referral = await referral_of(operator, registered.json()["id"])
    assert (referral["state"], referral["flags"]) == ("flagged", ["duplicate_mailbox"])
    (evidence,) = referral["evidence"]
    assert evidence["reason"] == "duplicate_mailbox"
    assert "bob" not in evidence["detail"]


async def test_a_throwaway_address_is_refused_for_a_referral_only(api: Api) -> None:
    _, code = await referrer_from(api, "ada@example.com", HOME)

    assert_problem(await sign_up(api, "farmer@mailinator.com", ELSEWHERE, code), 422, "disposable-email")
    assert_problem(await sign_up(api, "farmer@inbox.mailinator.com", ELSEWHERE, code), 422, "disposable-email")
    assert (await sign_up(api, "farmer@mailinator.com", ELSEWHERE)).status_code == 201


@pytest.mark.parametrize(
    ("overrides", "state", "flags"),
    [
        ({"disposable_emails": "flag"}, "flagged", ["disposable_email"]),
        ({"disposable_emails": "allow"}, "pending", []),
        ({"disposable_email_allowlist": "example.net, MAILINATOR.com"}, "pending", []),
    ],
    ids=["flag", "allow", "allow-listed"],
)
async def test_the_operator_chooses_what_a_throwaway_address_leads_to(
    database_url: str, cache_settings: dict[str, object], overrides: dict[str, object], state: str, flags: list[str]
) -> None:
    app = create_app(fraud_settings(database_url, cache_settings, **overrides))
    async with serving(app) as client:
        api = Api(client)
        _, code = await referrer_from(api, "ada@example.com", HOME)
        registered = await sign_up(api, "farmer@mailinator.com", ELSEWHERE, code)
        key = await issue_api_key(app, Scope.REFERRALS_READ)
        page = (await client.get("/admin/referrals", headers=key_headers(key))).json()

    assert registered.status_code == 201
    (referral,) = page["items"]
    assert (referral["state"], referral["flags"]) == (state, flags)


@pytest.mark.parametrize(
    ("referrer_client", "newcomer_client"), [(OFFICE, OFFICE), (LAPTOP, PHONE)], ids=["same-address", "same-ipv6-64"]
)
async def test_a_newcomer_from_the_referrers_recent_client_is_flagged(
    api: Api, operator: Operator, clock: MutableClock, referrer_client: dict[str, str], newcomer_client: dict[str, str]
) -> None:
    _, code = await referrer_from(api, "ada@example.com", referrer_client)
    clock.current += timedelta(minutes=5)

    registered = await sign_up(api, "grace@example.org", newcomer_client, code)

    assert registered.status_code == 201
    referral = await referral_of(operator, registered.json()["id"])
    assert (referral["state"], referral["flags"]) == ("flagged", ["same_client"])
    detail = referral["evidence"][0]["detail"]
    assert "5 min" in detail
    assert newcomer_client["X-Forwarded-For"] not in detail


async def test_two_colleagues_behind_one_office_address_a_day_apart_are_not_flagged(
    api: Api, operator: Operator, clock: MutableClock
) -> None:
    # The rule looks back 12 hours (REFERRAL_SAME_CLIENT_HOURS): a colleague who signs up the next day from the
    # office both use is no sign of one person behind two accounts.
    _, code = await referrer_from(api, "ada@example.com", OFFICE)
    clock.current += timedelta(days=1)

    registered = await sign_up(api, "grace@example.org", OFFICE, code)

    assert (await referral_of(operator, registered.json()["id"]))["flags"] == []


async def test_private_addresses_say_nothing_about_who_is_behind_them(api: Api, operator: Operator) -> None:
    _, code = await referrer_from(api, "ada@example.com", INTRANET)

    registered = await sign_up(api, "grace@example.org", INTRANET, code)

    assert (await referral_of(operator, registered.json()["id"]))["flags"] == []


async def test_registrations_past_the_hourly_velocity_on_one_code_are_flagged(
    api: Api, operator: Operator, clock: MutableClock
) -> None:
    _, code = await referrer_from(api, "ada@example.com", HOME)

    states = []
    for n in range(VELOCITY + 2):
        registered = await sign_up(api, f"friend{n}@example.org", ELSEWHERE, code)
        states.append((await referral_of(operator, registered.json()["id"]))["flags"])
        clock.current += timedelta(minutes=1)
    clock.current += timedelta(hours=1)
    after_an_hour = await sign_up(api, "later@example.org", ELSEWHERE, code)

    assert states == [[]] * VELOCITY + [["velocity"]] * 2
    assert (await referral_of(operator, after_an_hour.json()["id"]))["flags"] == []


async def test_a_flagged_referral_holds_its_conversion_until_approved(
    api: Api, operator: Operator, clock: MutableClock
) -> None:
    assert (await operator.set_programme(USD_TERMS)).status_code == 200
    ada, code = await referrer_from(api, "ada@example.com", OFFICE)
    registered = await sign_up(api, "grace@example.org", OFFICE, code)
    referee_id = registered.json()["id"]

    converted = await operator.convert(id="order-1", user_id=referee_id, type="purchase", amount=5000, currency="USD")
    flagged = (await operator.read("/admin/referrals?state=flagged")).json()["items"]
    stats = (await api.client.get(f"/referrals/{ada.id}/stats", headers=ada.headers)).json()
    refused = await operator.write(f"/admin/referrals/{ada.id}/approve")
    approved = await operator.write(f"/admin/referrals/{referee_id}/approve")
    again = await operator.write(f"/admin/referrals/{referee_id}/approve")
    rewards = (await operator.read(f"/admin/rewards?user_id={ada.id}")).json()["items"]
    stats_after = (await api.client.get(f"/referrals/{ada.id}/stats", headers=ada.headers)).json()
    replayed = await operator.convert(id="order-1", user_id=referee_id, type="purchase", amount=5000, currency="USD")
    feed = (await operator.read("/admin/events?type=referral.flagged&type=referral.approved&limit=1000")).json()

    assert converted.status_code == 201
    assert (converted.json()["qualified"], converted.json()["rewards"]) == (False, [])
    assert converted.json()["referral"]["held_conversion_id"] == "order-1"
    assert [item["id"] for item in flagged] == [referee_id]
    assert stats["referrals"] == {"total": 1, "pending": 0, "flagged": 1, "qualified": 0, "voided": 0}
    assert_problem(refused, 404, "referral-not-found")
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert (body["state"], body["flags"], body["approved_at"] is not None) == ("qualified", [], True)
    assert [flag["reason"] for flag in body["evidence"]] == ["same_client"]
    assert_problem(again, 409, "referral-not-flagged")
    assert [(reward["amount"], reward["state"]) for reward in rewards] == [(1000, "pending")]
    assert stats_after["referrals"] == {"total": 1, "pending": 0, "flagged": 0, "qualified": 1, "voided": 0}
    assert stats_after["rewards"] == [{"currency": "USD", "pending": 1000, "available": 0, "redeemed": 0, "voided": 0}]
    assert (replayed.status_code, replayed.json()["qualified"]) == (200, True)
    # The feed of the one database every PostgreSQL test shares: this referral's events only.
    assert [event["type"] for event in feed["items"] if event["data"]["id"] == referee_id] == [
        "referral.flagged",
        "referral.approved",
    ]


async def test_a_flagged_referral_without_a_conversion_is_approved_to_pending_or_voided(
    api: Api, operator: Operator
) -> None:
    _, code = await referrer_from(api, "ada@example.com", OFFICE)
    first = (await sign_up(api, "grace@example.org", OFFICE, code)).json()["id"]
    second = (await sign_up(api, "alan@example.org", OFFICE, code)).json()["id"]

    approved = await operator.write(f"/admin/referrals/{first}/approve")
    voided = await operator.write(f"/admin/referrals/{second}/void", {"reason": "fraud", "note": "one person"})
    by_reader = await api.client.post(
        f"/admin/referrals/{first}/approve", headers=operator.headers(Scope.REFERRALS_READ)
    )

    assert (approved.status_code, approved.json()["state"]) == (200, "pending")
    assert (voided.status_code, voided.json()["state"], voided.json()["flags"]) == (200, "voided", ["same_client"])
    assert_problem(by_reader, 403, "insufficient-scope")


async def test_a_code_with_a_use_limit_is_spent_by_its_last_registration(api: Api) -> None:
    ada, code = await referrer_from(api, "ada@example.com", HOME, max_uses=1)

    before = await api.code_of("ada@example.com")
    used = await sign_up(api, "grace@example.org", ELSEWHERE, code)
    after = await api.code_of("ada@example.com")
    spent = await sign_up(api, "alan@example.org", ELSEWHERE, code)
    next_code = await api.client.post("/referral-code/create", json=code_body(), headers=ada.headers)

    assert (before.status_code, used.status_code) == (200, 201)
    assert_problem(after, 404)
    assert_problem(spent, 422, "invalid-referral-code")
    assert (next_code.status_code, next_code.json()["max_uses"]) == (201, None)


@pytest.mark.parametrize("max_uses", [0, 1_000_001, 2.5])
async def test_a_use_limit_is_a_whole_number_from_one_to_a_million(api: Api, max_uses: object) -> None:
    ada = await api.account("ada@example.com")

    refused = await api.client.post("/referral-code/create", json=code_body(max_uses=max_uses), headers=ada.headers)

    assert_problem(refused, 400)


async def test_the_created_code_shows_its_limit(api: Api) -> None:
    ada = await api.account("ada@example.com")

    created = await api.client.post("/referral-code/create", json=code_body(max_uses=50), headers=ada.headers)

    assert (created.status_code, created.json()["max_uses"]) == (201, 50)


async def test_the_referrer_sees_that_a_referral_is_held_but_not_why(api: Api, operator: Operator) -> None:
    ada, code = await referrer_from(api, "ada@example.com", OFFICE)
    referee_id = (await sign_up(api, "grace@example.org", OFFICE, code)).json()["id"]

    (seen_by_referrer,) = (await api.client.get(f"/referrals/{ada.id}", headers=ada.headers)).json()["items"]
    seen_by_operator = (await operator.read(f"/referrals/{ada.id}")).json()["items"][0]

    assert seen_by_referrer["id"] == referee_id
    assert (seen_by_referrer["state"], seen_by_referrer["flags"], seen_by_referrer["evidence"]) == ("flagged", [], [])
    assert (seen_by_operator["state"], seen_by_operator["flags"]) == ("flagged", ["same_client"])
