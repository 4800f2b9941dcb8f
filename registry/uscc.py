"""The unified social credit code (统一社会信用代码) of GB 32100-2015.

18 characters: registration authority (1), entity category (1), administrative division (6), the
organisation code of GB 11714 (8 + its own check character), and a check character over the first
17. Both checks are verified: a code that passes the outer check with a corrupted organisation code
is still a typo, and catching it here keeps one enterprise from being filed under two codes.
"""

import re

# GB 32100-2015 leaves out I, O, S, V and Z, which are too easily misread as digits.
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_SHAPE = re.compile(rf"[{CHARSET}]{{18}}")


def check_character(first17: str) -> str:
    """The GB 32100-2015 check character for the first 17 characters."""
    total = sum(CHARSET.index(c) * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def organisation_check_character(body: str) -> str:
    """The GB 11714 check character for an 8-character organisation code body."""
    # GB 11714 values letters A=10 .. Z=35, independently of the USCC character set.
    total = sum(int(c, 36) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def uscc_problem(code: str) -> str | None:
    """Why `code` is not a valid USCC, or None when it is."""
    if not _SHAPE.fullmatch(code):
        return f"{code!r} is not 18 characters of digits and capital letters other than I, O, S, V, Z"
    expected = check_character(code[:17])
    if code[17] != expected:
        return f"check character (GB 32100-2015) is {code[17]!r} but the first 17 characters give {expected!r}"
    org_expected = organisation_check_character(code[8:16])
    if code[16] != org_expected:
        return f"embedded organisation code {code[8:17]} fails its GB 11714 check (its last character should be {org_expected!r})"
    return None
