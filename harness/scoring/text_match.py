"""Short answers against references: exact match, character-level F1 and ROUGE-L, for Chinese text.

Chinese has no spaces between words, so every measure works on characters of the normalised text
(as the CMRC 2018 and DuReader evaluation scripts do for F1). Normalisation, applied to the answer
and to every reference alike:

1. Unicode NFKC: full-width letters, digits and punctuation become their half-width forms
   (`ＡＢＣ１２３` -> `ABC123`, `，` -> `,`), compatibility forms are unified;
2. case folding (`Beijing` = `beijing`);
3. every punctuation character removed (Unicode categories P*: Chinese `。、“”《》` and ASCII
   alike), except where it carries a number's meaning: `%` and `‰` always (`5%` is not `5`), and
   `.`, `/`, `:` between two digits (`3.5`, `1/2`, `10:30`); a thousands separator goes
   (`1,000` = `1000`); symbols (categories S*: `¥`, `+`, `℃`) are kept;
4. every whitespace character removed (a model that writes `北 京` answered `北京`).

Each measure takes the best score over the references (one question, several acceptable answers).
ROUGE-L is Google's `rouge-score` package (pinned in requirements/cpu.lock) with a character
tokenizer in place of its English one, which drops every non-ASCII character; the score is the
LCS F-measure.
"""

import sys
import unicodedata
from collections import Counter
from collections.abc import Sequence
from functools import cache
from typing import Any


_ALWAYS_KEPT = frozenset("%‰")
_KEPT_BETWEEN_DIGITS = frozenset("./:")


def normalise(text: str) -> str:
    folded = "".join(c for c in unicodedata.normalize("NFKC", text).casefold() if not c.isspace())
    kept = []
    for i, c in enumerate(folded):
        if not unicodedata.category(c).startswith("P") or c in _ALWAYS_KEPT:
            kept.append(c)
        elif c in _KEPT_BETWEEN_DIGITS and 0 < i < len(folded) - 1 and folded[i - 1].isdigit() and folded[i + 1].isdigit():
            kept.append(c)
    return "".join(kept)


class CharTokenizer:
    """rouge-score's tokenizer interface: the characters of the normalised text."""

    def tokenize(self, text: str) -> list[str]:
        return list(normalise(text))


@cache
def _rouge() -> Any:  # rouge_score.rouge_scorer.RougeScorer
    """Imported on first use: rouge-score imports nltk (about 5 s). It also imports absl.logging,
    which creates a log handler on the sys.stderr of that moment and closes that stream when any
    later logging.config.dictConfig (vLLM's, at every engine load) shuts old handlers down; pointed
    at sys.__stderr__, which absl never closes, the handler leaves redirected or captured output alone."""
    from absl import logging as absl_logging
    from rouge_score import rouge_scorer

    absl_logging.get_absl_handler().python_handler.setStream(sys.__stderr__)
    return rouge_scorer.RougeScorer(["rougeL"], tokenizer=CharTokenizer())


def exact_match(answer: str, references: Sequence[str]) -> bool:
    said = normalise(answer)
    return any(said == normalise(r) for r in references)


def _char_f1(said: str, reference: str) -> float:
    common = sum((Counter(said) & Counter(reference)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(said), common / len(reference)
    return 2 * precision * recall / (precision + recall)


def char_f1(answer: str, references: Sequence[str]) -> float:
    said = normalise(answer)
    return max((_char_f1(said, normalise(r)) for r in references), default=0.0)


def rouge_l(answer: str, references: Sequence[str]) -> float:
    if not references:
        return 0.0
    return float(_rouge().score_multi(list(references), answer)["rougeL"].fmeasure)


def scores(answer: str, references: Sequence[str]) -> dict[str, float]:
    """The three measures of one answer, as logged on its item record."""
    return {"exact_match": float(exact_match(answer, references)), "char_f1": char_f1(answer, references), "rouge_l": rouge_l(answer, references)}
