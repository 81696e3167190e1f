"""A referrer's stats where their tallies are partly or wholly missing: a referrer nobody has joined yet, and one
whose referrals earned no reward. The full walk, rewards included, is in test_programme.py."""

from tests.api.conftest import Api

ZERO_REFERRALS = {"total": 0, "pending": 0, "flagged": 0, "qualified": 0, "voided": 0}


async def test_a_referrer_nobody_joined_has_zero_of_everything(api: Api) -> None:
    ada = await api.account("ada@example.com")

    stats = (await api.client.get(f"/referrals/{ada.id}/stats", headers=ada.headers)).json()

    assert stats == {"referrer_id": ada.id, "referrals": ZERO_REFERRALS, "conversion_rate": 0.0, "rewards": []}


async def test_referrals_without_rewards_are_counted_with_no_currency_listed(api: Api) -> None:
    ada = await api.account("ada@example.com")
    code = (await api.create_code(ada)).json()["code"]
    for email in ("bob@example.com", "carol@example.com"):
        assert (await api.register(email, referral_code=code)).status_code == 201

    stats = (await api.client.get(f"/referrals/{ada.id}/stats", headers=ada.headers)).json()

    assert stats["referrals"] == {**ZERO_REFERRALS, "total": 2, "pending": 2}
    assert (stats["conversion_rate"], stats["rewards"]) == (0.0, [])
