"""The multiple-choice prompt, identical to lm-eval's `cmmlu` and `ceval-valid` tasks.

lm-eval builds a context as: description + each few-shot example (question text, the target
delimiter, its answer letter) joined by the few-shot delimiter + the question text. Our fast
path must build byte-identical strings so its scores compare with lm-eval's; a test checks
this against lm-eval's own task objects.
"""

from collections.abc import Mapping, Sequence
from typing import Literal

CHOICES: tuple[str, ...] = ("A", "B", "C", "D")
TARGET_DELIMITER = " "
FEWSHOT_DELIMITER = "\n\n"

# Which lm-eval task family a suite's prompt copies; the two differ only in the description.
Style = Literal["cmmlu", "ceval"]


def description(subject_zh: str, style: Style = "cmmlu") -> str:
    if style == "ceval":
        return f"以下是中国关于{subject_zh}的单项选择题，请选出其中的正确答案。\n\n"
    return f"以下是关于{subject_zh}的单项选择题，请直接给出正确答案的选项。\n\n"


def question_text(row: Mapping[str, str]) -> str:
    return (
        f"{row['Question'].strip()}\n"
        f"A. {row['A']}\nB. {row['B']}\nC. {row['C']}\nD. {row['D']}\n答案："
    )


def build_context(
    subject_zh: str, row: Mapping[str, str], shots: Sequence[Mapping[str, str]] = (), style: Style = "cmmlu"
) -> str:
    examples = [question_text(shot) + TARGET_DELIMITER + shot["Answer"] for shot in shots]
    examples.append(question_text(row))
    return description(subject_zh, style) + FEWSHOT_DELIMITER.join(examples)


def rotate(row: Mapping[str, str], shift: int) -> dict[str, str]:
    """The row with its option texts moved `shift` places down (A->B, ..., D->A when shift is 1),
    the answer letter following its text: CircularEval's rotations."""
    n = len(CHOICES)
    rotated = dict(row)
    for i, letter in enumerate(CHOICES):
        rotated[CHOICES[(i + shift) % n]] = row[letter]
    rotated["Answer"] = CHOICES[(CHOICES.index(row["Answer"]) + shift) % n]
    return rotated


def continuation(letter: str) -> str:
    """The scored continuation for one option, as lm-eval appends it to the context."""
    return TARGET_DELIMITER + letter
