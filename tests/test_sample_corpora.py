"""The project's own sample corpora and the safety taxonomy are well-formed and consistent."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
import yaml

from foundation.paths import BENCHMARKS_DIR, CORPORA_DIR

MCQ_DIR = CORPORA_DIR / "zh_mcq_sample"
SAFETY_DIR = CORPORA_DIR / "safety_sample"
TAXONOMY = BENCHMARKS_DIR / "safety" / "taxonomy.yaml"

CMMLU_HEADER = ",Question,A,B,C,D,Answer"
SPLIT_ROWS = {"dev": 5, "test": 25}
CATEGORIES = {"STEM", "Social Science", "Humanities", "Other"}
SECTORS = {"finance", "medical", "legal", "education", "manufacturing", "transport", "energy", "government"}
GROUP_SIZES = {"A.1": 8, "A.2": 9, "A.3": 5, "A.4": 7, "A.5": 2}
SHOULD_NOT_REFUSE_TOPICS = {
    "system", "beliefs", "national_image", "culture", "customs", "ethnic_groups", "geography", "history",
    "heroes", "gender", "age", "occupation", "health",
}


def _yaml(path: Path) -> dict:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _csv_files() -> list[Path]:
    return sorted(MCQ_DIR.glob("*/*.csv"))


# --- multiple choice -------------------------------------------------------------------------


def test_subjects_yaml_covers_exactly_the_csv_files() -> None:
    subjects = _yaml(MCQ_DIR / "subjects.yaml")
    for split in SPLIT_ROWS:
        assert {p.stem for p in (MCQ_DIR / split).glob("*.csv")} == set(subjects), split
    assert {p.parent.name for p in _csv_files()} == set(SPLIT_ROWS)
    for key, meta in subjects.items():
        assert re.fullmatch(r"[a-z][a-z_]*", key)
        assert meta["name_zh"]
        assert meta["category"] in CATEGORIES, key
        assert meta["sector"] in SECTORS, key


@pytest.mark.parametrize("path", _csv_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_csv_is_cmmlu_layout(path: Path) -> None:
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM"
    text = raw.decode("utf-8")
    assert text.splitlines()[0] == CMMLU_HEADER
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))[1:]
    assert len(rows) == SPLIT_ROWS[path.parent.name]
    for index, row in enumerate(rows):
        assert len(row) == 7, row
        number, question, *options, answer = row
        assert number == str(index)
        assert question.strip() and len(question) < 80
        assert all(option.strip() and len(option) < 30 for option in options)
        assert len(set(options)) == 4, row
        assert answer in {"A", "B", "C", "D"}


def test_answers_roughly_balanced_per_test_file() -> None:
    for path in sorted((MCQ_DIR / "test").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            answers = [row["Answer"] for row in csv.DictReader(handle)]
        for letter in "ABCD":
            assert 4 <= answers.count(letter) <= 9, (path.name, letter, answers.count(letter))


def test_questions_distinct_across_suite() -> None:
    seen: dict[str, str] = {}
    for path in _csv_files():
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                where = f"{path.parent.name}/{path.name}"
                assert row["Question"] not in seen, (row["Question"], seen.get(row["Question"]), where)
                seen[row["Question"]] = where


def test_mcq_manifest_matches_files() -> None:
    manifest = _yaml(MCQ_DIR / "MANIFEST.yaml")
    subjects = _yaml(MCQ_DIR / "subjects.yaml")
    assert manifest["layout"] == "cmmlu-csv"
    assert set(manifest["subjects"]) == set(subjects)
    assert manifest["counts"]["per_subject"] == SPLIT_ROWS
    assert manifest["counts"]["dev"] == SPLIT_ROWS["dev"] * len(subjects)
    assert manifest["counts"]["test"] == SPLIT_ROWS["test"] * len(subjects)
    assert "not" in manifest["description"].lower() and "filing" in manifest["description"].lower()


# --- safety taxonomy and banks ---------------------------------------------------------------


def _risk_codes() -> list[str]:
    return [risk["code"] for group in _yaml(TAXONOMY)["groups"] for risk in group["risks"]]


def test_taxonomy_has_31_risks_in_5_groups() -> None:
    taxonomy = _yaml(TAXONOMY)
    assert "GB/T 45654-2025" in taxonomy["source"] and "TC260-003" in taxonomy["source"]
    groups = taxonomy["groups"]
    assert {group["code"]: len(group["risks"]) for group in groups} == GROUP_SIZES
    assert list(GROUP_SIZES) == [group["code"] for group in groups]
    for group in groups:
        assert group["name_zh"] and group["name_en"]
        letters = [risk["code"] for risk in group["risks"]]
        assert letters == [f"{group['code']}.{chr(ord('a') + i)}" for i in range(len(letters))]
        assert all(risk["name_zh"] and risk["name_en"] for risk in group["risks"])
    assert len(_risk_codes()) == len(set(_risk_codes())) == 31


def test_should_refuse_bank() -> None:
    rows = _jsonl(SAFETY_DIR / "should_refuse.jsonl")
    assert all(set(row) == {"id", "prompt", "risk"} for row in rows)
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"sr-\d{3}", i) for i in ids)
    codes = set(_risk_codes())
    assert all(row["risk"] in codes for row in rows)
    required = {code for code in codes if code.startswith(("A.1.", "A.2."))}
    assert len(required) == 17
    assert {row["risk"] for row in rows} == required
    assert all(row["prompt"].strip() for row in rows)
    assert len({row["prompt"] for row in rows}) == len(rows)


def test_should_not_refuse_bank() -> None:
    rows = _jsonl(SAFETY_DIR / "should_not_refuse.jsonl")
    assert all(set(row) == {"id", "prompt", "topic", "reference_answer"} for row in rows)
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"snr-\d{3}", i) for i in ids)
    assert {row["topic"] for row in rows} == SHOULD_NOT_REFUSE_TOPICS
    assert all(row["prompt"].strip() and row["reference_answer"].strip() for row in rows)
    assert len({row["prompt"] for row in rows}) == len(rows)


def test_no_prompt_in_both_banks() -> None:
    refuse = {row["prompt"].strip() for row in _jsonl(SAFETY_DIR / "should_refuse.jsonl")}
    answer = {row["prompt"].strip() for row in _jsonl(SAFETY_DIR / "should_not_refuse.jsonl")}
    assert not refuse & answer


def test_safety_manifest_says_sample() -> None:
    manifest = _yaml(SAFETY_DIR / "MANIFEST.yaml")
    text = json.dumps(manifest, ensure_ascii=False).lower()
    assert "not" in text and "filing" in text
    for name in manifest["files"]:
        assert (SAFETY_DIR / name).is_file(), name
