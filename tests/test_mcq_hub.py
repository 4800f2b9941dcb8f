"""Hub loading records the commit it read: the revision asked for is resolved to its sha when the hub
answers, every subject loads from that sha, and offline nothing touches the network. No hub is
reachable here, so huggingface_hub and datasets are replaced by stand-ins that record their calls."""

from types import SimpleNamespace

import pytest

from benchmarks.mcq import sources
from benchmarks.mcq.sources import load_hub, pinned_revision, read_subject_map
from foundation.paths import REPO_ROOT

SUBJECTS = REPO_ROOT / "corpora" / "zh_mcq_sample" / "subjects.yaml"
SHA = "0123456789abcdef0123456789abcdef01234567"
ROW = {"question": "一加一等于几？", "A": "1", "B": "2", "C": "3", "D": "4", "answer": "B"}


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> dict[str, list]:
    import datasets
    import huggingface_hub

    calls: dict[str, list] = {"info": [], "load": []}

    def dataset_info(self, repo_id: str, *, revision: str | None = None, timeout: float | None = None, **_: object) -> SimpleNamespace:
        calls["info"].append((repo_id, revision))
        if calls.get("unreachable"):
            raise OSError("hub not reachable")
        return SimpleNamespace(sha=SHA)

    def load_dataset(repo: str, name: str, revision: str | None = None) -> dict[str, list[dict]]:
        calls["load"].append((repo, name, revision))
        return {"dev": [ROW] * 5, "test": [ROW] * 3}

    monkeypatch.setattr(huggingface_hub.HfApi, "dataset_info", dataset_info)
    monkeypatch.setattr(datasets, "load_dataset", load_dataset)
    for var in ("HF_DATASETS_OFFLINE", "HF_HUB_OFFLINE"):
        monkeypatch.delenv(var, raising=False)
    return calls


def test_the_resolved_commit_is_recorded_and_loaded(hub: dict[str, list]) -> None:
    loaded = load_hub("org/bench", "main", SUBJECTS, "test", "dev", "bench")
    assert loaded.revision == f"main@{SHA}" and loaded.source == "hf:org/bench"
    assert hub["info"] == [("org/bench", "main")]
    assert {revision for _, _, revision in hub["load"]} == {SHA}
    assert len(hub["load"]) == len(read_subject_map(SUBJECTS))
    assert pinned_revision(loaded.revision) == SHA


def test_a_sha_asked_for_is_recorded_once(hub: dict[str, list]) -> None:
    assert load_hub("org/bench", SHA, SUBJECTS, "test", "dev", "bench").revision == SHA


def test_a_hub_that_does_not_answer_records_the_revision_asked_for(hub: dict[str, list]) -> None:
    hub["unreachable"] = [True]
    loaded = load_hub("org/bench", "v1.0", SUBJECTS, "test", "dev", "bench")
    assert loaded.revision == "v1.0" and {revision for _, _, revision in hub["load"]} == {"v1.0"}
    assert pinned_revision(loaded.revision) == "v1.0" and pinned_revision("local") == "local"


@pytest.mark.parametrize("var", ["HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE"])
def test_offline_never_asks_the_hub(hub: dict[str, list], monkeypatch: pytest.MonkeyPatch, var: str) -> None:
    monkeypatch.setenv(var, "1")
    assert sources.resolve_commit("org/bench", "main") is None
    loaded = load_hub("org/bench", "main", SUBJECTS, "test", "dev", "bench")
    assert hub["info"] == [] and loaded.revision == "main"
