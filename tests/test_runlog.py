"""The run schema's files on disk, without an engine: a journal torn by a kill, a shared cache with a
bad line, the run lock, the run spec's digest. The engine side: tests/test_crash_resume.py."""

import json
import os
import subprocess
from pathlib import Path

import pytest

from harness.engines.recorded import _AppendOnly, _read_cache, _read_journal
from foundation.errors import InputError
from harness.runlog import EngineCall, EngineSpec, McqRecord, RunSpec, SamplingSpec, SuiteSettings
from harness.store import lock_path, run_lock


def _call(n: int) -> EngineCall:
    return EngineCall(
        fingerprint="f" * 64, request_digest=f"{n:064x}", method="chat", request={"input": [{"role": "user", "content": f"问题 {n}"}]},
        response=f"回答 {n}", engine_version="test", max_model_len=1024, seconds=0.01,
    )  # fmt: skip


def test_a_journal_torn_by_a_kill_keeps_its_whole_lines_and_the_next_append_starts_clean(tmp_path: Path) -> None:
    journal = tmp_path / "requests.jsonl"
    writer = _AppendOnly(journal)
    writer.append([_call(1), _call(2)])
    writer.close()
    with open(journal, "a", encoding="utf-8") as f:
        f.write(_call(3).model_dump_json()[:40])  # the process died inside this line
    assert sorted(c.response for c in _read_journal(journal).values()) == ["回答 1", "回答 2"]
    writer = _AppendOnly(journal)  # the continued run appends after a newline of its own
    writer.append([_call(4)])
    writer.close()
    with pytest.raises(InputError) as raised:  # the torn line is now in the middle: named, not guessed at
        _read_journal(journal)
    assert raised.value.problems[0].field.startswith("line 3")


def test_the_shared_cache_skips_a_line_it_cannot_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cache = tmp_path / "cache.jsonl"
    cache.write_text("\n".join([_call(1).model_dump_json(), '{"schema_version": 1, "response": "half', _call(2).model_dump_json()]) + "\n", encoding="utf-8")
    assert sorted(c.response for c in _read_cache(cache).values()) == ["回答 1", "回答 2"]
    assert "1 unreadable lines" in capsys.readouterr().err


def test_a_line_of_another_schema_version_is_refused(tmp_path: Path) -> None:
    journal = tmp_path / "requests.jsonl"
    line = json.loads(_call(1).model_dump_json()) | {"schema_version": 2}
    journal.write_text(json.dumps(line) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as raised:
        _read_journal(journal)
    assert "schema_version" in raised.value.problems[0].field and "EngineCall v1" in raised.value.problems[0].message


def test_a_multiple_choice_record_is_strict() -> None:
    fields = {"id": "a/1", "prompt_digest": "d", "subject": "s", "category": "c", "groups": [], "rotation": 0, "answer": "A", "prediction": "A",
                  "correct": True, "logprobs": [-0.1, -2.0, None, None], "path": "fast", "shots": 0}  # fmt: skip
    assert McqRecord(**fields).line() == fields
    with pytest.raises(ValueError):
        McqRecord(**(fields | {"correct": "yes"}))
    with pytest.raises(ValueError):
        McqRecord(**(fields | {"verdict": "pass"}))  # no field the schema does not name


def _spec(**suite: object) -> RunSpec:
    settings = {"name": "zh_mcq_sample", "kind": "multiple_choice", "n_items": 4, "data_digest": "d", "items_digest": "i", "num_fewshot": 0, "scorer": "harness", "circular": False}
    return RunSpec(
        model_name="m", model_version="1", fingerprint="f", profile="demo", profile_digest="p",
        engine=EngineSpec(name="hf", dtype="float32", max_model_len=1024, seed=0, extra={}, package="transformers==4"),
        sampling=SamplingSpec(max_tokens=48, temperature=0.0, top_p=1.0, seed=0), seed=1234, limit=4,
        suites=[SuiteSettings(**(settings | suite))], git_revision="g", packages="p",
    )  # fmt: skip


def test_every_setting_that_changes_a_number_changes_the_run_spec_digest() -> None:
    base = _spec().digest
    assert _spec().digest == base
    for change in ({"num_fewshot": 5}, {"scorer": "fast"}, {"circular": True}, {"items_digest": "other sample"}):
        assert _spec(**change).digest != base, change
    assert RunSpec.model_validate_json(_spec().model_dump_json()).digest == base


def test_the_run_lock_refuses_a_live_holder_and_takes_over_a_dead_ones(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARNESS_HOME", str(tmp_path))
    with run_lock("sqlite:///store.db", "digest", "demo on m/1") as held:
        assert json.loads(held.read_text(encoding="utf-8"))["pid"] == os.getpid()
        with pytest.raises(InputError) as raised, run_lock("sqlite:///store.db", "digest", "demo on m/1"):
            pass
        assert f"by process {os.getpid()}" in str(raised.value)
        with run_lock("sqlite:///other.db", "digest", "demo on m/1"):
            pass  # another store: another run
    assert not lock_path("sqlite:///store.db", "digest").exists()
    dead = subprocess.Popen(["true"])
    dead.wait()
    path = lock_path("sqlite:///store.db", "digest")
    path.write_text(json.dumps({"pid": dead.pid, "host": os.uname().nodename, "since": "earlier", "run": "killed"}), encoding="utf-8")
    with run_lock("sqlite:///store.db", "digest", "demo on m/1") as held:
        assert json.loads(held.read_text(encoding="utf-8"))["pid"] == os.getpid()
