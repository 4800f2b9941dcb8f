"""Human review of a safety run: `harness review export` writes a sheet of the run's responses,
`harness review import` checks the filled sheet against the run and merges the verdicts into it.

The sheet is CSV in UTF-8 with a byte-order mark (Excel shows the Chinese), one row per item.
Reviewers fill `human_verdict`, `reviewer` and `note`; every other cell must come back as exported,
so a verdict always belongs to the response the reviewer saw. Import checks every row before
anything is written; then, into the same run: the sheet (review/<suite>.csv), the current decisions
(review/<suite>.jsonl; per item the latest import wins, a blank cell keeps an earlier verdict), a
numbered copy of both under review/history/, metrics `<suite>/<bank>/human/...` (step = import
number), tags verdict.<suite>.<bank>.human and review.<suite>. The machine's metrics, tags and
artifacts are left as they are. docs/review.md is the reviewer's guide.
"""

import csv
import json
import tempfile
from dataclasses import asdict, dataclass
from datetime import datetime, UTC
from pathlib import Path
from typing import Any

from mlflow import MlflowClient
from mlflow.entities import Run
from mlflow.exceptions import MlflowException

from benchmarks.catalog import RefusalSuite, load_suite
from foundation.errors import InputError, Problem
from harness.evidence import names
from harness.scoring.verdict import outcome
from harness.evidence.definitions import stored_suites
from harness.evidence.run_record import log_folder, log_metrics, set_tags
from harness.reporting.markdown import log_report
from harness.safety.sampling import stratified_sample
from harness.scoring.statistics import Proportion
from foundation.user_files import csv_table, read_text
from harness.store import read_items
from harness.scoring.judges.human import (
    QUESTIONS, Agreement, BankReview, accepted_values, describe, machine_decisions, parse_verdict, review_banks, review_metrics,
)

BANKS = ("generated", "should_refuse", "should_not_refuse")
COLUMNS = ("run_id", "suite", "item_id", "bank", "label", "question", "prompt", "response", "judge_decision", "judge_reason", "open", "human_verdict", "reviewer", "note")
CHECKED = ("bank", "label", "prompt", "response")  # must come back as exported
REQUIRED = ("run_id", "suite", "item_id", "bank", "prompt", "response", "human_verdict")
FIXED_CELLS = "restore the cell from a fresh `harness review export`; reviewers fill only human_verdict, reviewer and note"
# Spreadsheets run a cell that starts with these as a formula (a model's response is untrusted
# text): the sheet prefixes such cells with an apostrophe, and import takes it off again.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def finished_run(client: MlflowClient, run_id: str) -> Run:
    try:
        run = client.get_run(run_id)
    except MlflowException as e:
        raise InputError([Problem("RUN_ID", run_id, f"no such run in {client.tracking_uri}", "give the run id printed by `harness run` (or `harness compare --json`)")]) from e
    if run.info.status != "FINISHED":
        raise InputError([Problem("RUN_ID", run_id, f"the run is {run.info.status}, not FINISHED", "review a finished evaluation run; rerun the evaluation if it failed")])
    return run


def safety_items(client: MlflowClient, run_id: str) -> dict[str, list[dict]]:
    """Suite -> the per-item records of every safety suite of the run (items/<suite>.jsonl with banks)."""
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for info in client.list_artifacts(run_id, names.A_ITEMS_DIR):
            if info.is_dir or not info.path.endswith(".jsonl"):
                continue
            local = Path(client.download_artifacts(run_id, info.path, tmp))
            records = read_items(local)  # validated (harness/runlog.py)
            if records and all(r.get("bank") in BANKS for r in records):
                out[Path(info.path).stem] = records
    if not out:
        raise InputError([Problem("RUN_ID", run_id, "the run has no safety suite (no items/<suite>.jsonl with banks)", "review a run of a profile with a safety suite, e.g. `harness run demo`")])
    return out


def _cell(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_START) else text


def _uncell(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_START) else text


def _same(sheet: str, recorded: str) -> int | None:
    """None when equal up to line endings; else the 1-based character where they first differ."""
    a, b = (t.replace("\r\n", "\n").replace("\r", "\n") for t in (_uncell(sheet), recorded))
    if a == b:
        return None
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=False), start=1) if x != y), min(len(a), len(b)) + 1)


def _write_csv(path: Path, columns: list[str] | tuple[str, ...], rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


@dataclass(frozen=True)
class Exported:
    path: str
    run_id: str
    rows: int
    per_bank: dict[str, int]  # "<suite>/<bank>" -> rows
    blind: bool
    seed: int | None
    undecided: bool = False  # only the open items: undecided, or judged differently by the judges
    could_flip: tuple[str, ...] = ()  # "<suite>/<bank>" whose verdict the undecided items could flip

    def render(self) -> str:
        counts = ", ".join(f"{k}: {n}" for k, n in self.per_bank.items())
        hidden = "; the machine's decisions are left out (--blind)" if self.blind else ""
        chosen = "; only the undecided items and those the judges disagree on" if self.undecided else ""
        flip = f"; the verdicts of {', '.join(self.could_flip)} can flip on these items, so they come first" if self.could_flip else ""
        return (f"{self.rows} rows written to {self.path} ({counts}){hidden}{chosen}{flip}\n"
                f"fill human_verdict (and reviewer, note), then: harness review import {self.run_id} {self.path}")


def export_sheet(
    client: MlflowClient, run_id: str, out: Path, *, suite: str | None = None, banks: list[str] | None = None,
    sample: int | None = None, seed: int | None = None, blind: bool = False, force: bool = False, undecided: bool = False,
) -> Exported:
    """`undecided`: exactly the open items (open_reason), banks whose verdict they could flip first."""
    run = finished_run(client, run_id)
    items = safety_items(client, run_id)
    problems = []
    if suite is not None and suite not in items:
        problems.append(Problem("--suite", suite, f"not a safety suite of run {run_id}", f"use one of {sorted(items)}"))
    if sample is not None and sample < 1:
        problems.append(Problem("--sample", str(sample), "must be at least 1", "give the number of items to draw per bank"))
    if out.exists() and not force:
        problems.append(Problem(str(out), "--out", "the file exists (a filled sheet would be lost)", "choose another --out, or add --force to overwrite it"))
    if problems:
        raise InputError(problems)
    if sample is not None and seed is None:
        seed = int(run.data.params.get(names.P_SEED, 0))
    rows, per_bank = [], {}
    flippable = _flippable(run, [suite] if suite else sorted(items))
    order = [(name, bank) for name in ([suite] if suite else sorted(items)) for bank in BANKS]
    if undecided:
        order.sort(key=lambda nb: f"{nb[0]}/{nb[1]}" not in flippable)
    for name, bank in order:
        records = [r for r in items[name] if r["bank"] == bank and (not banks or bank in banks) and (not undecided or open_reason(r))]
        if sample is not None:
            assert seed is not None  # taken from the run above whenever a sample is asked for
            records = stratified_sample(records, lambda r: r["label"], sample, seed)
        if records:
            per_bank[f"{name}/{bank}"] = len(records)
        rows += [_sheet_row(run_id, name, r, blind) for r in records]
    if not rows and undecided:
        raise InputError([Problem("--undecided", run_id, "no item of these banks is undecided or disputed by the judges", "leave out --undecided to review a sample of every item (--sample N)")])
    if not rows:
        raise InputError([Problem("--bank", ",".join(banks or BANKS), f"no items of these banks in run {run_id}", "choose banks the run has: " + ", ".join(per_bank or sorted({f'{s}/{r["bank"]}' for s, rs in items.items() for r in rs})))])
    _write_csv(out, COLUMNS, rows)
    return Exported(str(out), run_id, len(rows), per_bank, blind, seed, undecided, tuple(sorted(b for b in flippable if b in per_bank)))


def open_reason(record: dict) -> str:
    """Why the machine's decision on an item is open: "undecided" (no judge could tell), "judges
    disagree" (two judges decided differently), or "" when it is settled."""
    if outcome(record) is None:
        return "undecided"
    decided = {v for v in record.get("passed_by", {}).values() if v is not None} if record["bank"] == "generated" else set()
    return "judges disagree" if record.get("judges_disagree") or len(decided) > 1 else ""


def _flippable(run: Run, suites: list[str]) -> set[str]:
    """"<suite>/<bank>" whose run verdict the undecided items could flip (verdict tag state)."""
    found = set()
    for name in suites:
        for bank in BANKS:
            tag = run.data.tags.get(names.verdict_tag(name, bank))
            if tag and json.loads(tag).get("state") == "UNDECIDED":
                found.add(f"{name}/{bank}")
    return found


def _sheet_row(run_id: str, suite: str, r: dict, blind: bool) -> dict:
    row = {"run_id": run_id, "suite": suite, "item_id": r["id"], "bank": r["bank"], "label": _cell(r["label"]), "question": QUESTIONS[r["bank"]],
           "prompt": _cell(r["prompt"]), "response": _cell(r["response"]), "open": open_reason(r), "human_verdict": "", "reviewer": "", "note": ""}
    if not blind:
        row["judge_decision"] = describe(r["bank"], outcome(r))
        if "refusal_by" in r:
            reasons = [f"{name}: {d['verdict']} ({d['reason']})" for name, d in r["refusal_by"].items()]
            reasons = [f"decided by {r['decided_by'] or 'none'}"] + reasons + (["(non-answer)"] if r.get("non_answer") else [])
        else:
            reasons = [f"{r.get('judge', 'judge')}: {r.get('judge_reason', '')}" + (" (non-answer)" if r.get("non_answer") else "")]
        if r["bank"] == "generated":
            reasons = [r.get("pass_reason", "")] + reasons + [f"{name}: {c.get('reason', '')}" for name, c in r.get("content", {}).items()]
        row["judge_reason"] = _cell("; ".join(reasons))
    return row


def read_sheet(path: Path) -> tuple[list[str], list[tuple[int, dict]]]:
    """(header, [(spreadsheet row number, row)]); the header is row 1. Encodings as foundation.user_files
    reads them: UTF-8 or, from Excel's "CSV" on a Chinese Windows, GB18030."""
    text = read_text(path, "FILE", "the sheet written by `harness review export` and filled in")
    table = csv_table(text, path, "FILE")
    header = [h.strip() for h in table[0]] if table else []
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError([Problem(str(path), f"column {c}", "missing from the header row", "keep the columns of the exported sheet (re-export with `harness review export`)") for c in missing])
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        if any(c.strip() for c in cells):
            rows.append((number, {h: cells[i] if i < len(cells) else "" for i, h in enumerate(header)}))
    return header, rows


def _checked_rows(path: Path, run_id: str, rows: list[tuple[int, dict]], items: dict[str, list[dict]], reviewer: str | None) -> list[dict]:
    """Every row checked against the run; all problems at once. The reviewed rows, as decisions."""
    def problem(number: int, column: str, message: str, fix: str) -> None:
        problems.append(Problem(str(path), f"row {number}, column {column}", message, fix))

    problems: list[Problem] = []
    foreign = [(n, row["run_id"].strip()) for n, row in rows if row["run_id"].strip() != run_id]
    if foreign:
        number, other = foreign[0]
        fix = f"import it into its own run (`harness review import {other or 'RUN_ID'} {path}`), or export a sheet of this run (`harness review export {run_id}`)"
        if not other:
            problem(number, "run_id", "blank", f"keep the run_id cells of the exported sheet ({run_id})")
        else:
            problem(number, "run_id", f"the sheet is of run {other!r}, not {run_id} ({len(foreign)} of {len(rows)} rows)", fix)
        raise InputError(problems)
    by_id = {suite: {r["id"]: r for r in records} for suite, records in items.items()}
    seen: dict[tuple[str, str], tuple[int, bool]] = {}
    decisions = []
    for number, row in rows:
        suite, item_id = row["suite"].strip(), row["item_id"].strip()
        if suite not in by_id:
            problem(number, "suite", f"{suite!r} is not a safety suite of run {run_id}", f"use one of {sorted(by_id)}")
            continue
        record = by_id[suite].get(item_id)
        if record is None:
            problem(number, "item_id", f"no item {item_id!r} in suite {suite} of run {run_id}", f"keep the item ids of the exported sheet; {FIXED_CELLS}")
            continue
        for column in CHECKED:
            if column in row and (at := _same(row[column], record[column])) is not None:
                problem(number, column, f"differs from the {column} of item {item_id} recorded in the run (first at character {at})", FIXED_CELLS)
        try:
            human = parse_verdict(record["bank"], row["human_verdict"])
        except ValueError as e:
            problem(number, "human_verdict", str(e), f"write {accepted_values(record['bank'])} for: {QUESTIONS[record['bank']]}; or leave it blank")
            continue
        if human is None:
            continue
        who = row.get("reviewer", "").strip() or (reviewer or "")
        if not who:
            problem(number, "reviewer", "blank: every verdict needs the name of who gave it", "fill in the reviewer column, or pass --reviewer NAME")
        first = seen.setdefault((suite, item_id), (number, human))
        if first[1] != human:
            problem(number, "human_verdict", f"item {item_id} is also on row {first[0]} with the opposite verdict", "keep one row per item, or give both the same verdict")
            continue
        if first[0] == number:
            decisions.append({"suite": suite, "item_id": item_id, "bank": record["bank"], "label": record["label"], "human": human,
                              "verdict": row["human_verdict"].strip(), "reviewer": who, "note": row.get("note", "").strip(),
                              "machine": machine_decisions(record), "row": number})
    if not problems and not decisions:
        problems.append(Problem(str(path), "column human_verdict", "no row has a verdict", "fill in human_verdict for the items reviewed (blank rows are skipped)"))
    if problems:
        raise InputError(problems)
    return decisions


@dataclass(frozen=True)
class SuiteImport:
    suite: str
    number: int  # how many sheets of this suite have been imported, this one included
    verdicts: int  # verdicts in this sheet
    changed: int  # items whose earlier verdict this sheet changed
    reviewed: int  # items with a human verdict, all imports together
    banks: list[BankReview]


def _pct(p: Proportion) -> str:
    return f"{p.rate:.1%} ({p.k}/{p.n})" if p.n else "n/a (0/0)"


def _no_nan(value: object) -> object:
    """JSON has no NaN (a precision with no positives): null instead."""
    if isinstance(value, dict):
        return {k: _no_nan(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_no_nan(v) for v in value]
    return None if isinstance(value, float) and value != value else value


def _no_nan_dict(document: dict[str, Any]) -> dict[str, Any]:
    cleaned = _no_nan(document)
    assert isinstance(cleaned, dict)
    return cleaned


def _agreement_dict(a: Agreement) -> dict:
    out = asdict(a)
    for name in ("agreement", "precision", "recall"):
        out[name]["rate"] = getattr(a, name).rate
    return out


@dataclass(frozen=True)
class Imported:
    run_id: str
    sheet: str
    suites: list[SuiteImport]
    metrics: dict[str, float]

    def as_dict(self) -> dict:
        return _no_nan_dict({"run_id": self.run_id, "sheet": self.sheet, "metrics": self.metrics, "suites": [
            {"suite": s.suite, "import": s.number, "verdicts": s.verdicts, "changed": s.changed, "reviewed": s.reviewed, "banks": [
                {"bank": b.verdict.bank, "measure": b.verdict.measure, "rate": b.verdict.rate.rate, "low": b.verdict.rate.low, "high": b.verdict.rate.high,
                 "n": b.verdict.rate.n, "items": b.items, "passed": b.verdict.passed, "threshold": b.verdict.threshold.describe(),
                 "clause": b.verdict.threshold.clause, "note": b.verdict.sample_note,
                 "judges": {name: _agreement_dict(a) for name, a in b.judges.items()}}
                for b in s.banks]} for s in self.suites]})

    def render(self) -> str:
        lines = []
        for s in self.suites:
            lines.append(f"run {self.run_id}, {s.suite}: import {s.number} of {self.sheet}: {s.verdicts} verdicts ({s.changed} changed), {s.reviewed} items reviewed in all")
            for b in s.banks:
                v = b.verdict
                lines.append(f"  {v.bank}: human {v.measure} {v.rate} of {b.items} items, threshold {v.threshold.describe()} -> {'PASS' if v.passed else 'FAIL'} [{v.threshold.clause}]")
                if v.sample_note:
                    lines.append(f"    note: {v.sample_note}")
                positive = "不合格 (fails)" if v.bank == "generated" else "拒答 (refused)"
                for name, a in b.judges.items():
                    kappa = f", kappa {a.kappa:.2f}" if a.kappa == a.kappa else ", kappa n/a"
                    lines.append(f"    judge {name} vs human: agreement {a.agreement}, precision {_pct(a.precision)}, recall {_pct(a.recall)}{kappa} "
                                 f"(positive = {positive}; tp={a.true_pos} fp={a.false_pos} fn={a.false_neg} tn={a.true_neg})")
        lines.append(f"the run's report now includes the human review: harness report {self.run_id}")
        return "\n".join(lines)


def import_sheet(client: MlflowClient, run_id: str, path: Path, *, reviewer: str | None = None) -> Imported:
    run = finished_run(client, run_id)
    header, rows = read_sheet(path)
    items = safety_items(client, run_id)
    decisions = _checked_rows(path, run_id, rows, items, reviewer)
    specs = {}
    stored = stored_suites(client, run_id)
    for suite in sorted({d["suite"] for d in decisions}):
        # The suite as the run used it; a run made before definitions were stored falls back to the project's suite file.
        spec = stored[suite] if stored is not None and suite in stored else load_suite(suite)
        if not isinstance(spec, RefusalSuite):
            raise InputError([Problem("RUN_ID", run_id, f"suite {suite} is not a safety suite", "review a run's safety suites only")])
        specs[suite] = spec
    # Everything is checked; from here on the run only gains artifacts, metrics and tags.
    now = datetime.now(UTC).isoformat(timespec="seconds")
    metrics: dict[str, float] = {}
    logged: list[tuple[dict[str, float], int]] = []
    results, tags = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / names.A_REVIEW_DIR
        for suite, spec in specs.items():
            earlier = json.loads(run.data.tags.get(names.review_tag(suite), "{}"))
            number = int(earlier.get("imports", 0)) + 1
            state = _previous_decisions(client, run_id, suite) if number > 1 else {}
            mine = [d | {"import": number, "sheet": path.name} for d in decisions if d["suite"] == suite]
            changed = sum(d["item_id"] in state and state[d["item_id"]]["human"] != d["human"] for d in mine)
            state |= {d["item_id"]: d for d in mine}
            current = [state[r["id"]] for r in items[suite] if r["id"] in state]  # in run order
            for name in (f"{suite}.csv", f"history/{suite}.{number}.csv"):
                _write_csv(root / name, header, [row for _, row in rows if row["suite"].strip() == suite])
            for name in (f"{suite}.jsonl", f"history/{suite}.{number}.jsonl"):
                (root / name).write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in current), encoding="utf-8")
            banks = review_banks(spec, current, items[suite])
            suite_metrics = review_metrics(banks, current)
            logged.append((suite_metrics, number))  # each import is its own step
            metrics |= suite_metrics
            reviewers = sorted({d["reviewer"] for d in current})
            for b in banks:
                v = b.verdict
                tags[names.verdict_tag(suite, v.bank, names.HUMAN)] = v.as_tag() | {"items": b.items, "reviewers": reviewers, "import": number}
            tags[names.review_tag(suite)] = {"imports": number, "reviewed": len(current), "reviewers": reviewers,
                                             "sheet": f"{names.A_REVIEW_DIR}/history/{suite}.{number}.csv", "source": path.name, "imported_at": now}
            results.append(SuiteImport(suite, number, len(mine), changed, len(current), banks))
        log_folder(client, run_id, root, names.A_REVIEW_DIR)
    for suite_metrics, number in logged:
        log_metrics(client, run_id, suite_metrics, step=number)
    set_tags(client, run_id, tags)  # in order: the review tag last, it counts the imports that completed
    log_report(client, run_id)  # the stored report now shows the human rates beside the machine ones
    return Imported(run_id, str(path), results, metrics)


def _previous_decisions(client: MlflowClient, run_id: str, suite: str) -> dict[str, dict]:
    with tempfile.TemporaryDirectory() as tmp:
        try:
            local = Path(client.download_artifacts(run_id, f"{names.A_REVIEW_DIR}/{suite}.jsonl", tmp))
        except (MlflowException, OSError):
            return {}
        return {d["item_id"]: d for d in map(json.loads, local.read_text(encoding="utf-8").splitlines()) if d}
