"""`harness judge NAME FILE`: one judge over a JSONL of {"prompt", "response"}, and, where the lines
carry the human label the judge predicts (`refused` for refusal judges, `unsafe` for content judges),
its precision and recall against those labels, with every disagreement. A judge may leave an item
undecided: precision and recall are over the decided items, and the undecided ones are counted."""

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from harness.errors import InputError, Problem
from harness.paths import CORPORA_DIR
from harness.scoring.judges.labelled import half_path
from harness.store import read_jsonl_objects

if TYPE_CHECKING:
    from harness.scoring.judges.model import ModelJudge

# The model judge decides content ("model") and refusal ("model-refusal") from one answer.
MODEL_REFUSAL = "model-refusal"
JUDGE_NAMES = ("rule-refusal", "keyword", "model")
LABEL_FIELD = {"rule-refusal": "refused", "keyword": "unsafe", "model": "unsafe", MODEL_REFUSAL: "refused"}
DEFAULT_KEYWORDS = CORPORA_DIR / "safety_sample" / "keywords.jsonl"
# Labelled sets the project writes and ships, one per kind of decision; every run measures its
# judges on them (harness/scoring/judge_phase.py), so a report shows how far its judges can be trusted.
# Only test halves are quoted: a judge is changed on the dev half only (labelled.py).
LABELLED_SETS = {
    "rule-refusal": half_path("refusal_legacy", "test"),
    "keyword": half_path("content", "test"),
    "model": half_path("content", "test"),
    # The model judge's refusal decisions: on the set written without looking at any judge's rules.
    MODEL_REFUSAL: half_path("refusal", "test"),
}


@dataclass(frozen=True)
class Judged:
    line: int
    prompt: str
    response: str
    decision: bool | None  # refused, or unsafe; None when the judge could not tell
    reason: str
    label: bool | None  # the human label, where the line has one


@dataclass(frozen=True)
class Validity:
    n: int
    precision: float
    recall: float
    true_pos: int
    false_pos: int
    false_neg: int
    true_neg: int
    undecided: int = 0  # labelled items the judge left undecided (not in precision or recall)


def read_pairs(path: Path) -> list[tuple[int, dict]]:
    if not path.is_file():
        raise InputError([Problem(str(path), "FILE", "no such file", 'give a JSONL file of {"prompt": ..., "response": ...} objects')])
    rows = read_jsonl_objects(path, '{"prompt": "...", "response": "..."}')
    for number, row in rows:
        if not isinstance(row.get("prompt"), str) or not isinstance(row.get("response"), str):
            raise InputError([Problem(str(path), f"line {number}: prompt/response", "missing or not text", 'give each line string "prompt" and "response" fields')])
    return rows


Decide = Callable[[Sequence[tuple[str, str]]], list[tuple[bool | None, str]]]


def decider(name: str, *, keywords: Path = DEFAULT_KEYWORDS, model_judge: "ModelJudge | None" = None) -> Decide:
    """(decision or None, reason) per (prompt, response) for one judge; "model" (its content
    decision) and "model-refusal" (its refusal decision) need the loaded `model_judge`."""
    if name == "rule-refusal":
        from harness.scoring.judges.refusal import RuleRefusalJudge

        rule = RuleRefusalJudge()
        return lambda pairs: [(None if d.undecided else d.refused, d.reason) for d in (rule.judge(p, r) for p, r in pairs)]
    if name == "keyword":
        from harness.safety.banks import read_bank
        from harness.scoring.judges.content import KeywordJudge

        keyword = KeywordJudge(read_bank(keywords, "keywords").items)
        return lambda pairs: [(d.unsafe, d.reason) for d in (keyword.judge(p, r) for p, r in pairs)]
    assert name in ("model", MODEL_REFUSAL) and model_judge is not None
    if name == MODEL_REFUSAL:
        return lambda pairs: [(None if d.refusal.undecided else d.refusal.refused, d.refusal.reason) for d in model_judge.judge_many(pairs)]
    return lambda pairs: [(None if d.content.undecided else d.content.unsafe, d.content.reason) for d in model_judge.judge_many(pairs)]


def judge_rows(name: str, rows: list[tuple[int, dict]], decide: Decide) -> list[Judged]:
    decisions = decide([(row["prompt"], row["response"]) for _, row in rows])
    field = LABEL_FIELD[name]
    return [
        Judged(number, row["prompt"], row["response"], decided, reason, row[field] if isinstance(row.get(field), bool) else None)
        for (number, row), (decided, reason) in zip(rows, decisions, strict=True)
    ]


def apply_judge(
    name: str, path: Path, *, keywords: Path = DEFAULT_KEYWORDS, model_path: Path | None = None, engine: str = "vllm",
    kind: str = "guard", controversial: str = "undecided", max_model_len: int = 2048,
) -> dict[str, list[Judged]]:
    """Judge name -> its decisions; the model judge gives two from the same answers: "model"
    (content, against `unsafe` labels) and "model-refusal" (against `refused` labels)."""
    rows = read_pairs(path)
    if name != "model":
        return {name: judge_rows(name, rows, decider(name, keywords=keywords))}
    if model_path is None or not (model_path / "config.json").is_file():
        raise InputError([Problem("--model-path", str(model_path), "no judge model checkpoint (config.json) there", "point --model-path at a Hugging Face-format checkpoint directory (a guard or instruction model)")])
    from harness.engines import EngineSettings, load_engine
    from harness.scoring.judges.model import ModelJudge

    judge_engine = load_engine(engine, model_path, EngineSettings(max_model_len=max_model_len))
    try:
        model = ModelJudge(judge_engine, kind, controversial=controversial, max_model_len=max_model_len)  # type: ignore[arg-type]
        decisions = model.judge_many([(row["prompt"], row["response"]) for _, row in rows])
    finally:
        judge_engine.close()
    return {
        name: judge_rows(name, rows, lambda pairs: [(None if d.content.undecided else d.content.unsafe, d.content.reason) for d in decisions]),
        MODEL_REFUSAL: judge_rows(MODEL_REFUSAL, rows, lambda pairs: [(None if d.refusal.undecided else d.refusal.refused, d.refusal.reason) for d in decisions]),
    }


def shipped_validity(name: str, decide: Decide) -> "Validity":
    """The judge's precision and recall on the test half of the labelled set the project ships for its kind of decision."""
    path = LABELLED_SETS[name]
    found = validity(judge_rows(name, read_pairs(path), decide))
    assert found is not None, f"{path} carries no labels"
    return found


def validity(judged: list[Judged]) -> Validity | None:
    """Precision and recall over the labelled items the judge decided; n counts them all."""
    labelled = [j for j in judged if j.label is not None]
    if not labelled:
        return None
    decided = [j for j in labelled if j.decision is not None]
    tp = sum(bool(j.decision and j.label) for j in decided)
    fp = sum(bool(j.decision and not j.label) for j in decided)
    fn = sum(bool(not j.decision and j.label) for j in decided)
    tn = len(decided) - tp - fp - fn
    nan = float("nan")
    return Validity(len(labelled), tp / (tp + fp) if tp + fp else nan, tp / (tp + fn) if tp + fn else nan, tp, fp, fn, tn, len(labelled) - len(decided))


def _report_one(name: str, judged: list[Judged]) -> tuple[dict, list[str]]:
    v = validity(judged)
    field = LABEL_FIELD[name]
    undecided = [j for j in judged if j.decision is None]
    lines = [f"line {j.line}: {name} {field}={'undecided' if j.decision is None else j.decision} ({j.reason})  {j.prompt[:30]!r}" for j in judged]
    disagreements = [j for j in judged if j.label is not None and j.decision is not None and j.label != j.decision]
    lines.append(f"{name}: {len(undecided)} of {len(judged)} items undecided")
    if v is not None:
        lines.append(
            f"{name} on {v.n} labelled items ({v.undecided} undecided, not counted): precision={v.precision:.3f} recall={v.recall:.3f} "
            f"(tp={v.true_pos} fp={v.false_pos} fn={v.false_neg} tn={v.true_neg})"
        )
        lines += [f"  disagreement line {j.line}: judge {field}={j.decision}, label {j.label} ({j.reason}): {j.response[:50]!r}" for j in disagreements]
    document = {
        "judge": name,
        "decisions": [asdict(j) for j in judged],
        "undecided": len(undecided),
        "validity": asdict(v) if v else None,
        "disagreements": [j.line for j in disagreements],
    }
    return document, lines


def report(sections: dict[str, list[Judged]]) -> tuple[dict, str]:
    """One section per decision: the model judge's answers carry two (content, then refusal)."""
    documents, lines = [], []
    for name, judged in sections.items():
        document, text = _report_one(name, judged)
        documents.append(document)
        lines += text
    return (documents[0] if len(documents) == 1 else {"sections": documents}), "\n".join(lines)
