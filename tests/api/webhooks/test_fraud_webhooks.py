"""The fraud review's events reach a subscribed receiver, signed, with the referral as the operator sees it."""

from datetime import UTC, datetime, timedelta

from standardwebhooks.webhooks import Webhook

from referrals.domain.api_keys import Scope
from tests.api.webhooks.hooks import Hooks
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.operator_keys import issue_api_key, key_headers

FRAUD_EVENTS = ["code.spent", "referral.flagged", "referral.approved"]


async def test_a_spent_code_a_flagged_and_an_approved_referral_are_delivered(
    hooks: Hooks, receiver: WebhookReceiver
) -> None:
    endpoint = await hooks.register(receiver.url, FRAUD_EVENTS)
    ada = await hooks.api.account("ada@example.com")
    expires_at = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    created = await hooks.client.post(
        "/referral-code/create", json={"expires_at": expires_at, "max_uses": 1}, headers=ada.headers
    )
    assert (await hooks.api.register("bob.smith@gmail.com")).status_code == 201
    registered = await hooks.api.register("bobsmith+promo@gmail.com", referral_code=created.json()["code"])
    writer = key_headers(await issue_api_key(hooks.app, Scope.REFERRALS_WRITE))
    referee_id = registered.json()["id"]
    approved = await hooks.client.post(f"/admin/referrals/{referee_id}/approve", headers=writer)

    await hooks.deliver()

    assert approved.status_code == 200
    payloads = [Webhook(endpoint["secret"]).verify(sent.body, sent.headers) for sent in receiver.received]
    by_type = {payload["type"]: payload["data"] for payload in payloads}
    assert sorted(by_type) == sorted(FRAUD_EVENTS)
    assert (by_type["code.spent"]["uses"], by_type["code.spent"]["max_uses"]) == (1, 1)
    assert by_type["referral.flagged"]["flags"] == ["duplicate_mailbox"]
    assert by_type["referral.approved"]["state"] == "pending"
    assert by_type["referral.approved"]["evidence"][0]["reason"] == "duplicate_mailbox"
