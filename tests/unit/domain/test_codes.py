import math

import pytest

from referrals.domain.codes import CODE_ENTROPY_BITS, CODE_LENGTH, CROCKFORD_ALPHABET, generate_code, normalize_code


def test_the_alphabet_is_crockford_base32_without_ambiguous_letters() -> None:
    assert len(CROCKFORD_ALPHABET) == 32
    assert len(set(CROCKFORD_ALPHABET)) == 32
    assert not set("ILOU") & set(CROCKFORD_ALPHABET)


def test_codes_carry_at_least_60_bits() -> None:
    assert CODE_ENTROPY_BITS >= 60
    assert CODE_LENGTH * math.log2(len(CROCKFORD_ALPHABET)) == CODE_ENTROPY_BITS


def test_generated_codes_have_the_format_and_do_not_repeat() -> None:
    codes = [generate_code() for _ in range(10_000)]

    assert all(len(code) == CODE_LENGTH and set(code) <= set(CROCKFORD_ALPHABET) for code in codes)
    assert len(set(codes)) == len(codes)


def test_every_symbol_is_used() -> None:
    seen = set("".join(generate_code() for _ in range(2_000)))

    assert seen == set(CROCKFORD_ALPHABET)


def test_a_generated_code_normalises_to_itself() -> None:
    code = generate_code()

    assert normalize_code(code) == code


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("abcdefghjkmnp", "ABCDEFGHJKMNP"),
        ("ABCD-EFGH-JKMNP", "ABCDEFGHJKMNP"),
        (" abcd efgh jkmnp ", "ABCDEFGHJKMNP"),
        ("0O1IL23456789", "0011123456789"),
        ("o0o0o0o0o0o0o", "0000000000000"),
    ],
)
def test_a_code_typed_by_a_person_is_read_as_meant(typed: str, canonical: str) -> None:
    assert normalize_code(typed) == canonical


@pytest.mark.parametrize(
    "typed", ["", "ABCDEFGHJKMN", "ABCDEFGHJKMNPQ", "ABCDEFGHJKMNU", "ABCDEFGHJKMN!", "ÄBCDEFGHJKMNP"]
)
def test_what_cannot_be_a_code_normalises_to_none(typed: str) -> None:
    assert normalize_code(typed) is None
