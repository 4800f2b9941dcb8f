"""Where C-Eval- and CMMLU-style data come from: a local copy in the benchmark's own release layout,
or a dataset hub through `datasets`. Every source yields the same rows (CMMLU's column names:
Question, A-D, Answer) and a SHA-256 of what was read, which the run records with the source and
revision, so two runs can be shown to have scored the same data.

Local layouts (the releases' own):
- `cmmlu-csv`: `{dev,test}/<subject>.csv`, header `,Question,A,B,C,D,Answer` (CMMLU's GitHub data/).
- `ceval-csv`: `{dev,val,test}/<subject>_<split>.csv`, header `id,question,A,B,C,D,answer[,explanation]`
  (C-Eval's ceval-exam.zip; the test split has no answers and cannot be scored).
"""

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml

from foundation.errors import InputError, Problem
from foundation.user_files import csv_table, decode, read_bytes

Layout = Literal["cmmlu-csv", "ceval-csv"]
ANSWERS = ("A", "B", "C", "D")
_HEADERS: dict[str, list[list[str]]] = {
    "cmmlu-csv": [["", "Question", "A", "B", "C", "D", "Answer"]],
    "ceval-csv": [
        ["id", "question", "A", "B", "C", "D", "answer", "explanation"],
        ["id", "question", "A", "B", "C", "D", "answer"],
    ],
}


@dataclass(frozen=True)
class SubjectMeta:
    key: str
    name_zh: str
    category: str
    groups: tuple[str, ...]  # overlapping aggregates, e.g. "C-Eval Hard", "China specific"


@dataclass(frozen=True)
class SubjectData:
    meta: SubjectMeta
    shots: list[dict[str, str]]  # the few-shot split, in file order (lm-eval's first_n sampler)
    rows: list[dict[str, str]]  # the evaluated split


@dataclass(frozen=True)
class LoadedData:
    subjects: list[SubjectData]
    digest: str
    source: str  # a local directory, or "hf:<repo>"
    revision: str  # "local"; or the hub revision asked for, "<asked>@<commit sha>" when the hub resolved it


def pinned_revision(recorded: str) -> str:
    """The revision that loads the recorded data again: the commit of `<asked>@<sha>`, else as recorded."""
    return recorded.rsplit("@", 1)[-1]


def read_subject_map(path: Path, only: Sequence[str] | None = None) -> dict[str, SubjectMeta]:
    """The subject map; `only` keeps a slice of it (a sector suite's subjects of C-Eval or CMMLU)."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    unknown = sorted(set(only or ()) - set(raw))
    if unknown:
        raise InputError([Problem(str(path), "data.only", f"no subject(s) {unknown} in the map", f"use keys of {path.name}")])
    return {
        key: SubjectMeta(key, str(v["name_zh"]), str(v["category"]), tuple(v.get("groups", ())))
        for key, v in raw.items()
        if only is None or key in only
    }


def local_file(layout: Layout, root: Path, split: str, key: str) -> Path:
    if layout == "ceval-csv":
        return root / split / f"{key}_{split}.csv"
    return root / split / f"{key}.csv"


def _normalize(row: dict[str, str], where: str) -> dict[str, str]:
    out = {"Question": row.get("Question", row.get("question", "")), **{c: row[c] for c in ANSWERS}}
    out["Answer"] = str(row.get("Answer", row.get("answer", ""))).strip()
    if out["Answer"] not in ANSWERS:
        raise InputError([Problem(where, "Answer", f"{out['Answer']!r} is not A-D", "score a split that has answers, one letter A-D each")])
    return out


def _read_csv(layout: Layout, path: Path, data: bytes) -> list[dict[str, str]]:
    table = csv_table(decode(data, path, "--data"), path, "--data")
    header = table[0] if table else None
    if header not in _HEADERS[layout]:
        expected = " or ".join(",".join(h) for h in _HEADERS[layout])
        raise InputError([Problem(str(path), "header", f"expected {expected!r}, found {header}", f"use the {layout} layout")])
    short = [(number, len(cells)) for number, cells in enumerate(table[1:], start=2) if cells and len(cells) != len(header)]
    if short:
        number, cells = short[0]
        raise InputError([Problem(str(path), f"line {number}", f"{cells} cells under a header of {len(header)} ({len(short)} such rows)", f"give every row the {layout} layout's {len(header)} columns")])
    return [_normalize(dict(zip(header, cells, strict=True)), f"{path}: line {number}") for number, cells in enumerate(table[1:], start=2) if cells]


def load_local(
    layout: Layout, root: Path, subjects_file: Path, split: str, fewshot_split: str, only: Sequence[str] | None = None
) -> LoadedData:
    if not root.is_dir():
        raise InputError([Problem(str(root), "data", "not a directory", f"point --data at a local copy in the {layout} layout")])
    meta = read_subject_map(subjects_file, only)
    digest = hashlib.sha256(subjects_file.read_bytes())
    subjects = []
    for key in sorted(meta):
        splits = {}
        for name in dict.fromkeys((fewshot_split, split)):
            path = local_file(layout, root, name, key)
            data = read_bytes(path, "--data", f"the subject's {name} file in the {layout} layout (a copy needs every subject of {subjects_file.name})")
            digest.update(data)
            splits[name] = _read_csv(layout, path, data)
        subjects.append(SubjectData(meta[key], splits[fewshot_split], splits[split]))
    return LoadedData(subjects, digest.hexdigest(), str(root), "local")


def _offline() -> bool:
    return any(os.environ.get(v, "").lower() in ("1", "true", "yes") for v in ("HF_DATASETS_OFFLINE", "HF_HUB_OFFLINE"))


def resolve_commit(repo: str, revision: str) -> str | None:
    """The commit sha a hub revision (branch, tag or sha) points at now, or None offline or when the
    hub does not answer (the cache may still serve the data; the run then records the asked revision)."""
    if _offline():
        return None
    from huggingface_hub import HfApi  # honours HF_ENDPOINT, as `datasets` does

    try:
        return HfApi().dataset_info(repo, revision=revision, timeout=30).sha
    except Exception:  # not reachable, not found, gated: loading reports it with the fix
        return None


def load_hub(
    repo: str, revision: str, subjects_file: Path, split: str, fewshot_split: str, suite: str, only: Sequence[str] | None = None
) -> LoadedData:
    """One `datasets` config per subject; HF_ENDPOINT points `datasets` at a mirror (e.g. in mainland
    China). Offline, only what is already in the `datasets` cache loads. Online, the revision is
    resolved to its commit first and every subject loads from that commit, so a branch that moves
    during the run cannot mix two versions; the run records `<revision>@<sha>`."""
    import datasets

    commit = resolve_commit(repo, revision)
    recorded = revision if commit is None or commit == revision else f"{revision}@{commit}"
    meta = read_subject_map(subjects_file, only)
    digest = hashlib.sha256(subjects_file.read_bytes())
    subjects = []
    for key in sorted(meta):
        try:
            splits = datasets.load_dataset(repo, key, revision=commit or revision)
        except Exception as e:  # datasets raises many kinds of error for "not reachable"
            hint = "offline mode is on" if _offline() else "the hub is not reachable"
            raise InputError([Problem(f"hf:{repo}", key, f"cannot load ({hint}: {type(e).__name__})", f"pass --data {suite}=PATH with a local copy")]) from e
        rows = {name: [_normalize(dict(r), f"hf:{repo}/{key}/{name}") for r in splits[name]] for name in dict.fromkeys((fewshot_split, split))}
        digest.update(_canonical(rows[fewshot_split]))
        digest.update(_canonical(rows[split]))
        subjects.append(SubjectData(meta[key], rows[fewshot_split], rows[split]))
    return LoadedData(subjects, digest.hexdigest(), f"hf:{repo}", recorded)


def _canonical(rows: Iterable[dict[str, str]]) -> bytes:
    return json.dumps(list(rows), ensure_ascii=False, sort_keys=True).encode("utf-8")
