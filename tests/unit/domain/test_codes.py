import math
import string

import pytest

from referrals.domain.codes import CODE_ENTROPY_BITS, CODE_LENGTH, CROCKFORD_ALPHABET, generate_code, normalize_code

DRAWS = 10_000


def test_the_alphabet_is_crockford_base32_without_ambiguous_letters() -> None:
    assert CROCKFORD_ALPHABET == "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    assert len(set(CROCKFORD_ALPHABET)) == 32
    assert not set("ILOU") & set(CROCKFORD_ALPHABET)


def test_codes_carry_at_least_60_bits() -> None:
    assert CODE_ENTROPY_BITS >= 60
    assert CODE_LENGTH * math.log2(len(CROCKFORD_ALPHABET)) == CODE_ENTROPY_BITS


def test_generated_codes_have_the_format_and_do_not_repeat() -> None:
    codes = [generate_code() for _ in range(DRAWS)]

    assert {len(code) for code in codes} == {CODE_LENGTH}
    assert set("".join(codes)) <= set(CROCKFORD_ALPHABET)
    assert len(set(codes)) == DRAWS


def test_every_symbol_is_used_and_no_position_is_fixed() -> None:
    codes = [generate_code() for _ in range(2_000)]

    assert set("".join(codes)) == set(CROCKFORD_ALPHABET)
    for position in range(CODE_LENGTH):
        # 2,000 draws over 32 symbols: a uniform position shows (nearly) all of them.
        assert len({code[position] for code in codes}) >= 28


def test_generated_codes_normalise_to_themselves_even_as_people_type_them() -> None:
    for _ in range(1_000):
        code = generate_code()
        spaced = f"{code[:4]}-{code[4:8]} {code[8:]}".lower()

        assert normalize_code(code) == code
        assert normalize_code(spaced) == code


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("abcdefghjkmnp", "ABCDEFGHJKMNP"),
        ("AbCdEfGhJkMnP", "ABCDEFGHJKMNP"),
        ("ABCD-EFGH-JKMNP", "ABCDEFGHJKMNP"),
        ("ABCD--EFGH--JKMNP", "ABCDEFGHJKMNP"),
        (" abcd efgh jkmnp ", "ABCDEFGHJKMNP"),
        ("-ABCDEFGHJKMNP-", "ABCDEFGHJKMNP"),
        ("0O1IL23456789", "0011123456789"),
        ("0o1il23456789", "0011123456789"),
        ("o0o0o0o0o0o0o", "0000000000000"),
        ("IIIIIIIIIIIII", "1111111111111"),
        ("lllllllllllll", "1111111111111"),
    ],
)
def test_a_code_typed_by_a_person_is_read_as_meant(typed: str, canonical: str) -> None:
    assert normalize_code(typed) == canonical


@pytest.mark.parametrize(
    "typed",
    [
        "",
        " ",
        "-------------",
        "ABCDEFGHJKMN",  # 12
        "ABCDEFGHJKMNPQ",  # 14
        "ABCD-EFGH-JKMN",  # 12 once the hyphens go
        "ABCDEFGHJKMNU",  # U is not Crockford
        "ABCDEFGHJKMN!",
        "ABCDEFGHJKMN_",
        "ABCDEFGHJKMN.",
        "ABCDEFGHJKMN\tP",  # only spaces and hyphens are separators
        "ABCDEFGHJKMN\nP",
        "ÄBCDEFGHJKMNP",
        "ＡＢＣＤＥＦＧＨＪＫＭＮＰ",  # fullwidth letters are not read as ASCII
        "ABCDEFGHJKMN٣",  # a non-ASCII digit
    ],
)
def test_what_cannot_be_a_code_normalises_to_none(typed: str) -> None:
    assert normalize_code(typed) is None


def test_every_ascii_character_outside_the_alphabet_and_the_read_as_letters_is_refused() -> None:
    readable = set(CROCKFORD_ALPHABET) | set(CROCKFORD_ALPHABET.lower()) | set("ILOilo")
    for char in sorted(set(string.printable) - readable - set("- ")):
        assert normalize_code("ABCDEFGHJKMN" + char) is None, repr(char)


@pytest.mark.parametrize("typed", ["ABCDEFGHJKMNß", "ABCDEFGHJKMNﬅ", "ＡBCDEFGHJKMNP"])
def test_non_ascii_never_turns_into_a_code(typed: str) -> None:
    assert normalize_code(typed) is None
