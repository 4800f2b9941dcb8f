"""CircularEval and position bias, from per-item multiple-choice records.

CircularEval (MMBench, Liu et al. 2023) asks each question once per rotation of its options; a
question counts as right only if every rotation is answered right, which removes the credit a
model gets from a preferred letter. Position bias is measured on any run: how often the model
picks each letter against how often each letter is the answer, and its accuracy per answer letter.
"""

from collections import defaultdict
from collections.abc import Sequence

from benchmarks.mcq.prompt import CHOICES
from harness.plan import question_id
from harness.scoring.statistics import Proportion, proportion


def circular_accuracy(records: Sequence[dict]) -> tuple[Proportion, float]:
    """CircularEval accuracy over questions, and consistency: the share of questions where every
    rotation picked the same option text (right or wrong)."""
    by_question: dict[str, list[dict]] = defaultdict(list)
    for r in records:
        by_question[question_id(r["id"])].append(r)
    all_right = sum(all(r["correct"] for r in group) for group in by_question.values())
    consistent = sum(
        len({(CHOICES.index(r["prediction"]) - r["rotation"]) % len(CHOICES) for r in group}) == 1 for group in by_question.values()
    )
    n = len(by_question)
    return proportion(all_right, n), consistent / n if n else float("nan")


def position_bias(records: Sequence[dict]) -> dict[str, dict[str, float | Proportion]]:
    """Per letter: prediction_rate, answer_rate, and accuracy on items whose answer is that letter."""
    n = len(records)
    out: dict[str, dict[str, float | Proportion]] = {}
    for letter in CHOICES:
        with_answer = [r for r in records if r["answer"] == letter]
        out[letter] = {
            "prediction_rate": sum(r["prediction"] == letter for r in records) / n if n else float("nan"),
            "answer_rate": len(with_answer) / n if n else float("nan"),
            "accuracy": proportion(sum(r["correct"] for r in with_answer), len(with_answer)),
        }
    return out
