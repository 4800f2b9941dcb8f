"""FinEval's official answer-only scoring (`unify_Evaluator.eval_subject` with constrained
decoding): the option whose letter is most likely as the next token after the prompt. The release
sums the logits of the token "A" and of the last token of "：A"; on tokenizers where both are the
letter's own token that is the letter's next-token likelihood, which is what is scored here (the
log-likelihood of each letter's continuation). Accuracy pooled over all items, plus the release's
four group scores."""

from collections import defaultdict

from benchmarks.sector.base import BenchItem
from harness.scoring.official.base import Aggregate, Scored

CHAT = False
AGGREGATE: Aggregate = "micro"
CHOICES = ("A", "B", "C", "D")


def context(item: BenchItem) -> str:
    return item.prompt.as_text()


def score_likelihood(item: BenchItem, logprobs: dict[str, float]) -> Scored:
    prediction = max(CHOICES, key=lambda c: logprobs[c])
    return Scored(prediction, float(prediction == item.reference["answer"]), extra={"logprobs": logprobs})


def extra_metrics(records: list[dict]) -> dict[str, float]:
    """Accuracy per group (Finance, Economy, Accounting, Certificate), as eval.py's summary."""
    groups: dict[str, list[float]] = defaultdict(list)
    for r in records:
        groups[r["reference"]["group"]].append(r["points"])
    return {f"group/{g}/accuracy": sum(v) / len(v) for g, v in sorted(groups.items())}
