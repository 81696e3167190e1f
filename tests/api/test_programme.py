"""The programme walked over HTTP: terms, conversions that do and don't qualify, the hold, payout, voids, the
views of both sides, the feed, and every permission refused where it should be."""

from collections import Counter
from datetime import timedelta
from typing import Any

import msgspec
import pytest
from httpx import Response
from litestar import Litestar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from referrals.adapters.persistence.tables import events
from referrals.api.injection import container_of
from referrals.application.use_cases.mature_rewards import MatureRewards
from referrals.domain.api_keys import Scope
from tests.api.conftest import Account, Api, assert_problem
from tests.conftest import MutableClock
from tests.operator_keys import issue_api_key, key_headers

USD_TERMS: dict[str, Any] = {
    "qualifying_event": "purchase",
    "attribution_window": "P30D",
    "hold": "PT2S",
    "min_amount": {"amount": 1000, "currency": "USD"},
    "referrer_reward": {"amount": 1000, "currency": "USD"},
    "referee_reward": {"basis_points": 1000, "currency": "USD", "max_amount": 2500},
    "max_rewarded_referrals_per_referrer": 50,
}


class Operator:
    """The operator's backend, with one key per scope so that each route is seen to need its own."""

    def __init__(self, api: Api, keys: dict[Scope, str]) -> None:
        self.client = api.client
        self.keys = keys

    def headers(self, scope: Scope) -> dict[str, str]:
        return key_headers(self.keys[scope])

    async def set_programme(self, terms: dict[str, Any]) -> Response:
        return await self.client.put("/program", json=terms, headers=self.headers(Scope.PROGRAM_WRITE))

    async def convert(self, **conversion: Any) -> Response:
        return await self.client.post("/conversions", json=conversion, headers=self.headers(Scope.EVENTS_WRITE))

    async def read(self, path: str) -> Response:
        return await self.client.get(path, headers=self.headers(Scope.REFERRALS_READ))

    async def write(self, path: str, body: dict[str, Any] | None = None) -> Response:
        return await self.client.post(path, json=body, headers=self.headers(Scope.REFERRALS_WRITE))


@pytest.fixture
async def operator(app: Litestar, api: Api) -> Operator:
    scopes = (Scope.PROGRAM_WRITE, Scope.EVENTS_WRITE, Scope.REFERRALS_READ, Scope.REFERRALS_WRITE)
    return Operator(api, {scope: await issue_api_key(app, scope) for scope in scopes})


async def referred(api: Api, referrer: Account, *emails: str) -> list[Account]:
    code = (await api.create_code(referrer)).json()["code"]
    accounts = []
    for email in emails:
        assert (await api.register(email, referral_code=code)).status_code == 201
        tokens = (await api.login(email)).json()
        user_id = await api.client.get("/users/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
        accounts.append(
            Account(
                id=user_id.json()["id"],
                email=email,
                password=referrer.password,
                access_token=tokens["access_token"],
                refresh_token=tokens["refresh_token"],
            )
        )
    return accounts


async def feed_types(database_url: str, subjects: set[str]) -> Counter[str]:
    """How many events of each type the feed holds about these referrals and rewards."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = (await connection.execute(select(events.c.type, events.c.data))).all()
    finally:
        await engine.dispose()
    return Counter(row.type for row in rows if msgspec.json.decode(row.data).get("id") in subjects)


async def test_before_any_terms_the_programme_grants_nothing(api: Api) -> None:
    response = await api.client.get("/program")

    assert response.status_code == 200
    assert response.json() == {
        "version": 0,
        "updated_at": None,
        "qualifying_event": "purchase",
        "attribution_window": "P90D",
        "hold": "P14D",
        "min_amount": None,
        "referrer_reward": None,
        "referee_reward": None,
        "max_rewarded_referrals_per_referrer": None,
    }


async def test_every_put_is_a_new_version_that_get_shows(api: Api, operator: Operator) -> None:
    first = await operator.set_programme(USD_TERMS)
    second = await operator.set_programme({**USD_TERMS, "hold": "P14D", "referee_reward": None})

    assert (first.status_code, first.json()["version"]) == (200, 1)
    assert (second.status_code, second.json()["version"]) == (200, 2)
    shown = (await api.client.get("/program")).json()
    assert shown == second.json()
    assert (shown["hold"], shown["referee_reward"], shown["referrer_reward"]) == (
        "P14D",
        None,
        {"amount": 1000, "currency": "USD"},
    )
    assert shown["updated_at"] is not None
    # Both methods are announced, though two handlers serve them.
    options = await api.client.options("/program")
    assert (options.status_code, options.headers["allow"]) == (204, "GET, OPTIONS, PUT")


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"hold": "P1M"}, 400, None),  # months have no fixed length
        ({"attribution_window": "P1Y"}, 400, None),
        ({"hold": "PT"}, 422, "invalid-duration"),
        ({"referrer_reward": {"amount": 1000, "basis_points": 10, "currency": "USD"}}, 422, "invalid-reward"),
        ({"referrer_reward": {"currency": "USD"}}, 422, "invalid-reward"),
        ({"referrer_reward": {"amount": 1000, "currency": "usd"}}, 400, None),
        ({"referee_reward": {"basis_points": 10001, "currency": "USD"}}, 400, None),
        ({"referrer_reward": {"amount": 0, "currency": "USD"}}, 400, None),
        ({"max_rewarded_referrals_per_referrer": -1}, 400, None),
    ],
)
async def test_terms_the_programme_cannot_keep_are_refused(
    operator: Operator, change: dict[str, Any], status: int, code: str | None
) -> None:
    assert_problem(await operator.set_programme({**USD_TERMS, **change}), status, code)


async def test_the_programme_walk(
    api: Api, operator: Operator, clock: MutableClock, app: Litestar, database_url: str
) -> None:
    assert (await operator.set_programme(USD_TERMS)).status_code == 200
    ada = await api.account("ada@example.com")
    bob, carol = await referred(api, ada, "bob@example.com", "carol@example.com")
    dave = await api.account("dave@example.com")

    # Conversions that do not qualify: another event, or less than the minimum.
    signup = await operator.convert(id="sig_1", user_id=bob.id, type="signup")
    small = await operator.convert(id="ord_0", user_id=bob.id, type="purchase", amount=999, currency="USD")
    for response in (signup, small):
        assert response.status_code == 201, response.text
        assert (response.json()["qualified"], response.json()["rewards"]) == (False, [])
        assert response.json()["referral"]["state"] == "pending"

    # The one that does: reported by email, it qualifies bob's referral and grants both sides.
    purchase = await operator.convert(id="ord_1", email="BOB@example.com", type="purchase", amount=4999, currency="USD")
    assert purchase.status_code == 201, purchase.text
    body = purchase.json()
    assert (body["qualified"], body["user_id"], body["amount"], body["currency"]) == (True, bob.id, 4999, "USD")
    assert body["referral"]["state"] == "qualified"
    assert body["referral"]["qualified_at"] is not None
    rewards = {reward["role"]: reward for reward in body["rewards"]}
    assert (rewards["referrer"]["user_id"], rewards["referrer"]["amount"]) == (ada.id, 1000)
    # 10 % of 4,999 cents, rounded down.
    assert (rewards["referee"]["user_id"], rewards["referee"]["amount"]) == (bob.id, 499)
    assert {reward["state"] for reward in body["rewards"]} == {"pending"}
    assert {reward["program_version"] for reward in body["rewards"]} == {1}

    # The same report again is the same conversion; the same id with other content is a conflict.
    again = await operator.convert(id="ord_1", email="bob@example.com", type="purchase", amount=4999, currency="USD")
    assert again.status_code == 200
    assert again.json() == body
    assert_problem(
        await operator.convert(id="ord_1", user_id=bob.id, type="purchase", amount=5000, currency="USD"),
        409,
        "conversion-id-reused",
    )
    # A later qualifying conversion finds the referral qualified already: nothing more is granted.
    later = await operator.convert(id="ord_2", user_id=bob.id, type="purchase", amount=9999, currency="USD")
    assert (later.status_code, later.json()["qualified"], later.json()["rewards"]) == (201, False, [])
    # A user nobody referred converts without a referral.
    unreferred = await operator.convert(id="ord_3", user_id=dave.id, type="purchase", amount=4999, currency="USD")
    assert (unreferred.status_code, unreferred.json()["referral"]) == (201, None)

    # Both sides' views.
    qualified = (await api.client.get(f"/referrals/{ada.id}?state=qualified", headers=ada.headers)).json()
    pending = (await api.client.get(f"/referrals/{ada.id}?state=pending", headers=ada.headers)).json()
    assert [item["email"] for item in qualified["items"]] == ["bob@example.com"]
    assert [item["email"] for item in pending["items"]] == ["carol@example.com"]
    stats = (await api.client.get(f"/referrals/{ada.id}/stats", headers=ada.headers)).json()
    assert stats == {
        "referrer_id": ada.id,
        "referrals": {"total": 2, "pending": 1, "flagged": 0, "qualified": 1, "voided": 0},
        "conversion_rate": 0.5,
        "rewards": [{"currency": "USD", "pending": 1000, "available": 0, "redeemed": 0, "voided": 0}],
    }
    bobs = (await api.client.get("/users/me/rewards", headers=bob.headers)).json()
    assert [(item["role"], item["amount"]) for item in bobs["items"]] == [("referee", 499)]

    # Redeeming before the hold ends is refused; once it ends, the reward reads as available at once.
    referrer_reward = rewards["referrer"]["id"]
    assert_problem(await operator.write(f"/admin/rewards/{referrer_reward}/redeem"), 409, "reward-not-available")
    clock.current += timedelta(seconds=3)
    # Past the hold, unrecorded (no background step has run): the referrer's stats show it available already.
    matured = (await operator.read(f"/referrals/{ada.id}/stats")).json()["rewards"]
    assert matured == [{"currency": "USD", "pending": 0, "available": 1000, "redeemed": 0, "voided": 0}]
    queue = (await operator.read("/admin/rewards?state=available")).json()
    assert {item["id"] for item in queue["items"]} == {rewards["referrer"]["id"], rewards["referee"]["id"]}
    assert (await operator.read("/admin/rewards?state=pending")).json()["total"] == 0
    redeemed = await operator.write(f"/admin/rewards/{referrer_reward}/redeem")
    assert (redeemed.status_code, redeemed.json()["state"]) == (200, "redeemed")
    assert redeemed.json()["redeemed_at"] is not None
    assert_problem(await operator.write(f"/admin/rewards/{referrer_reward}/redeem"), 409, "reward-not-available")
    assert_problem(await operator.write(f"/admin/rewards/{referrer_reward}/void"), 409, "reward-not-voidable")
    # A referral with a reward paid out can no longer be voided.
    assert_problem(
        await operator.write(f"/admin/referrals/{bob.id}/void", {"reason": "refund"}), 409, "reward-redeemed"
    )
    voided_reward = await operator.write(f"/admin/rewards/{rewards['referee']['id']}/void")
    assert (voided_reward.status_code, voided_reward.json()["state"]) == (200, "voided")

    # Carol qualifies, then turns out to be a fraud: her referral and its rewards are voided together.
    carols = await operator.convert(id="ord_4", user_id=carol.id, type="purchase", amount=1000, currency="USD")
    assert [reward["amount"] for reward in carols.json()["rewards"]] == [1000, 100]
    voided = await operator.write(f"/admin/referrals/{carol.id}/void", {"reason": "fraud", "note": "same card"})
    assert voided.status_code == 200, voided.text
    assert (voided.json()["state"], voided.json()["void_reason"]) == ("voided", "fraud")
    assert_problem(
        await operator.write(f"/admin/referrals/{carol.id}/void", {"reason": "fraud"}), 409, "referral-voided"
    )
    carols_rewards = (await operator.read(f"/admin/rewards?user_id={carol.id}")).json()["items"]
    assert [reward["state"] for reward in carols_rewards] == ["voided"]
    flagged = (await operator.read(f"/admin/referrals?referrer_id={ada.id}&state=voided")).json()
    assert [item["id"] for item in flagged["items"]] == [carol.id]

    stats = (await operator.read(f"/referrals/{ada.id}/stats")).json()
    assert stats["referrals"] == {"total": 2, "pending": 0, "flagged": 0, "qualified": 1, "voided": 1}
    assert stats["rewards"] == [{"currency": "USD", "pending": 0, "available": 0, "redeemed": 1000, "voided": 1000}]

    # The scheduler's job finds nothing left to mature: every hold that ended was recorded on the way.
    async with container_of(app)() as scope:
        assert await (await scope.get(MatureRewards))(clock.now()) == 0

    subjects = {bob.id, carol.id} | {reward["id"] for reward in body["rewards"] + carols.json()["rewards"]}
    assert await feed_types(database_url, subjects) == Counter(
        {
            "referral.created": 2,
            "referral.qualified": 2,
            "reward.created": 4,
            # Bob's two at their redeem and void; Carol's were voided while still on hold.
            "reward.available": 2,
            "reward.redeemed": 1,
            "reward.voided": 3,
            "referral.voided": 1,
        }
    )


async def test_the_hold_is_recorded_by_the_background_job(
    api: Api, operator: Operator, clock: MutableClock, app: Litestar, database_url: str
) -> None:
    assert (await operator.set_programme(USD_TERMS)).status_code == 200
    ada = await api.account("ada@example.com")
    (bob,) = await referred(api, ada, "bob@example.com")
    granted = (await operator.convert(id="o", user_id=bob.id, type="purchase", amount=5000, currency="USD")).json()

    async with container_of(app)() as scope:
        mature = await scope.get(MatureRewards)
        assert await mature(clock.now()) == 0
        clock.current += timedelta(seconds=2)
        assert await mature(clock.now()) == 2
        assert await mature(clock.now()) == 0

    ids = {reward["id"] for reward in granted["rewards"]}
    assert (await feed_types(database_url, ids))["reward.available"] == 2
    stored = (await operator.read("/admin/rewards?state=available")).json()
    assert {item["id"] for item in stored["items"]} == ids


async def test_qualification_follows_the_window_the_cap_and_the_version_in_force(
    api: Api, operator: Operator, clock: MutableClock
) -> None:
    assert (await operator.set_programme({**USD_TERMS, "max_rewarded_referrals_per_referrer": 1})).status_code == 200
    ada = await api.account("ada@example.com")
    bob, carol, erin = await referred(api, ada, "bob@example.com", "carol@example.com", "erin@example.com")

    first = (await operator.convert(id="a", user_id=bob.id, type="purchase", amount=2000, currency="USD")).json()
    # Ada holds her one rewarded referral: Carol's qualification grants only Carol's own reward.
    second = (await operator.convert(id="b", user_id=carol.id, type="purchase", amount=2000, currency="USD")).json()
    assert [reward["role"] for reward in first["rewards"]] == ["referrer", "referee"]
    assert [reward["role"] for reward in second["rewards"]] == ["referee"]

    # A new version: what is granted from now on follows it, what was granted keeps its own.
    bigger = {**USD_TERMS, "referee_reward": {"amount": 700, "currency": "USD"}}
    assert (await operator.set_programme(bigger)).json()["version"] == 2
    # Past the attribution window, Erin's purchase no longer qualifies her referral.
    clock.current += timedelta(days=31)
    late = (await operator.convert(id="c", user_id=erin.id, type="purchase", amount=2000, currency="USD")).json()
    assert (late["qualified"], late["referral"]["state"]) == (False, "pending")
    mine = (await api.client.get("/users/me/rewards", headers=bob.headers)).json()["items"]
    assert [(reward["amount"], reward["program_version"]) for reward in mine] == [(200, 1)]


async def test_a_conversion_is_checked_before_it_is_stored(api: Api, operator: Operator, clock: MutableClock) -> None:
    bob = await api.account("bob@example.com")
    future = (clock.current + timedelta(minutes=5)).isoformat()

    for ambiguous in ({"user_id": bob.id, "email": bob.email}, {}, {"user_id": bob.id, "amount": 100}):
        assert_problem(await operator.convert(id="x", type="purchase", **ambiguous), 422, "invalid-conversion")
    assert_problem(await operator.convert(id="x", user_id=bob.id, type="purchase", occurred_at="1700000000"), 400)
    assert_problem(await operator.convert(id="", user_id=bob.id, type="purchase"), 400)
    assert_problem(await operator.convert(id="x" * 256, user_id=bob.id, type="purchase"), 400)
    assert_problem(
        await operator.convert(id="x", user_id=bob.id, type="purchase", occurred_at=future), 422, "conversion-in-future"
    )
    assert_problem(await operator.convert(id="x", email="nobody@example.com", type="purchase"), 422, "unknown-user")
    # None of those was stored: the id is still free.
    stored = await operator.convert(id="x", user_id=bob.id, type="purchase")
    assert stored.status_code == 201


async def test_every_route_refuses_who_may_not_call_it(app: Litestar, api: Api, operator: Operator) -> None:
    ada = await api.account("ada@example.com")
    bob = await api.account("bob@example.com")
    feed_only = key_headers(await issue_api_key(app, Scope.WEBHOOKS_MANAGE))
    reward = "00000000-0000-0000-0000-000000000001"
    operator_routes = [
        ("PUT", "/program", USD_TERMS),
        ("POST", "/conversions", {"id": "o", "user_id": bob.id, "type": "purchase"}),
        ("GET", "/admin/referrals", None),
        ("POST", f"/admin/referrals/{bob.id}/void", {"reason": "fraud"}),
        ("GET", "/admin/rewards", None),
        ("POST", f"/admin/rewards/{reward}/redeem", None),
        ("POST", f"/admin/rewards/{reward}/void", None),
    ]
    for method, path, body in operator_routes:
        unauthenticated = await api.client.request(method, path, json=body)
        assert_problem(unauthenticated, 401)
        for headers in (ada.headers, feed_only):
            refused = await api.client.request(method, path, json=body, headers=headers)
            assert_problem(refused, 403, "insufficient-scope")
            assert refused.headers["www-authenticate"].startswith('Bearer error="insufficient_scope"')
    # A key's scopes are its own: one that may report conversions may not void or read.
    assert_problem(
        await api.client.get("/admin/rewards", headers=operator.headers(Scope.EVENTS_WRITE)), 403, "insufficient-scope"
    )

    # A referrer's views: the referrer by token, or a key that may read referrals; nobody else.
    for path in (f"/referrals/{ada.id}", f"/referrals/{ada.id}/stats"):
        assert (await api.client.get(path, headers=ada.headers)).status_code == 200
        assert (await operator.read(path)).status_code == 200
        assert_problem(await api.client.get(path), 401)
        assert_problem(await api.client.get(path, headers=bob.headers), 403, "forbidden")
        assert_problem(await api.client.get(path, headers=feed_only), 403, "insufficient-scope")
        assert_problem(await api.client.get(path, headers=key_headers("rk_" + "A" * 43)), 401, "invalid-api-key")
    assert_problem(await api.client.get("/users/me/rewards"), 401)
    assert_problem(await api.client.get("/users/me/rewards", headers=operator.headers(Scope.REFERRALS_READ)), 401)


async def test_unknown_referrals_and_rewards_are_404(operator: Operator) -> None:
    missing = "00000000-0000-0000-0000-000000000001"

    assert_problem(
        await operator.write(f"/admin/referrals/{missing}/void", {"reason": "other"}), 404, "referral-not-found"
    )
    assert_problem(await operator.write(f"/admin/rewards/{missing}/redeem"), 404, "reward-not-found")
    assert_problem(await operator.write(f"/admin/rewards/{missing}/void"), 404, "reward-not-found")
    assert_problem(await operator.write("/admin/rewards/not-a-uuid/void"), 400)
    assert_problem(await operator.read("/admin/rewards?state=lost"), 400)


async def test_text_no_database_column_holds_is_refused_before_it_is_stored(api: Api, operator: Operator) -> None:
    ada = await api.account("ada@example.com")
    (bob,) = await referred(api, ada, "bob@example.com")

    assert_problem(await operator.convert(id="ord\u00001", user_id=bob.id, type="purchase"), 422, "invalid-conversion")
    assert_problem(
        await operator.write(f"/admin/referrals/{bob.id}/void", {"reason": "fraud", "note": "same\u0000card"}),
        422,
        "invalid-void-note",
    )
    # Refused before anything changed: the referral is still pending and can be voided with a note it can keep.
    voided = await operator.write(f"/admin/referrals/{bob.id}/void", {"reason": "fraud", "note": "same card"})
    assert (voided.status_code, voided.json()["state"]) == (200, "voided")


@pytest.mark.parametrize(
    "conversion",
    [
        {"type": "purchase\n"},
        {"type": "purchase", "amount": 100, "currency": "USD\n"},
        # Sixteen letters and a newline: past the column's width, so only the whole match stops it in time.
        {"type": "purchase", "amount": 100, "currency": "ABCDEFGHIJKLMNOP\n"},
    ],
    ids=["type", "currency", "currency-past-the-column"],
)
async def test_a_conversion_name_is_matched_whole_as_the_programme_matches_its_own(
    api: Api, operator: Operator, conversion: dict[str, Any]
) -> None:
    bob = await api.account("bob@example.com")
    code = "invalid-event-type" if conversion["type"] != "purchase" else "invalid-currency"

    assert_problem(await operator.convert(id="ord_1", user_id=bob.id, **conversion), 422, code)
    # The id is still free: nothing was stored.
    assert (await operator.convert(id="ord_1", user_id=bob.id, type="purchase")).status_code == 201


async def test_a_qualifying_event_is_matched_whole(operator: Operator) -> None:
    assert_problem(
        await operator.set_programme({**USD_TERMS, "qualifying_event": "purchase\n"}), 422, "invalid-event-type"
    )


@pytest.mark.parametrize(
    "occurred_at",
    ["0001-01-01T00:00:00Z", "0001-01-01T00:00:00+01:00", "1999-12-31T23:59:59.999999Z", "2000-01-01T00:30:00+01:00"],
)
async def test_a_conversion_before_the_earliest_instant_taken_is_refused(
    api: Api, operator: Operator, occurred_at: str
) -> None:
    assert (await operator.set_programme(USD_TERMS)).status_code == 200
    ada = await api.account("ada@example.com")
    (bob,) = await referred(api, ada, "bob@example.com")

    problem = assert_problem(
        await operator.convert(id="o", user_id=bob.id, type="purchase", occurred_at=occurred_at),
        422,
        "invalid-conversion",
    )
    assert "2000-01-01T00:00:00Z" in problem["detail"]
    earliest = await operator.convert(id="o", user_id=bob.id, type="purchase", occurred_at="2000-01-01T00:00:00Z")
    assert (earliest.status_code, earliest.json()["qualified"]) == (201, False)


async def test_a_malformed_email_names_no_user(operator: Operator) -> None:
    # Shaped like an address to pass the schema, but no address anyone could have registered with.
    for email in ("a@b", "ada@exa mple.com"):
        assert_problem(await operator.convert(id="o", email=email, type="purchase"), 422, "unknown-user")
