"""The text statistics the refusal judges read (refusal_text.py, refusal_shape.py), each against a
plain reference implementation on generated inputs: the fast versions must decide exactly as the
simple ones they replaced. (That the judges' decisions on the labelled sets did not change is checked
by scripts/judge_decisions.py, run before and after such a change.)"""

from __future__ import annotations

import re
import sys
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from harness.scoring.judges.refusal_shape import _is_cjk, _repeated_share, _tokens
from harness.scoring.judges.refusal_text import _CANTONESE, normalise, word_chars


def repeated_share_reference(tokens: list[str]) -> float:
    """For each token, each period up to four: does it end a repeat of the period before it?"""
    repeated = 0
    for i in range(1, len(tokens)):
        for period in range(1, 5):
            if i - period < 0:
                break
            if all(i - k - period >= 0 and tokens[i - k] == tokens[i - k - period] for k in range(period)):
                repeated += 1
                break
    return repeated / len(tokens) if tokens else 0.0


# Few distinct tokens, so that repeats of every period occur often.
_TOKEN_LISTS = st.lists(st.sampled_from(["的", "了", "a", "b", "c", "12"]), max_size=60)


@settings(max_examples=400, deadline=None)
@given(_TOKEN_LISTS)
def test_repeated_share_matches_its_reference(tokens: list[str]) -> None:
    assert _repeated_share(tokens) == repeated_share_reference(tokens)


def test_repeated_share_cases() -> None:
    assert _repeated_share([]) == 0.0
    assert _repeated_share(list("abcdef")) == 0.0
    assert _repeated_share(list("aaaa")) == 3 / 4  # each after the first repeats the one before
    assert _repeated_share(list("abababab")) == 5 / 8  # a pair repeated: from the fourth token on (b a b a b)
    assert _repeated_share(list("abcdabcd")) == 1 / 8  # four tokens repeated: only the last ends a whole repeat


def normalise_reference(text: str) -> str:
    """normalise with every Cantonese replacement applied, whatever the text holds (no shortcut, no cache)."""
    from harness.scoring.judges import refusal_text

    folded = refusal_text._CANTONESE_CANNOT.sub(r"不能\1", refusal_text.unicodedata.normalize("NFKC", text))
    for cantonese, mandarin in _CANTONESE:
        folded = folded.replace(cantonese, mandarin)
    folded = refusal_text._to_simplified()(folded).replace("’", "'").replace("‘", "'").lower()
    return refusal_text._EN_CONTRACTION.sub(lambda m: refusal_text._EN_EXPANSION[m.group(0)], folded)


# Cantonese words and their parts, Traditional and Simplified characters, English with contractions, full width.
_PIECES = [cantonese for cantonese, _ in _CANTONESE] + ["我", "不能", "說", "讲得", "帮", "這個", "，", "。", "ＡＢ", "I can't", " won't", "it's", "x", " "]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=20))
def test_normalise_matches_its_reference(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert normalise(text) == normalise_reference(text)
    assert normalise(text) == normalise(text)  # the cached value is the value


def test_word_chars_keeps_exactly_the_letters_and_numbers_of_unicode() -> None:
    """word_chars filters with str.isalnum: the same characters as Unicode's categories L* and N*, every code point."""
    every = "".join(map(chr, range(sys.maxunicode + 1)))
    assert word_chars.__wrapped__(every) == "".join(ch for ch in every if unicodedata.category(ch)[0] in "LN")
    for text in ("", "！！！", "我不能帮你。", "abc 123 …", "呢個唔得"):
        assert word_chars(text) == word_chars.__wrapped__(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("我的了abcXYZ 123٣。,！\u33ff\u3400\u9fff\ua000é")), max_size=40))
def test_a_cjk_token_is_told_by_its_first_character(text: str) -> None:
    for token in _tokens(text):
        assert _is_cjk(token) == bool(re.match(r"[\u3400-\u9fff]", token))
