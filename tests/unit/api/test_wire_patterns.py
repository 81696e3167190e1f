"""The patterns the OpenAPI document publishes agree with the domain rules they stand for.

msgspec enforces them with Python's ``re.search`` (a mismatch is a 400), fuzzers and clients read them as
ECMA-262; the patterns use only what both dialects read alike.
"""

import re
import sys
import unicodedata

import pytest

from referrals.adapters.domain_names import IdnaDomainNames
from referrals.api.schemas import AT_SIGNS, EMAIL_PATTERN, TYPED_CODE_PATTERN
from referrals.domain.codes import generate_code, normalize_code
from referrals.domain.emails import canonical_email, is_plausible_email
from referrals.domain.errors import InvalidEmail

DOMAIN_NAMES = IdnaDomainNames()


def matches(pattern: str, text: str) -> bool:
    return re.search(pattern, text) is not None


def test_the_at_signs_are_exactly_the_characters_that_normalise_to_one() -> None:
    normalising_to_at = {
        char for char in map(chr, range(sys.maxunicode + 1)) if "@" in unicodedata.normalize("NFKC", char)
    }

    assert normalising_to_at == set(AT_SIGNS)


@pytest.mark.parametrize(
    "raw",
    [
        "ada@example.com",
        "  Ada@Example.COM\t",
        "\n\r ada@example.com \u00a0\u3000",
        "ＡＤＡ@ＥＸＡＭＰＬＥ.ＣＯＭ",
        "ａｄａ＠ｅｘａｍｐｌｅ．ｃｏｍ",
        "ada\ufe6bexample.com",
        "ﬁnn@example.com",
        "o'brien@example.ie",
        "Jürgen@Bücher.de",
        "ПОЧТА@ПРИМЕР.РФ",
        "ada@example.भारत",
        "ada@example.xn--p1ai",
        "a" * 64 + "@" + "d" * 63 + "." + "e" * 63 + "." + "f" * 57 + ".com",
    ],
)
def test_every_address_the_domain_accepts_matches_the_published_pattern(raw: str) -> None:
    canonical_email(raw, DOMAIN_NAMES)  # the premise: the domain takes it

    assert matches(EMAIL_PATTERN, raw)


@pytest.mark.parametrize("raw", ["ada", "ada@", "@example.com", "ada@@example.com", "a@b@example.com", "ada＠＠x.io"])
def test_what_is_not_shaped_like_an_address_misses_the_pattern_and_the_domain_alike(raw: str) -> None:
    with pytest.raises(InvalidEmail):
        canonical_email(raw, DOMAIN_NAMES)

    assert not matches(EMAIL_PATTERN, raw)


def test_the_pattern_is_looser_than_the_domain_which_answers_422_for_the_rest() -> None:
    assert matches(EMAIL_PATTERN, "ada@localhost")
    assert not is_plausible_email("ada@localhost")


def test_a_code_as_issued_and_as_people_type_it_matches_the_code_pattern() -> None:
    for _ in range(200):
        code = generate_code()
        for typed in (code, code.lower(), f"{code[:4]}-{code[4:8]}-{code[8:]}", f" {code[:6]} {code[6:]} "):
            assert normalize_code(typed) == code
            assert matches(TYPED_CODE_PATTERN, typed), typed


@pytest.mark.parametrize("position", [0, 6, 12])
def test_the_code_pattern_takes_exactly_the_characters_the_domain_reads(position: int) -> None:
    # Every character of the Basic Multilingual Plane, and a few beyond it, in one place of an otherwise valid code.
    base = "7K3M9QXD2R4TB"
    for char in [*map(chr, range(0x10000)), "\U0001d400", "\U0001f511"]:
        typed = base[:position] + char + base[position + 1 :]
        assert matches(TYPED_CODE_PATTERN, typed) == (normalize_code(typed) is not None), repr(typed)


@pytest.mark.parametrize(
    "typed",
    ["", "7K3M9QXD2R4T", "7K3M9QXD2R4TBB", "7K3M-9QXD-2R4T", "--7K3M9QXD2R4TB--", "7 K 3 M 9 Q X D 2 R 4 T B"],
)
def test_the_code_pattern_counts_code_characters_whatever_the_separators(typed: str) -> None:
    assert matches(TYPED_CODE_PATTERN, typed) == (normalize_code(typed) is not None)


def test_a_code_followed_by_a_newline_is_where_the_dialects_differ_and_the_domain_decides() -> None:
    # Python's `$` also matches before a final newline, ECMA's does not: the edge lets it through, and the
    # domain, for which a newline is no separator, refuses it (422 rather than 400).
    assert matches(TYPED_CODE_PATTERN, "7K3M9QXD2R4TB\n")
    assert normalize_code("7K3M9QXD2R4TB\n") is None
