"""`harness judge NAME FILE`: one judge over a JSONL of {"prompt", "response"}, and, where the lines
carry the human label the judge predicts (`refused` for refusal judges, `unsafe` for content judges),
its precision and recall against those labels, with every disagreement. A judge may leave an item
undecided: precision and recall are over the decided items, and the undecided ones are counted. Where
the lines carry `style`, `language` or `bank` (the project's labelled sets do), the same figures are
given per value of each, so a judge that fails one form of refusal or one language shows it.

Refusal judges can be chained as the profile's combining policy chains them
(harness/scoring/judging.py): `rule-refusal,classifier-refusal` is the rules, then the classifier on
what the rules leave undecided."""

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from foundation.errors import InputError, Problem
from foundation.paths import CORPORA_DIR
from harness.scoring.judges.labelled import half_path
from harness.scoring.judges.refusal_classifier import ClassifierRefusalJudge
from foundation.jsonl import read_jsonl_objects
from harness.scoring.judges.registry import CHAINABLE, CLASSIFIER_REFUSAL, KEYWORD, MACHINE_JUDGES, MODEL, MODEL_REFUSAL, measured_decision, measured_names

if TYPE_CHECKING:
    from harness.scoring.judges.model import ModelJudge
    from harness.scoring.judges.refusal import RefusalDecision

# The labelled field each measured decision is compared with.
LABEL_FIELD = {name: "refused" if measured_decision(name) == "refusal" else "unsafe" for name in measured_names()}
# Fields of a labelled line that the report breaks the figures down by.
GROUP_FIELDS = ("style", "language", "bank")
DEFAULT_KEYWORDS = CORPORA_DIR / "safety_sample" / "keywords.jsonl"
# Labelled sets the project writes and ships, one per kind of decision; every run measures its
# judges on them (harness/scoring/judge_phase.py), so a report shows how far its judges can be trusted.
# Only test halves are quoted: a judge is changed on the dev half only (labelled.py). Refusal judges are
# measured on the test half of the newest blind set, the one the classifier never trains on
# (refusal_classifier.NEVER_TRAINED_ON) and no judge was developed on (docs/refusal_judges.md).
MEASURED_ON = {"refusal": "refusal_blind3", "content": "content"}
LABELLED_SETS = {name: half_path(MEASURED_ON[measured_decision(name)], "test") for name in measured_names()}


@dataclass(frozen=True)
class Judged:
    line: int
    prompt: str
    response: str
    decision: bool | None  # refused, or unsafe; None when the judge could not tell
    reason: str
    label: bool | None  # the human label, where the line has one
    groups: dict[str, str] = field(default_factory=dict)  # the line's style, language, bank (where given)


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


def chain_names(name: str) -> list[str]:
    """The judges of a chain "a,b" (or of a single name), checked: InputError naming the fix."""
    names = [n.strip() for n in name.split(",")]
    if len(names) == 1 and names[0] in MACHINE_JUDGES:
        return names
    unknown = [n for n in names if n not in CHAINABLE]
    if unknown or len(set(names)) != len(names):
        raise InputError([Problem(
            "NAME", name, f"not a judge or a chain of refusal judges ({', '.join(unknown) or 'a judge named twice'})",
            f"give one of {', '.join(MACHINE_JUDGES)}, or a chain of {' and '.join(CHAINABLE)} separated by commas, each once",
        )])
    return names


def _label_field(name: str) -> str:
    """The label a judge (or a chain, by its first judge) is measured against."""
    return LABEL_FIELD[name] if name in LABEL_FIELD else LABEL_FIELD[chain_names(name)[0]]


def _chain(names: list[str]) -> Decide:
    """The first decided verdict along the chain, as the combining policy takes it (judging.combine_refusal)."""
    from harness.scoring.judging import Policy, combine_refusal

    deciders = {n: _refusal_verdicts(n) for n in names}
    policy = Policy(refusal=tuple(names), content=(), human=False, controversial="undecided")

    def decide(pairs: Sequence[tuple[str, str]]) -> list[tuple[bool | None, str]]:
        verdicts = {n: d(pairs) for n, d in deciders.items()}
        out: list[tuple[bool | None, str]] = []
        for index in range(len(pairs)):
            record: dict = {"refusal_by": {n: v[index].as_record() for n, v in verdicts.items()}}
            combine_refusal(record, policy)
            reason = f"{record['decided_by']}: {record['judge_reason']}" if record["decided_by"] else record["judge_reason"]
            out.append((None if record["refusal"] == "undecided" else record["refused"], reason))
        return out

    return decide


def _refusal_verdicts(name: str) -> Callable[[Sequence[tuple[str, str]]], list["RefusalDecision"]]:
    """The decision per pair of a refusal judge that needs no engine."""
    if name == CLASSIFIER_REFUSAL:
        classifier = ClassifierRefusalJudge()
        return lambda pairs: classifier.judge_many(list(pairs))
    from harness.scoring.judges.refusal import RuleRefusalJudge

    rule = RuleRefusalJudge()
    return lambda pairs: [rule.judge(p, r) for p, r in pairs]


def decider(name: str, *, keywords: Path = DEFAULT_KEYWORDS, model_judge: "ModelJudge | None" = None) -> Decide:
    """(decision or None, reason) per (prompt, response) for one judge or a chain of refusal judges;
    "model" (its content decision) and "model-refusal" (its refusal decision) need the loaded `model_judge`."""
    if "," in name:
        return _chain(chain_names(name))
    if name in CHAINABLE:
        verdicts = _refusal_verdicts(name)
        return lambda pairs: [(None if d.undecided else d.refused, d.reason) for d in verdicts(pairs)]
    if name == KEYWORD:
        from harness.safety.banks import read_bank
        from harness.scoring.judges.content import KeywordJudge

        keyword = KeywordJudge(read_bank(keywords, "keywords").items)
        return lambda pairs: [(d.unsafe, d.reason) for d in (keyword.judge(p, r) for p, r in pairs)]
    assert name in (MODEL, MODEL_REFUSAL) and model_judge is not None
    if name == MODEL_REFUSAL:
        return lambda pairs: [(None if d.refusal.undecided else d.refusal.refused, d.refusal.reason) for d in model_judge.judge_many(pairs)]
    return lambda pairs: [(None if d.content.undecided else d.content.unsafe, d.content.reason) for d in model_judge.judge_many(pairs)]


def judge_rows(name: str, rows: list[tuple[int, dict]], decide: Decide) -> list[Judged]:
    decisions = decide([(row["prompt"], row["response"]) for _, row in rows])
    label = _label_field(name)
    return [
        Judged(
            number, row["prompt"], row["response"], decided, reason, row[label] if isinstance(row.get(label), bool) else None,
            {g: row[g] for g in GROUP_FIELDS if isinstance(row.get(g), str)},
        )
        for (number, row), (decided, reason) in zip(rows, decisions, strict=True)
    ]


def apply_judge(
    name: str, path: Path, *, keywords: Path = DEFAULT_KEYWORDS, model_path: Path | None = None, engine: str = "vllm",
    kind: str = "guard", controversial: str = "undecided", max_model_len: int = 2048,
) -> dict[str, list[Judged]]:
    """Judge name -> its decisions; the model judge gives two from the same answers: "model"
    (content, against `unsafe` labels) and "model-refusal" (against `refused` labels)."""
    chain_names(name)
    rows = read_pairs(path)
    if name != MODEL:
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


def by_group(judged: list[Judged]) -> dict[str, dict[str, Validity]]:
    """Validity per value of each group field the lines carry: {"style": {"stock_refusal": …}, "language": {…}}."""
    grouped: dict[str, dict[str, Validity]] = {}
    for group in GROUP_FIELDS:
        values = sorted({j.groups[group] for j in judged if group in j.groups})
        measured = {value: validity([j for j in judged if j.groups.get(group) == value]) for value in values}
        found = {value: v for value, v in measured.items() if v is not None}
        if found:
            grouped[group] = found
    return grouped


def _figure(value: float) -> str:
    return "  -  " if value != value else f"{value:.3f}"  # NaN: no positive decided or predicted in the group


def _group_lines(grouped: dict[str, dict[str, Validity]]) -> list[str]:
    """One table per group field; agreement (decided items judged as labelled) is what a group without
    refusals, such as a style of compliance, can show."""
    lines = []
    for group, found in grouped.items():
        width = max(len(value) for value in [*found, group])
        lines.append(f"  by {group:{width}}  {'n':>4}  precision  recall  agreement  undecided  (tp fp fn tn)")
        for value, v in found.items():
            decided = v.n - v.undecided
            agreement = (v.true_pos + v.true_neg) / decided if decided else float("nan")
            lines.append(
                f"     {value:{width}}  {v.n:4d}  {_figure(v.precision):>9}  {_figure(v.recall):>6}  {_figure(agreement):>9}  {v.undecided:9d}  "
                f"({v.true_pos} {v.false_pos} {v.false_neg} {v.true_neg})"
            )
    return lines


def _report_one(name: str, judged: list[Judged]) -> tuple[dict, list[str]]:
    v = validity(judged)
    field = _label_field(name)
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
    grouped = by_group(judged)
    lines += _group_lines(grouped)
    document = {
        "judge": name,
        "decisions": [asdict(j) for j in judged],
        "undecided": len(undecided),
        "validity": asdict(v) if v else None,
        "by": {group: {value: asdict(found) for value, found in values.items()} for group, values in grouped.items()},
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
