"""Project-written stand-ins for C-Eval and CMMLU in their exact release layouts, for tests and the
speed benchmark: every real subject key, with questions drawn from the project's own sample
(corpora/zh_mcq_sample) and their options shuffled by a seeded generator. No benchmark text."""

import csv
import random
from pathlib import Path

from benchmarks.mcq.prompt import CHOICES
from benchmarks.mcq.sources import Layout, local_file, read_subject_map
from foundation.paths import REPO_ROOT

SAMPLE_DIR = REPO_ROOT / "corpora" / "zh_mcq_sample"


def _pool() -> list[dict[str, str]]:
    from benchmarks.mcq.cmmlu_csv import load_cmmlu_dir

    subjects, _ = load_cmmlu_dir(SAMPLE_DIR, SAMPLE_DIR / "subjects.yaml")
    return [row for s in subjects for row in s.dev + s.test]


def _shuffled(row: dict[str, str], rng: random.Random) -> dict[str, str]:
    order = rng.sample(range(len(CHOICES)), len(CHOICES))
    options = [row[CHOICES[i]] for i in order]
    return {"Question": row["Question"], **dict(zip(CHOICES, options, strict=True)), "Answer": CHOICES[order.index(CHOICES.index(row["Answer"]))]}


def _with_passage(row: dict[str, str], pool: list[dict[str, str]], sentences: int, rng: random.Random) -> dict[str, str]:
    """The row with a reading passage before its question: `sentences` questions of the pool with their
    right answers, as long-material exam questions (阅读材料) read."""
    passage = "".join(f"{r['Question'].strip()}{r[r['Answer']]}。" for r in rng.sample(pool, sentences))
    return row | {"Question": f"阅读材料：{passage}\n问题：{row['Question']}"}


def write_layout(
    layout: Layout, root: Path, subjects_file: Path, per_subject: int, shots: int = 5, seed: int = 0, dev_passages: int = 0
) -> int:
    """Writes `shots` dev rows and `per_subject` evaluated rows for every subject; returns the
    number of evaluated rows. C-Eval gets dev (with explanation), val and an answerless test split.
    `dev_passages` > 0 puts a reading passage of up to that many sentences (seeded, varying by row)
    before each dev question: long few-shot examples, so five-shot prompts outgrow a short context."""
    rng = random.Random(seed)
    pool = _pool()
    splits = {"cmmlu-csv": {"dev": shots, "test": per_subject}, "ceval-csv": {"dev": shots, "val": per_subject, "test": 2}}[layout]
    for key in read_subject_map(subjects_file):
        for split, count in splits.items():
            path = local_file(layout, root, split, key)
            path.parent.mkdir(parents=True, exist_ok=True)
            rows = [_shuffled(rng.choice(pool), rng) for _ in range(count)]
            if split == "dev" and dev_passages:
                rows = [_with_passage(r, pool, rng.randint(1, dev_passages), rng) for r in rows]
            with open(path, "w", encoding="utf-8", newline="") as f:
                out = csv.writer(f)
                if layout == "cmmlu-csv":
                    out.writerow(["", "Question", "A", "B", "C", "D", "Answer"])
                    out.writerows([i, r["Question"], *(r[c] for c in CHOICES), r["Answer"]] for i, r in enumerate(rows))
                elif split == "dev":
                    out.writerow(["id", "question", "A", "B", "C", "D", "answer", "explanation"])
                    out.writerows([i, r["Question"], *(r[c] for c in CHOICES), r["Answer"], "1. 项目自编解析。"] for i, r in enumerate(rows))
                elif split == "val":
                    out.writerow(["id", "question", "A", "B", "C", "D", "answer"])
                    out.writerows([i, r["Question"], *(r[c] for c in CHOICES), r["Answer"]] for i, r in enumerate(rows))
                else:
                    out.writerow(["id", "question", "A", "B", "C", "D"])
                    out.writerows([i, r["Question"], *(r[c] for c in CHOICES)] for i, r in enumerate(rows))
    return per_subject * len(read_subject_map(subjects_file))
