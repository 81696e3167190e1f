import pytest

from referrals.domain.email_domains import DisposablePolicy, domain_and_parents


@pytest.mark.parametrize(
    ("domain", "names"),
    [
        ("example.com", ["example.com"]),
        ("mail.example.com", ["mail.example.com", "example.com"]),
        ("a.b.mailinator.com", ["a.b.mailinator.com", "b.mailinator.com", "mailinator.com"]),
        ("example.co.uk", ["example.co.uk", "co.uk"]),
        ("bücher.de", ["bücher.de"]),
        ("post.例子.广告", ["post.例子.广告", "例子.广告"]),
        ("localhost", ["localhost"]),  # the domain itself, whatever it is
    ],
)
def test_a_domain_comes_first_then_its_parents_down_to_two_labels(domain: str, names: list[str]) -> None:
    assert domain_and_parents(domain) == names


def test_no_top_level_domain_is_ever_a_parent() -> None:
    for name in domain_and_parents("a.b.c.d.example.org")[1:]:
        assert name.count(".") >= 1
    assert "org" not in domain_and_parents("a.b.c.d.example.org")


@pytest.mark.parametrize(
    ("policy", "value"),
    [(DisposablePolicy.REJECT, "reject"), (DisposablePolicy.FLAG, "flag"), (DisposablePolicy.ALLOW, "allow")],
)
def test_policies_are_spelled_as_configuration_spells_them(policy: DisposablePolicy, value: str) -> None:
    assert DisposablePolicy(value) is policy
    assert policy == value


def test_there_are_exactly_three_policies() -> None:
    assert len(DisposablePolicy) == 3
