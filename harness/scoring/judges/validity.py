"""`harness judge NAME FILE`: one judge over a JSONL of {"prompt", "response"}, and, where the lines
carry the human label the judge predicts (`refused` for refusal judges, `unsafe` for content judges),
its precision and recall against those labels, with every disagreement."""

from dataclasses import asdict, dataclass
from pathlib import Path

from harness.errors import InputError, Problem
from harness.paths import CORPORA_DIR
from harness.store import read_jsonl_objects

JUDGE_NAMES = ("rule-refusal", "keyword", "model")
LABEL_FIELD = {"rule-refusal": "refused", "keyword": "unsafe", "model": "unsafe"}
DEFAULT_KEYWORDS = CORPORA_DIR / "safety_sample" / "keywords.jsonl"


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


def apply_judge(name: str, path: Path, *, keywords: Path = DEFAULT_KEYWORDS, model_path: Path | None = None, engine: str = "vllm") -> list[Judged]:
    rows = read_pairs(path)
    pairs = [(row["prompt"], row["response"]) for _, row in rows]
    if name == "rule-refusal":
        from harness.scoring.judges.refusal import RuleRefusalJudge

        judge = RuleRefusalJudge()
        decisions = [(d.refused, d.reason) for d in (judge.judge(p, r) for p, r in pairs)]
    elif name == "keyword":
        from harness.safety.banks import read_bank
        from harness.scoring.judges.content import KeywordJudge

        keyword_judge = KeywordJudge(read_bank(keywords, "keywords").items)
        decisions = [(d.unsafe, d.reason) for d in (keyword_judge.judge(p, r) for p, r in pairs)]
    else:
        if model_path is None or not model_path.is_dir():
            raise InputError([Problem("--model-path", str(model_path), "no judge model checkpoint there", "point --model-path at a Hugging Face-format checkpoint directory (a guard or instruction model)")])
        from harness.engines import EngineSettings, load_engine
        from harness.scoring.judges.content import ModelJudge

        judge_engine = load_engine(engine, model_path, EngineSettings(max_model_len=2048))
        try:
            decisions = [(d.unsafe, d.reason) for d in ModelJudge(judge_engine).judge_many(pairs)]
        finally:
            judge_engine.close()
    field = LABEL_FIELD[name]
    return [
        Judged(number, row["prompt"], row["response"], decided, reason, row[field] if isinstance(row.get(field), bool) else None)
        for (number, row), (decided, reason) in zip(rows, decisions, strict=True)
    ]


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
