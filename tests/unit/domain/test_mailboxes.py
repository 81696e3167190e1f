import pytest

from referrals.domain.mailboxes import (
    HYPHEN_ADDRESSING_DOMAINS,
    MAX_MAILBOX_KEY_LENGTH,
    PLUS_ADDRESSING_DOMAINS,
    mailbox_key,
)


@pytest.mark.parametrize(
    ("email", "key"),
    [
        ("ada+referrals@gmail.com", "ada@gmail.com"),
        ("a.d.a@gmail.com", "ada@gmail.com"),
        ("a.d.a+x+y@gmail.com", "ada@gmail.com"),
        ("ada+one.two@gmail.com", "ada@gmail.com"),  # dots in the tag go with it
        ("ada@googlemail.com", "ada@gmail.com"),
        ("a.da+tag@googlemail.com", "ada@gmail.com"),
        ("ada+tag@outlook.com", "ada@outlook.com"),
        ("ada+tag@hotmail.co.uk", "ada@hotmail.co.uk"),
        ("ada+tag+more@icloud.com", "ada@icloud.com"),
        ("ada.lovelace+tag@proton.me", "ada.lovelace@proton.me"),
        ("ada+@fastmail.com", "ada@fastmail.com"),
        ("ada-tag@yahoo.com", "ada@yahoo.com"),
        ("ada-one-two@yahoo.co.jp", "ada@yahoo.co.jp"),
        ("ada.lovelace-tag@ymail.com", "ada.lovelace@ymail.com"),
        ("jürgen+tag@gmail.com", "jürgen@gmail.com"),
    ],
)
def test_spellings_one_provider_delivers_to_one_mailbox_share_a_key(email: str, key: str) -> None:
    assert mailbox_key(email) == key


@pytest.mark.parametrize("domain", sorted(PLUS_ADDRESSING_DOMAINS))
def test_every_plus_addressing_provider_folds_the_tag(domain: str) -> None:
    key = mailbox_key(f"ada+tag@{domain}")

    assert key.startswith("ada@")
    assert key == mailbox_key(f"ada@{domain}")


@pytest.mark.parametrize("domain", sorted(HYPHEN_ADDRESSING_DOMAINS))
def test_every_yahoo_domain_folds_the_hyphen_tag_and_not_a_plus(domain: str) -> None:
    assert mailbox_key(f"ada-tag@{domain}") == f"ada@{domain}"
    assert mailbox_key(f"ada+tag@{domain}") == f"ada+tag@{domain}"


def test_the_provider_lists_do_not_overlap() -> None:
    assert not PLUS_ADDRESSING_DOMAINS & HYPHEN_ADDRESSING_DOMAINS


@pytest.mark.parametrize(
    "email",
    [
        "ada+tag@example.com",  # an unknown provider may deliver a+tag to someone else
        "ada+tag@mail.example.co.uk",
        "ada+tag@sub.gmail.com",  # only the provider's own domain, not a lookalike under it
        "ada+tag@gmail.com.evil.test",
        "ada+tag@notgmail.com",
        "a.d.a@outlook.com",  # only Gmail ignores dots
        "a.d.a@example.com",
        "ada-tag@gmail.com",  # a hyphen is part of the name outside Yahoo
        "ada-tag@outlook.com",
        "ada-tag@example.com",
        "a.d.a@yahoo.com",
        "ada+tag@yahoo.com",
        "ada@gmail.com",
        "ada@example.com",
        "jürgen+tag@bücher.de",
    ],
)
def test_addresses_not_known_to_share_a_mailbox_are_their_own_key(email: str) -> None:
    assert mailbox_key(email) == email


@pytest.mark.parametrize(
    ("email", "key"),
    [
        ("+tag@gmail.com", "+tag@gmail.com"),
        ("+tag@googlemail.com", "+tag@gmail.com"),  # the domain is Gmail's whatever the local part
        ("+a.b@gmail.com", "+a.b@gmail.com"),
        ("+tag@outlook.com", "+tag@outlook.com"),
        ("-tag@yahoo.com", "-tag@yahoo.com"),
        ("a.+x@gmail.com", "a@gmail.com"),  # not empty: the dot goes, the "a" stays
    ],
)
def test_a_local_part_folding_would_empty_stays_unfolded(email: str, key: str) -> None:
    assert mailbox_key(email) == key
    assert not mailbox_key(email).startswith("@")


@pytest.mark.parametrize("email", ["", "gmail.com", "@gmail.com"])
def test_something_that_is_not_an_address_is_its_own_key(email: str) -> None:
    assert mailbox_key(email) == email


def test_a_key_is_never_longer_than_its_address() -> None:
    longest = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 57 + ".com"
    assert len(longest) == MAX_MAILBOX_KEY_LENGTH == 254

    assert mailbox_key(longest) == longest
    for email in ("a.b+" + "t" * 60 + "@googlemail.com", "a-" + "t" * 62 + "@yahoo.com.br"):
        assert len(mailbox_key(email)) < len(email) <= MAX_MAILBOX_KEY_LENGTH


def test_the_key_of_a_key_is_itself() -> None:
    for email in ("a.d.a+x@googlemail.com", "ada-x@yahoo.fr", "ada+x@icloud.com", "ada+x@example.com"):
        key = mailbox_key(email)
        assert mailbox_key(key) == key
