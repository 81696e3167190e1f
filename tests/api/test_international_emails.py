"""Internationalised domains are one domain however they are spelled (IDNA 2008, UTS #46), and the spellings
meant to pass for another address are refused."""

import pytest

from tests.api.conftest import PASSWORD, Api, assert_problem

UNICODE = "alice@exämple.com"
PUNYCODE = "alice@xn--exmple-cua.com"  # the same DNS name, as DNS spells it


@pytest.mark.parametrize(
    ("first", "second"), [(UNICODE, PUNYCODE), (PUNYCODE, UNICODE), (UNICODE, "Alice@EXÄMPLE.com")]
)
async def test_the_unicode_and_the_ascii_spelling_of_a_domain_are_one_account(
    api: Api, first: str, second: str
) -> None:
    registered = await api.register(first)

    assert registered.status_code == 201, registered.text
    assert registered.json()["email"] == UNICODE  # stored as people read it
    assert_problem(await api.register(second), 409, "email-taken")
    assert (await api.login(second, PASSWORD)).status_code == 200


async def test_a_lookup_finds_the_code_under_either_spelling(api: Api) -> None:
    account = await api.account(PUNYCODE)
    code = (await api.create_code(account)).json()["code"]

    assert (await api.code_of(UNICODE)).json()["code"] == code


@pytest.mark.parametrize(
    "email",
    [
        f"alice@{'ä' * 60}.com",  # 60 characters, but 67 octets once encoded: over DNS's 63
        f"alice@{'a' * 64}.com",
        "alice@xn--zz.com",  # not a valid A-label
        "alice@ex\u200dample.com",  # a zero-width joiner where IDNA forbids one
    ],
)
async def test_a_domain_dns_cannot_hold_is_refused(api: Api, email: str) -> None:
    assert_problem(await api.register(email), 422, "invalid-email")


@pytest.mark.parametrize(
    "email",
    [
        "pаypal@example.com",  # a Cyrillic а among Latin letters: looks like paypal@example.com
        "alice@exаmple.com",  # the same, in a domain label
        "a\u0301\u0301\u0301\u0301\u0301lice@example.com",  # a stack of combining marks
        "alx\u0301\u0301ce@example.com",  # the same mark twice on one letter
    ],
)
async def test_spellings_made_to_pass_for_another_address_are_refused(api: Api, email: str) -> None:
    assert_problem(await api.register(email), 422, "invalid-email")


@pytest.mark.parametrize("email", ["андрей@пример.рф", "たなか@例え.jp", "田中タロウ@example.com", "josé@exämple.com"])
async def test_addresses_in_one_script_or_a_customary_mix_register(api: Api, email: str) -> None:
    assert (await api.register(email)).status_code == 201
