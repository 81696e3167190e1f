"""The packaged blocklist of throwaway-mail domains, and the operator's allow-list over it."""

import pytest
from disposable_email_domains import blocklist

from referrals.adapters.integrations.disposable_domains import PackagedDisposableDomains

LISTED = "mailinator.com"
# The package lists internationalised names in punycode: this one is "dé.net".
LISTED_INTERNATIONALISED = "xn--d-bga.net"
# Each with its parents, and in punycode where it is internationalised: none of them is listed.
UNLISTED = {
    "example.com": [],
    "gmail.com": [],
    "mail.example.co.uk": ["example.co.uk", "co.uk"],
    "mailinator.com.example.org": ["com.example.org", "example.org"],  # a listed name under another is not it
    "mymailinator.org": [],
    "bücher.de": ["xn--bcher-kva.de"],
    "例子.广告": ["xn--fsqu00a.xn--3ds443g"],
    "de.net": [],
}


def test_the_package_lists_the_domains_these_tests_rely_on() -> None:
    assert LISTED in blocklist
    assert LISTED_INTERNATIONALISED in blocklist
    for domain, other_names in UNLISTED.items():
        assert domain not in blocklist
        assert blocklist.isdisjoint(other_names)


@pytest.mark.parametrize("domain", [LISTED, "b.mailinator.com", "a.b.mailinator.com", "dé.net", "mail.dé.net"])
def test_a_listed_domain_and_its_subdomains_are_disposable(domain: str) -> None:
    assert PackagedDisposableDomains().is_disposable(domain)


@pytest.mark.parametrize("domain", UNLISTED)
def test_other_domains_are_not_disposable(domain: str) -> None:
    assert not PackagedDisposableDomains().is_disposable(domain)


@pytest.mark.parametrize("domain", ["a" * 64 + "ü.com", "ü..com", "\u0000ü.com"])
def test_a_name_idna_cannot_spell_is_not_disposable(domain: str) -> None:
    assert not PackagedDisposableDomains().is_disposable(domain)


def test_an_allowed_domain_is_not_disposable_and_others_still_are() -> None:
    domains = PackagedDisposableDomains(allowed=frozenset({LISTED}))

    assert not domains.is_disposable(LISTED)
    assert not domains.is_disposable("a.b.mailinator.com")  # an allowed parent covers its subdomains
    assert domains.is_disposable("dé.net")


def test_an_allowed_subdomain_does_not_allow_its_parent_or_siblings() -> None:
    domains = PackagedDisposableDomains(allowed=frozenset({"team.mailinator.com"}))

    assert not domains.is_disposable("team.mailinator.com")
    assert not domains.is_disposable("x.team.mailinator.com")
    assert domains.is_disposable(LISTED)
    assert domains.is_disposable("other.mailinator.com")


@pytest.mark.parametrize("entry", ["MAILINATOR.COM", "Mailinator.Com", "  mailinator.com\n"])
def test_the_allow_list_is_matched_whatever_its_case(entry: str) -> None:
    assert not PackagedDisposableDomains(allowed=frozenset({entry})).is_disposable("a.mailinator.com")


@pytest.mark.parametrize("entry", ["dé.net", "DÉ.NET", LISTED_INTERNATIONALISED])
def test_an_internationalised_allow_list_entry_matches_in_either_spelling(entry: str) -> None:
    domains = PackagedDisposableDomains(allowed=frozenset({entry}))

    assert not domains.is_disposable("dé.net")
    assert not domains.is_disposable(LISTED_INTERNATIONALISED)
    assert not domains.is_disposable("mail.dé.net")


def test_an_allow_list_entry_idna_cannot_spell_is_refused_at_start_up() -> None:
    with pytest.raises(ValueError, match="not a valid domain name"):
        PackagedDisposableDomains(allowed=frozenset({"ü..com"}))
