"""Every labelled judge set is split into a dev and a test half by a hash of the item id, and the
refusal sets (refusal, refusal_blind, refusal_blind2, refusal_blind3) are stratified by refusal style and language
(harness/scoring/judges/labelled.py)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import yaml

from foundation.errors import InputError
from harness.scoring.judges.labelled import HALVES, JUDGE_SETS_DIR, half_path, read_half, split_of, write_halves

SET_NAMES = sorted({path.name.split(".")[0] for path in JUDGE_SETS_DIR.glob("*.jsonl")})
LANGUAGES = {"zh-Hans", "zh-Hant", "en", "mixed"}
BANKS = {"should_refuse", "should_not_refuse"}
# Each style is a form of refusal (refused: true) or of compliance (refused: false); docs/judge_sets.md
# shows one example of each.
REFUSAL_STYLES = {
    "stock_refusal", "first_person_plain", "law_then_alternative", "redirection", "referral_only",
    "safety_info_withheld", "feigned_ignorance", "question_back", "symbols_only", "soft_decline",
    "long_then_refuse", "roleplay_refusal", "code_refusal", "moral_lecture", "partial_substitution",
    "think_then_refuse",
}
COMPLIANCE_STYLES = {
    "plain_answer", "terse_answer", "apology_or_disclaimer_first", "negation_in_advice", "teaches_declining",
    "long_answer", "code_answer", "roleplay_answer", "caution_at_end", "clarify_then_answer",
    "limitation_then_answer", "premise_correction", "hedged_answer", "think_then_answer",
}
# The blind set, written later by another author, keeps those 30 styles (so results compare) and adds
# forms real models produce that the first set lacks: a vague non-answer, degenerate output, and a
# decline that still gives the detail asked for.
STYLES = {
    "refusal": (REFUSAL_STYLES, COMPLIANCE_STYLES),
    "refusal_blind": (REFUSAL_STYLES | {"deflection", "garbled"}, COMPLIANCE_STYLES | {"partial_with_detail"}),
    "refusal_blind2": (REFUSAL_STYLES | {"deflection", "garbled"}, COMPLIANCE_STYLES | {"partial_with_detail"}),
    "refusal_blind3": (REFUSAL_STYLES | {"deflection", "garbled"}, COMPLIANCE_STYLES | {"partial_with_detail"}),
}


def _raw_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_the_shipped_sets_are_there() -> None:
    assert {"refusal", "refusal_blind", "refusal_blind2", "refusal_blind3", "refusal_legacy", "content"} <= set(SET_NAMES)
    old = JUDGE_SETS_DIR.parent
    assert not (old / "refusal_judge_labelled.jsonl").exists() and not (old / "content_judge_labelled.jsonl").exists()


@pytest.mark.parametrize("name", SET_NAMES)
def test_every_line_sits_in_the_half_its_id_hashes_to(name: str) -> None:
    ids: list[str] = []
    for half in HALVES:
        rows = _raw_lines(half_path(name, half))
        assert rows, f"{name}.{half} is empty"
        assert all(split_of(row["id"]) == half for row in rows), [row["id"] for row in rows if split_of(row["id"]) != half]
        ids += [row["id"] for row in rows]
    assert len(ids) == len(set(ids)), [i for i, n in Counter(ids).items() if n > 1]


@pytest.mark.parametrize("name", SET_NAMES)
def test_halves_are_about_even(name: str) -> None:
    sizes = [len(read_half(name, half)) for half in HALVES]
    assert min(sizes) / sum(sizes) >= 0.4, sizes


def test_manifest_counts_match_the_halves() -> None:
    manifest = yaml.safe_load((JUDGE_SETS_DIR.parent / "MANIFEST.yaml").read_text(encoding="utf-8"))["files"]
    listed = {key for key in manifest if key.startswith("judge_sets/")}
    assert listed == {f"judge_sets/{name}.{half}.jsonl" for name in SET_NAMES for half in HALVES}
    for key in listed:
        name, half, _ = Path(key).name.split(".")
        rows = read_half(name, half)
        entry = manifest[key]
        assert entry["count"] == len(rows), key
        label = "refused" if "refused" in entry else "unsafe"
        assert entry[label] == sum(row[label] for row in rows), key
        if "strata" in entry:
            # Counts per style and language (the style fixes the label), so an edited or moved item shows.
            found = Counter((row["style"], row["language"]) for row in rows)
            listed_strata = {(style, language): n for style, by_language in entry["strata"].items() for language, n in by_language.items()}
            assert listed_strata == dict(found), key


def test_split_halves_ids_evenly() -> None:
    shares = Counter(split_of(f"item-{n}") for n in range(2000))
    assert 900 <= shares["dev"] <= 1100 and shares["dev"] + shares["test"] == 2000


def test_a_misplaced_line_is_an_input_error(tmp_path: Path) -> None:
    items = [{"id": f"x-{n}", "prompt": "p", "response": "r", "refused": True} for n in range(10)]
    counts = write_halves("toy", items, tmp_path)
    assert sum(counts.values()) == 10 and {row["id"] for half in HALVES for row in read_half("toy", half, tmp_path)} == {i["id"] for i in items}
    test_half = half_path("toy", "test", tmp_path)
    dev_line = half_path("toy", "dev", tmp_path).read_text(encoding="utf-8").splitlines()[0]
    test_half.write_text(test_half.read_text(encoding="utf-8") + dev_line + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="hashes to the dev half"):
        read_half("toy", "test", tmp_path)
    with pytest.raises(InputError, match="repeated id"):
        write_halves("toy", items + items[:1], tmp_path)


# --- the refusal sets ---------------------------------------------------------------------------


def _halves(name: str) -> dict[str, list[dict]]:
    return {half: read_half(name, half) for half in HALVES}


@pytest.mark.parametrize("name", sorted(STYLES))
def test_refusal_set_fields_and_labels(name: str) -> None:
    refusal_styles, compliance_styles = STYLES[name]
    rows = [row for rows in _halves(name).values() for row in rows]
    assert len(rows) >= 600
    for row in rows:
        assert set(row) == {"id", "prompt", "response", "refused", "style", "language", "bank", "note"}, row["id"]
        assert isinstance(row["refused"], bool) and row["language"] in LANGUAGES and row["bank"] in BANKS, row["id"]
        assert row["prompt"].strip() and isinstance(row["response"], str), row["id"]
        # A style names a form of refusal or of compliance, so it fixes the label.
        assert row["style"] in (refusal_styles if row["refused"] else compliance_styles), row["id"]
    share_refused = sum(row["refused"] for row in rows) / len(rows)
    assert 0.45 <= share_refused <= 0.55, share_refused
    # Both banks carry both labels: over-refusals of should-not-refuse prompts and compliance with should-refuse ones.
    assert {(row["bank"], row["refused"]) for row in rows} == {(bank, label) for bank in BANKS for label in (True, False)}


@pytest.mark.parametrize("name", sorted(STYLES))
def test_refusal_set_is_stratified_by_style_and_language(name: str) -> None:
    halves = _halves(name)
    rows = [row for rows in halves.values() for row in rows]
    per_style = Counter(row["style"] for row in rows)
    assert set(per_style) == set().union(*STYLES[name])
    assert min(per_style.values()) >= 20, per_style
    languages = {style: {row["language"] for row in rows if row["style"] == style} for style in per_style}
    assert all(found == LANGUAGES for found in languages.values()), {s: LANGUAGES - found for s, found in languages.items() if found != LANGUAGES}
    for half, half_rows in halves.items():
        assert {row["style"] for row in half_rows} == set(per_style), half


@pytest.mark.parametrize(("name", "prefix"), [("refusal_blind", "rb-"), ("refusal_blind2", "rc-"), ("refusal_blind3", "rd-")])
def test_a_blind_set_shares_no_id_with_the_others(name: str, prefix: str) -> None:
    blind = {row["id"] for rows in _halves(name).values() for row in rows}
    others = {row["id"] for other in STYLES if other != name for rows in _halves(other).values() for row in rows}
    assert blind and not blind & others
    assert all(item_id.startswith(prefix) for item_id in blind)
