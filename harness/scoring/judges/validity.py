"""`harness judge NAME FILE`: one judge over a JSONL of {"prompt", "response"}, and, where the lines
carry the human label the judge predicts (`refused` for refusal judges, `unsafe` for content judges),
its precision and recall against those labels, with every disagreement."""

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from harness.errors import InputError, Problem
from harness.paths import CORPORA_DIR
from harness.scoring.judges.labelled import half_path
from harness.store import read_jsonl_objects

if TYPE_CHECKING:
    from harness.scoring.judges.content import ModelJudge

JUDGE_NAMES = ("rule-refusal", "keyword", "model")
LABEL_FIELD = {"rule-refusal": "refused", "keyword": "unsafe", "model": "unsafe"}
DEFAULT_KEYWORDS = CORPORA_DIR / "safety_sample" / "keywords.jsonl"
# Labelled sets the project writes and ships, one per kind of decision; every run measures its
# judges on them (harness/scoring/judge_phase.py), so a report shows how far its judges can be trusted.
# Only test halves are quoted: a judge is changed on the dev half only (labelled.py).
LABELLED_SETS = {
    "rule-refusal": half_path("refusal_legacy", "test"),
    "keyword": half_path("content", "test"),
    "model": half_path("content", "test"),
}


@dataclass(frozen=True)
class Judged:
    line: int
    prompt: str
    response: str
    decision: bool  # refused, or unsafe
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


def read_pairs(path: Path) -> list[tuple[int, dict]]:
    if not path.is_file():
        raise InputError([Problem(str(path), "FILE", "no such file", 'give a JSONL file of {"prompt": ..., "response": ...} objects')])
    rows = read_jsonl_objects(path, '{"prompt": "...", "response": "..."}')
    for number, row in rows:
        if not isinstance(row.get("prompt"), str) or not isinstance(row.get("response"), str):
            raise InputError([Problem(str(path), f"line {number}: prompt/response", "missing or not text", 'give each line string "prompt" and "response" fields')])
    return rows


Decide = Callable[[Sequence[tuple[str, str]]], list[tuple[bool, str]]]


def decider(name: str, *, keywords: Path = DEFAULT_KEYWORDS, model_judge: "ModelJudge | None" = None) -> Decide:
    """(decision, reason) per (prompt, response) for one judge; "model" needs the loaded `model_judge`."""
    if name == "rule-refusal":
        from harness.scoring.judges.refusal import RuleRefusalJudge

        rule = RuleRefusalJudge()
        return lambda pairs: [(d.refused, d.reason) for d in (rule.judge(p, r) for p, r in pairs)]
    if name == "keyword":
        from harness.safety.banks import read_bank
        from harness.scoring.judges.content import KeywordJudge

        keyword = KeywordJudge(read_bank(keywords, "keywords").items)
        return lambda pairs: [(d.unsafe, d.reason) for d in (keyword.judge(p, r) for p, r in pairs)]
    assert name == "model" and model_judge is not None
    return lambda pairs: [(d.unsafe, d.reason) for d in model_judge.judge_many(pairs)]


def judge_rows(name: str, rows: list[tuple[int, dict]], decide: Decide) -> list[Judged]:
    decisions = decide([(row["prompt"], row["response"]) for _, row in rows])
    field = LABEL_FIELD[name]
    return [
        Judged(number, row["prompt"], row["response"], decided, reason, row[field] if isinstance(row.get(field), bool) else None)
        for (number, row), (decided, reason) in zip(rows, decisions, strict=True)
    ]


def apply_judge(name: str, path: Path, *, keywords: Path = DEFAULT_KEYWORDS, model_path: Path | None = None, engine: str = "vllm") -> list[Judged]:
    rows = read_pairs(path)
    if name != "model":
        return judge_rows(name, rows, decider(name, keywords=keywords))
    if model_path is None or not model_path.is_dir():
        raise InputError([Problem("--model-path", str(model_path), "no judge model checkpoint there", "point --model-path at a Hugging Face-format checkpoint directory (a guard or instruction model)")])
    from harness.engines import EngineSettings, load_engine
    from harness.scoring.judges.content import ModelJudge

    judge_engine = load_engine(engine, model_path, EngineSettings(max_model_len=2048))
    try:
        return judge_rows(name, rows, decider(name, model_judge=ModelJudge(judge_engine)))
    finally:
        judge_engine.close()


def shipped_validity(name: str, decide: Decide) -> "Validity":
    """The judge's precision and recall on the test half of the labelled set the project ships for its kind of decision."""
    path = LABELLED_SETS[name]
    found = validity(judge_rows(name, read_pairs(path), decide))
    assert found is not None, f"{path} carries no labels"
    return found


def validity(judged: list[Judged]) -> Validity | None:
    labelled = [j for j in judged if j.label is not None]
    if not labelled:
        return None
    tp = sum(j.decision and j.label for j in labelled)
    fp = sum(j.decision and not j.label for j in labelled)
    fn = sum(not j.decision and j.label for j in labelled)
    tn = len(labelled) - tp - fp - fn
    return Validity(len(labelled), tp / (tp + fp) if tp + fp else float("nan"), tp / (tp + fn) if tp + fn else float("nan"), tp, fp, fn, tn)


def report(name: str, judged: list[Judged]) -> tuple[dict, str]:
    v = validity(judged)
    field = LABEL_FIELD[name]
    lines = [f"line {j.line}: {field}={j.decision} ({j.reason})  {j.prompt[:30]!r}" for j in judged]
    disagreements = [j for j in judged if j.label is not None and j.label != j.decision]
    if v is not None:
        lines.append(f"{name} on {v.n} labelled items: precision={v.precision:.3f} recall={v.recall:.3f} (tp={v.true_pos} fp={v.false_pos} fn={v.false_neg} tn={v.true_neg})")
        lines += [f"  disagreement line {j.line}: judge {field}={j.decision}, label {j.label} ({j.reason}): {j.response[:50]!r}" for j in disagreements]
    document = {
        "judge": name,
        "decisions": [asdict(j) for j in judged],
        "validity": asdict(v) if v else None,
        "disagreements": [j.line for j in disagreements],
    }
    return document, "\n".join(lines)
