import pytest

from referrals.domain.emails import canonical_email, is_plausible_email
from referrals.domain.errors import InvalidEmail, WeakPassword
from referrals.domain.passwords import check_password_policy


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("ada@example.com", "ada@example.com"),
        ("  Ada@Example.COM\t", "ada@example.com"),
        ("ＡＤＡ@ＥＸＡＭＰＬＥ.ＣＯＭ", "ada@example.com"),
        ("ada+referrals@mail.example.co.uk", "ada+referrals@mail.example.co.uk"),
        ("o'brien@example.ie", "o'brien@example.ie"),
        ("jürgen@bücher.de", "jürgen@bücher.de"),
        ("ada.lovelace@example.museum", "ada.lovelace@example.museum"),
    ],
)
def test_spellings_of_one_address_share_a_canonical_form(raw: str, canonical: str) -> None:
    assert canonical_email(raw) == canonical


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "ada",
        "ada@",
        "@example.com",
        "ada@@example.com",
        "ada@example@com",
        "ada@localhost",
        "ada@example.",
        "ada@.example.com",
        "ada@example..com",
        ".ada@example.com",
        "ada.@example.com",
        "a..da@example.com",
        "a da@example.com",
        "ada\x00@example.com",
        "ada@exa mple.com",
        "ada@example.c0m",
        "ada@example.123",
        "ada@-example.com",
        "ada@example-.com",
        '"ada"@example.com',
        "ada@[127.0.0.1]",
    ],
)
def test_implausible_addresses_are_refused(raw: str) -> None:
    with pytest.raises(InvalidEmail):
        canonical_email(raw)


def test_length_limits_follow_the_rfcs() -> None:
    def address(last_label: int) -> str:
        return "a" * 64 + "@" + "d" * 63 + "." + "e" * 63 + "." + "f" * last_label + ".com"

    assert is_plausible_email("a" * 64 + "@example.com")
    assert not is_plausible_email("a" * 65 + "@example.com")
    assert len(address(57)) == 254
    assert is_plausible_email(address(57))
    assert not is_plausible_email(address(58))


@pytest.mark.parametrize("password", ["12345678", "x" * 128, "пароль-пароль", "🔑" * 8])
def test_passwords_of_8_to_128_characters_pass(password: str) -> None:
    check_password_policy(password)


@pytest.mark.parametrize("password", ["", "1234567", "x" * 129, "🔑" * 7])
def test_passwords_outside_8_to_128_characters_fail(password: str) -> None:
    with pytest.raises(WeakPassword):
        check_password_policy(password)
