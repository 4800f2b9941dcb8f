"""The USCC validator: both checks of GB 32100-2015 (and the GB 11714 organisation code inside)."""

import pytest

from registry.uscc import CHARSET, check_character, organisation_check_character, uscc_problem

VALID = ("91440106MA5D0K7A9M", "91440112MA9W3R2EX3")


@pytest.mark.parametrize("code", VALID)
def test_valid_codes_pass_both_checks(code: str) -> None:
    assert uscc_problem(code) is None
    assert check_character(code[:17]) == code[17]
    assert organisation_check_character(code[8:16]) == code[16]


@pytest.mark.parametrize("code", VALID)
def test_every_single_character_substitution_is_caught(code: str) -> None:
    for position in range(18):
        for replacement in CHARSET.replace(code[position], ""):
            corrupted = code[:position] + replacement + code[position + 1 :]
            assert uscc_problem(corrupted), corrupted


@pytest.mark.parametrize("code", VALID)
def test_every_adjacent_transposition_is_caught(code: str) -> None:
    for position in range(17):
        swapped = code[:position] + code[position + 1] + code[position] + code[position + 2 :]
        if swapped != code:
            assert uscc_problem(swapped), swapped


@pytest.mark.parametrize(
    ("code", "phrase"),
    [
        ("91440106MA5D0K7A9", "not 18 characters"),
        ("91440106MA5D0K7A9MX", "not 18 characters"),
        ("91440106ma5d0k7a9m", "capital letters"),
        ("91440106MA5D0K7AIM", "other than I, O, S, V, Z"),
        ("91440106MA5D0K7A9N", "first 17 characters give 'M'"),
    ],
)
def test_problems_say_what_is_wrong(code: str, phrase: str) -> None:
    assert phrase in (uscc_problem(code) or "")


def test_a_corrupted_organisation_code_is_caught_even_when_the_outer_check_is_recomputed() -> None:
    first17 = VALID[0][:16] + "1"
    code = first17 + check_character(first17)
    assert "GB 11714" in (uscc_problem(code) or "")


@pytest.mark.parametrize(("body", "check"), [("D2143569", "X"), ("MA5D0K7A", "9"), ("MA9W3R2E", "X")])
def test_organisation_check_character(body: str, check: str) -> None:
    """D2143569-X is the worked example usually quoted for GB 11714; the others sit inside VALID."""
    assert organisation_check_character(body) == check
