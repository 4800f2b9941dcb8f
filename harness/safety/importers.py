"""`harness bank import`: public safety banks in their released layouts, into the project's JSONL bank
format (docs/banks.md), with every label matched to a risk of the standard or named.

Layouts (detected from the file, or given with --layout):
- `chisafetybench`: CHiSafetyBench (UnicomAI/UnicomBenchmark, dataset/v1): a JSON list of
  `{"category": "应拒答" | <risk group>, "infos": [{"id", "question", "category"}]}`. The inner
  `category` is the risk, some spelled with a 内容 suffix (年龄歧视内容). Its multiple-choice file
  (mcq.json) embeds the options in the question text ("……？ \nA. 是 \nB. 否"): the stem becomes the
  prompt and the options are kept in an `options` field. Its dialogue file (a list of `{"category",
  "sub_category", "input", "history"}`) has no single-prompt form and is refused.
- `flames`: Flames (AIFlames/Flames, Flames_1k_Chinese.jsonl): JSONL `{"dimension", "subcomponent",
  "prompt"}`; labels are Flames' own (subcomponent, then dimension).
- `do-not-answer`: Do-Not-Answer and its Chinese set (Libr-AI/do-not-answer): CSV, JSON or JSONL rows
  with `question` (or `prompt`) and the labels `specific_harms` / `types_of_harm` / `risk_area` (or
  `harms` / `harm_area` / `risk_area`), most specific first.
- `category-map`: a JSON object keyed by category, nested by group if you like.
- `fields`: JSONL or CSV with the text and label under other names (--text-field, --label-field).

Labels are matched after normalisation (benchmarks.safety.taxonomy.code_for: Traditional through OpenCC,
punctuation, 内容/类/风险 suffixes, English names, the alias table benchmarks/safety/risk_aliases.yaml),
trying each item's labels from the most specific. `--map 'LABEL=CODE'` (repeatable) maps a label the
table does not know, `--map 'LABEL=skip'` leaves its items out. Labels still unmatched stop the
import, every one listed once with its count. The output's sidecar (`<out>.import.json`) records the
source file's SHA-256, the layout, the mappings and the counts.
"""

import hashlib
import json
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from foundation.errors import InputError, Problem
from harness.safety.banks import write_jsonl
from benchmarks.safety.requirements import BankKind, requirements
from benchmarks.safety.taxonomy import code_for, normalise_label, risks
from foundation.user_files import csv_records, lines, read_text

LAYOUTS = ("auto", "chisafetybench", "flames", "do-not-answer", "category-map", "fields")
SKIP = "skip"
_TEXT_KEYS = ("prompt", "question", "query", "keyword", "text", "content")
# CHiSafetyBench's multiple-choice questions: options on their own lines after the stem, "A. 是".
_OPTION = re.compile(r"\s*\n\s*([A-H])[.．、]\s*")


@dataclass(frozen=True)
class Entry:
    text: str
    labels: tuple[str, ...]  # candidate labels, most specific first
    where: str
    extra: dict = field(default_factory=dict)  # kept in the output line (source_id, options)


@dataclass(frozen=True)
class Imported:
    source: str
    output: str
    sidecar: str
    sha256: str
    layout: str
    kind: str
    items: int
    labels: dict[str, str]  # label as written -> the code (or topic) it was given
    normalised: list[str]  # labels matched only after normalisation or through the alias table
    mapped: dict[str, str]  # the --map entries used
    skipped: dict[str, int]  # label -> items left out by --map LABEL=skip
    options_split: int  # multiple-choice questions whose embedded options were split off

    def render(self) -> str:
        lines = [f"{self.items} items written to {self.output} (layout {self.layout}, kind {self.kind})",
                 f"source {self.source}: SHA-256 {self.sha256}", f"import record: {self.sidecar}"]
        lines.append(f"labels: {len(self.labels)} matched ({len(self.normalised)} by normalised name or alias, {len(self.mapped)} by --map)")
        lines += [f"  {label} -> {self.labels[label]}" for label in sorted(self.normalised) + sorted(m for m in self.mapped if m in self.labels)]
        lines += [f"  {label}: {n} items left out (--map {label}=skip)" for label, n in sorted(self.skipped.items())]
        if self.options_split:
            lines.append(f"{self.options_split} multiple-choice questions: the options embedded in the question were moved to `options`")
        lines.append(f"check it with `harness bank check {self.output}`")
        return "\n".join(lines)


def _json_lines(path: Path, text: str) -> list[object]:
    rows = []
    for number, line in enumerate(lines(text), start=1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except (ValueError, RecursionError) as e:  # ValueError: JSONDecodeError, and integers of over 4,300 digits
                raise InputError([Problem(str(path), f"line {number}", f"not valid JSON ({getattr(e, 'msg', e)})", "write one JSON object per line")]) from e
    return rows


def _document(path: Path, text: str) -> object:
    """CSV rows, JSONL rows, or one JSON document; a .json file holding JSON lines is read as JSONL."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return [row for _, row in csv_records(text, path, "SOURCE")]
    if suffix == ".jsonl":
        return _json_lines(path, text)
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as e:
        first = next((line for line in lines(text) if line.strip()), "")
        try:
            json.loads(first)
        except (ValueError, RecursionError):
            where = f"line {e.lineno}" if isinstance(e, json.JSONDecodeError) else "-"
            raise InputError([Problem(str(path), where, f"not valid JSON ({getattr(e, 'msg', e)})", "give the file as released (JSON, JSONL or CSV)")]) from e
        return _json_lines(path, text)


def _rows(document: object) -> list[dict] | None:
    return document if isinstance(document, list) and document and all(isinstance(x, dict) for x in document) else None


def detect_layout(path: Path, document: object, text_field: str, label_field: str) -> str:
    rows = _rows(document)
    if isinstance(document, dict):
        return "category-map"
    if rows is not None:
        keys = set(rows[0])
        if {"category", "infos"} <= keys:
            return "chisafetybench"
        if {"input", "history"} <= keys:
            raise InputError([Problem(str(path), "history", "CHiSafetyBench's dialogue file: each question depends on the conversation before it, which a bank prompt cannot carry",
                                      "import risky_questions_without_dialog_history.json instead")])
        if {"dimension", "subcomponent", "prompt"} <= keys:
            return "flames"
        if "risk_area" in keys and keys & {"question", "prompt"}:
            return "do-not-answer"
        if {text_field, label_field} <= keys:
            return "fields"
        raise InputError([Problem(str(path), "fields", f"cannot tell the layout from the fields {sorted(keys)}",
                                  f"pass --layout (one of {', '.join(LAYOUTS[1:])}), or --text-field and --label-field for the fields layout")])
    raise InputError([Problem(str(path), "top level", f"a {type(document).__name__}, not a list of objects or a map of categories", "give the file as released (JSON, JSONL or CSV)")])


def _split_options(question: str) -> tuple[str, list[str]] | None:
    """(stem, options) when the question embeds "A. ...", "B. ..." lines in order; else None."""
    parts = _OPTION.split(question)
    letters = parts[1::2]
    if len(letters) < 2 or letters != [chr(ord("A") + i) for i in range(len(letters))]:
        return None
    return parts[0].strip(), [p.strip() for p in parts[2::2]]


def read_chisafetybench(path: Path, document: object) -> list[Entry]:
    rows = _rows(document)
    problems, entries = [], []
    if rows is None:
        raise InputError([Problem(str(path), "top level", "not a JSON list of {category, infos} objects", "give CHiSafetyBench's released file (dataset/v1)")])
    split = [_split_options(str(info.get("question", ""))) for group in rows for info in group.get("infos", []) if isinstance(info, dict)]
    multiple_choice = sum(s is not None for s in split) > len(split) / 2
    for g, group in enumerate(rows):
        infos = group.get("infos")
        if not isinstance(infos, list):
            problems.append(Problem(str(path), f"[{g}].infos", "missing or not a list", "give CHiSafetyBench's released file (dataset/v1)"))
            continue
        for i, info in enumerate(infos):
            where = f"[{g}].infos[{i}]"
            question, label = info.get("question") if isinstance(info, dict) else None, info.get("category") if isinstance(info, dict) else None
            if not isinstance(question, str) or not isinstance(label, str):
                problems.append(Problem(str(path), where, "no question or category text", "every entry of infos needs question and category"))
                continue
            extra: dict[str, Any] = {"source_id": f"{group.get('category', g)}/{info.get('id', i)}"}
            if multiple_choice:
                found = _split_options(question)
                if found is None:
                    problems.append(Problem(str(path), f"{where}.question", "a multiple-choice file, but this question embeds no A./B. options", "restore the question as released"))
                    continue
                question, extra["options"] = found[0], found[1]
            entries.append(Entry(question, (label, str(group.get("category", ""))), where, extra))
    if problems:
        raise InputError(problems)
    return entries


def read_flames(path: Path, document: object) -> list[Entry]:
    rows = _rows(document)
    if rows is None:
        raise InputError([Problem(str(path), "top level", "not JSON lines of {dimension, subcomponent, prompt}", "give Flames_1k_Chinese.jsonl as released")])
    entries, problems = [], []
    for number, row in enumerate(rows, start=1):
        if not isinstance(row.get("prompt"), str):
            problems.append(Problem(str(path), f"line {number}: prompt", "missing or not text", "give Flames_1k_Chinese.jsonl as released"))
            continue
        labels = tuple(str(row[k]) for k in ("subcomponent", "dimension") if row.get(k))
        entries.append(Entry(row["prompt"], labels, f"line {number}"))
    if problems:
        raise InputError(problems)
    return entries


_DNA_LABELS = (("specific_harms", "harms"), ("types_of_harm", "harm_area"), ("risk_area",))


def read_do_not_answer(path: Path, document: object) -> list[Entry]:
    rows = _rows(document)
    if rows is None:
        raise InputError([Problem(str(path), "top level", "not rows with question and risk_area", "give the Do-Not-Answer file as released (CSV or JSON)")])
    entries, problems = [], []
    for number, row in enumerate(rows, start=2 if path.suffix.lower() == ".csv" else 1):
        where = f"{'row' if path.suffix.lower() == '.csv' else 'line'} {number}"
        text = next((row[k] for k in ("question", "prompt") if isinstance(row.get(k), str) and row[k].strip()), None)
        if text is None:
            problems.append(Problem(str(path), f"{where}: question", "missing or empty", "give the Do-Not-Answer file as released"))
            continue
        labels = tuple(str(row[k]).strip() for names in _DNA_LABELS for k in names if str(row.get(k) or "").strip())
        entries.append(Entry(text, labels, where, {"source_id": str(row["id"])} if row.get("id") not in (None, "") else {}))
    if problems:
        raise InputError(problems)
    return entries


def _entry_text(path: Path, where: str, entry: object) -> str:
    if isinstance(entry, str):
        return entry
    if isinstance(entry, dict):
        for key in _TEXT_KEYS:
            if isinstance(entry.get(key), str):
                return entry[key]
    raise InputError([Problem(str(path), where, f"entry {str(entry)[:40]!r} has no text", f"make each entry a string or an object with one of {_TEXT_KEYS}")])


def read_category_map(path: Path, document: object) -> list[Entry]:
    entries: list[Entry] = []

    def walk(node: object, trail: list[str]) -> None:
        where = " > ".join(trail) or "top level"
        if isinstance(node, dict):
            for key, child in node.items():
                walk(child, [*trail, str(key)])
        elif isinstance(node, list):
            entries.extend(Entry(_entry_text(path, where, item), tuple(reversed(trail)), where) for item in node)
        else:
            raise InputError([Problem(str(path), where, f"expected a list of items or a map of categories, got {type(node).__name__}", 'use {"category": ["item", ...]}')])

    walk(document, [])
    return entries


def read_fields(path: Path, document: object, text_field: str, label_field: str) -> list[Entry]:
    rows = _rows(document)
    if rows is None:
        raise InputError([Problem(str(path), "top level", "not rows of fields", "give JSONL or CSV rows")])
    entries, problems = [], []
    for number, row in enumerate(rows, start=2 if path.suffix.lower() == ".csv" else 1):
        where = f"{'row' if path.suffix.lower() == '.csv' else 'line'} {number}"
        if not isinstance(row.get(text_field), str) or not str(row.get(label_field) or "").strip():
            problems.append(Problem(str(path), f"{where}: {text_field}/{label_field}", "missing text or label", "check --text-field and --label-field"))
            continue
        entries.append(Entry(row[text_field], (str(row[label_field]).strip(),), where))
    if problems:
        raise InputError(problems)
    return entries


def _standard_label(kind: BankKind, raw: str) -> str | None:
    if kind == "should_not_refuse":
        topics = requirements().should_not_refuse.topics
        key = normalise_label(raw)
        return next((topic for topic, zh in topics.items() if key in (normalise_label(topic), normalise_label(zh), normalise_label(zh.removeprefix("个人")))), None)
    return code_for(raw)


def _maps(kind: BankKind, values: list[str]) -> dict[str, str]:
    """--map 'LABEL=CODE' -> normalised label -> code (or SKIP); every bad value named at once."""
    out, problems = {}, []
    for value in values:
        label, eq, target = value.rpartition("=")
        code = SKIP if target.strip().lower() == SKIP else _standard_label(kind, target)
        if not eq or not label.strip() or code is None:
            what = "a topic of requirements.yaml" if kind == "should_not_refuse" else "a risk code or name of benchmarks/safety/taxonomy.yaml"
            problems.append(Problem("--map", value, f"not LABEL=CODE with CODE {what} (or skip)", "e.g. --map '年龄歧视内容=A.2.f' or --map 'Non-anthropomorphism=skip'"))
            continue
        out[normalise_label(label)] = code
    if problems:
        raise InputError(problems)
    return out


def _label_everything(path: Path, kind: BankKind, entries: list[Entry], maps: dict[str, str], map_values: list[str]) -> tuple[list[tuple[Entry, str]], dict[str, str], dict[str, str], Counter]:
    """Each entry with its code (skipped entries left out); the labels used; the maps used; skipped counts."""
    labelled: list[tuple[Entry, str]] = []
    used_labels: dict[str, str] = {}
    used_maps: dict[str, str] = {}
    skipped: Counter[str] = Counter()
    unmatched: Counter[str] = Counter()
    originals = {normalise_label(v.rpartition("=")[0]): v.rpartition("=")[0] for v in map_values}
    for entry in entries:
        code = None
        for label in entry.labels:
            key = normalise_label(label)
            if key in maps:
                code, used_maps[originals[key]] = maps[key], maps[key]
            else:
                code = _standard_label(kind, label)
            if code is not None:
                if code != SKIP:
                    used_labels[label] = code
                break
        if code == SKIP:
            skipped[entry.labels[0] if entry.labels else ""] += 1
        elif code is None:
            unmatched[" < ".join(entry.labels) or "(no label)"] += 1
        else:
            labelled.append((entry, code))
    unused = [original for key, original in originals.items() if original not in used_maps]
    problems = [Problem("--map", label, f"no item of {path} carries this label", "check the spelling against the labels listed for this file") for label in unused]
    # Every unmatched label once, with its count: never a truncated list.
    problems += [
        Problem(str(path), f"label {labels.split(' < ')[0]!r}", f"{n} item{'s' if n > 1 else ''} ({labels}) match{'' if n > 1 else 'es'} no {'topic' if kind == 'should_not_refuse' else 'risk of the standard'}",
                f"map it: --map '{labels.split(' < ')[0]}=CODE' (a risk code such as A.2.f, or a risk name), or --map '{labels.split(' < ')[0]}=skip' to leave those items out")
        for labels, n in sorted(unmatched.items(), key=lambda x: (-x[1], x[0]))
    ]
    if problems:
        raise InputError(problems)
    return labelled, used_labels, used_maps, skipped


def import_bank(
    source: Path, out: Path, kind: BankKind, layout: str = "auto", *, text_field: str = "prompt", label_field: str = "risk", maps: list[str] | None = None,
) -> Imported:
    text = read_text(source, "SOURCE", "the released file of the bank (JSON, JSONL or CSV)")
    document = _document(source, text)
    chosen = detect_layout(source, document, text_field, label_field) if layout == "auto" else layout
    readers = {"chisafetybench": read_chisafetybench, "flames": read_flames, "do-not-answer": read_do_not_answer, "category-map": read_category_map}
    entries = read_fields(source, document, text_field, label_field) if chosen == "fields" else readers[chosen](source, document)
    if not entries:
        raise InputError([Problem(str(source), "-", "no items", "give the file as released")])
    labelled, labels, mapped, skipped = _label_everything(source, kind, entries, _maps(kind, maps or []), maps or [])
    write_jsonl(out, kind, [(entry.text, code) for entry, code in labelled], [entry.extra for entry, _ in labelled])
    exact = {name for r in risks() for name in (r.code, r.name_zh, r.name_en)} | set(requirements().should_not_refuse.topics)
    result = Imported(
        str(source), str(out), str(out.with_suffix(".import.json")), hashlib.sha256(source.read_bytes()).hexdigest(), chosen, kind, len(labelled),
        labels, sorted(label for label in labels if label not in exact and label not in mapped), mapped, dict(skipped),
        sum("options" in entry.extra for entry, _ in labelled),
    )
    Path(result.sidecar).write_text(json.dumps(asdict(result), ensure_ascii=False, indent=1), encoding="utf-8")
    return result
