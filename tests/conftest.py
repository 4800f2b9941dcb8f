"""Shared fixtures: the demo checkpoints (built once, cached), a private MLflow store with both demo
models registered, and the two in-process engines on the tuned checkpoint."""

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import pytest
from mlflow import MlflowClient

from demo_models.build import build_demo_checkpoints
from harness.demo.job import DEMO_MANIFESTS, materialize_manifest
from harness.engines import Engine, EngineSettings, load_engine
from harness.evidence.tracking import connect
from foundation.paths import REGISTRY_EXAMPLES_DIR, demo_models_dir
from harness.evidence.registration import submit

# Pin the shared checkpoint cache before any test moves HARNESS_HOME, so one build serves all.
os.environ.setdefault("HARNESS_DEMO_MODELS", str(demo_models_dir()))
ENGINE_SETTINGS = EngineSettings(dtype="float32", max_model_len=1024)


@pytest.fixture(scope="session", autouse=True)
def private_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Tests never write to the developer's own store or to a server named in the environment."""
    home = tmp_path_factory.mktemp("harness-home")
    saved = {k: os.environ.get(k) for k in ("HARNESS_HOME", "MLFLOW_TRACKING_URI")}
    os.environ["HARNESS_HOME"] = str(home)
    os.environ.pop("MLFLOW_TRACKING_URI", None)
    yield home
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def demo_checkpoints() -> dict[str, Path]:
    """Both demo checkpoints, from the shared cache: about a minute on 2 cores the first time only."""
    return build_demo_checkpoints(demo_models_dir(), progress=False)


@dataclass(frozen=True)
class Store:
    uri: str
    client: MlflowClient
    manifests: dict[str, Path]  # model name -> its submitted manifest


@pytest.fixture(scope="session")
def store(private_home: Path, demo_checkpoints: dict[str, Path]) -> Store:
    uri = f"sqlite:///{private_home / 'store.db'}"
    client = connect(uri)
    manifests = {}
    for example in DEMO_MANIFESTS:
        manifest = materialize_manifest(REGISTRY_EXAMPLES_DIR / example, demo_checkpoints, private_home)
        manifests[submit(manifest, client).name] = manifest
    return Store(uri, client, manifests)


@pytest.fixture(scope="session")
def _vllm_holder() -> Iterator[list[Engine]]:
    held: list[Engine] = []
    yield held
    for engine in held:
        engine.close()


@pytest.fixture
def vllm_engine(_vllm_holder: list[Engine], demo_checkpoints: dict[str, Path]) -> Engine:
    """One vLLM engine on the tuned checkpoint, shared by the session. vLLM keeps its parallel groups
    in process globals, and a test that runs `harness run` in this process loads and closes an engine
    of its own, which tears those groups down under the shared one: it is then loaded again. (The
    product never holds two vLLM engines at once: a run releases its model before the next loads.)"""
    from vllm.distributed.parallel_state import model_parallel_is_initialized

    if not _vllm_holder or not model_parallel_is_initialized():
        for engine in _vllm_holder:
            engine.close()
        _vllm_holder[:] = [load_engine("vllm", demo_checkpoints["zh-tiny-tuned"], ENGINE_SETTINGS)]
    return _vllm_holder[0]


@pytest.fixture(scope="session")
def hf_engine(demo_checkpoints: dict[str, Path]) -> Iterator[Engine]:
    engine = load_engine("hf", demo_checkpoints["zh-tiny-tuned"], ENGINE_SETTINGS)
    yield engine
    engine.close()


class DemoRun(NamedTuple):
    done: subprocess.CompletedProcess
    client: MlflowClient
    home: Path  # HARNESS_HOME of the demo: its store is home / "mlflow.db"

    @property
    def uri(self) -> str:
        return f"sqlite:///{self.home / 'mlflow.db'}"


@pytest.fixture(scope="session")
def demo_run(demo_checkpoints: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    """`harness demo` in a fresh store, once per session: the demo's runs are what the end-to-end,
    report and notebook tests read back."""
    home = tmp_path_factory.mktemp("demo-home")
    env = {**os.environ, "HARNESS_HOME": str(home), "HARNESS_DEMO_MODELS": str(demo_models_dir())}
    env.pop("MLFLOW_TRACKING_URI", None)
    done = subprocess.run([sys.executable, "-m", "harness.cli", "demo"], env=env, capture_output=True, text=True, timeout=1200)
    uri = f"sqlite:///{home / 'mlflow.db'}"
    return DemoRun(done, MlflowClient(tracking_uri=uri, registry_uri=uri), home)


@pytest.fixture(scope="session")
def empty_tracking_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty tracking database, its schema created once (MLflow's migrations take seconds)."""
    path = tmp_path_factory.mktemp("empty-tracking") / "empty.db"
    connect(f"sqlite:///{path}").search_experiments()
    return path


@pytest.fixture
def fresh_client(tmp_path: Path, empty_tracking_db: Path) -> MlflowClient:
    """A tracking store and registry of the test's own, at tmp_path/store.db."""
    shutil.copy(empty_tracking_db, tmp_path / "store.db")
    return connect(f"sqlite:///{tmp_path / 'store.db'}")
