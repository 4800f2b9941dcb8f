"""Engine failures with real parts: what is retried, what is diagnosed, and what a failed run keeps.

- Endpoint errors: a real HTTP server (stdlib) in front of the real openai SDK answers chosen requests
  with 5xx, a reset connection, a hang or a 400. Transient ones are retried with exponential backoff
  and jitter; what keeps failing is one EngineFailure saying how often it was tried and what to check.
- Out of memory at load: the real vLLM CPU engine asked for a context its KV cache cannot hold, and
  for a KV cache the process cannot allocate.
- Engine process death: the real vLLM engine core (in its own process, as on GPUs) killed with
  SIGKILL in the middle of `harness run`: exit 4, the run FAILED with the diagnosis as a tag, and the
  items finished before the kill still in the run's staging files.
"""

import json
import os
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psutil
import pytest
import yaml
from mlflow import MlflowClient
from mlflow.entities import ViewType

from harness.engines import EngineSettings, Sampling, load_engine
from foundation.errors import EngineFailure, InputError
from harness.evidence import names
from foundation.paths import CONFIGS_DIR, REPO_ROOT
from harness.profiles import Profile, SuiteRun
from harness.evidence.checkpoint_objects import configured_store

# --- a scripted OpenAI-compatible endpoint --------------------------------------------------------


@dataclass
class Script:
    """What the endpoint does with each request, in order ("ok" once the list runs out)."""

    actions: list[str]
    seen: list[tuple[float, str, str]] = field(default_factory=list)  # (arrival, path, x-stainless-retry-count)
    hang_s: float = 3.0


class _Handler(BaseHTTPRequestHandler):
    script: Script

    def log_message(self, *args: object) -> None:  # keep the test output clean
        pass

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.script.seen.append((time.monotonic(), self.path, self.headers.get("x-stainless-retry-count", "")))
        action = self.script.actions.pop(0) if self.script.actions else "ok"
        if action == "reset":  # a connection reset: RST instead of an answer
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            self.close_connection = True
            return
        if action == "hang":
            time.sleep(self.script.hang_s)
            return
        if action.isdigit():
            self._json(int(action), {"error": {"message": f"scripted {action}", "type": "server_error", "code": int(action)}})
            return
        if self.path.endswith("/chat/completions"):
            choices = [{"index": 0, "message": {"role": "assistant", "content": "好的"}, "finish_reason": "stop"}]
            self._json(200, {"id": "c", "object": "chat.completion", "created": 0, "model": "tiny", "choices": choices})
        else:
            prompts = body["prompt"] if isinstance(body["prompt"], list) else [body["prompt"]]
            choices = [{"index": i, "text": f"答{i}", "logprobs": None, "finish_reason": "stop"} for i in range(len(prompts))]
            self._json(200, {"id": "c", "object": "text_completion", "created": 0, "model": "tiny", "choices": choices})

    def _json(self, status: int, document: dict) -> None:
        data = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def endpoint() -> Iterator[tuple[str, Script]]:
    script = Script([])
    handler = type("Handler", (_Handler,), {"script": script})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1", script
    server.shutdown()
    server.server_close()


def _engine(url: str, checkpoint: Path, max_retries: int, timeout_s: float = 30):
    return load_engine("openai", checkpoint, EngineSettings(extra={"base_url": url, "served_model_name": "tiny", "timeout_s": timeout_s}, max_retries=max_retries))


def test_transient_errors_are_retried_with_backoff_and_jitter(endpoint, demo_checkpoints) -> None:
    url, script = endpoint
    script.actions = ["500", "reset", "503"]
    engine = _engine(url, demo_checkpoints["zh-tiny-tuned"], max_retries=3)
    assert engine.generate(["一", "二"], Sampling(max_tokens=4)) == ["答0", "答1"]
    assert [retry for _, _, retry in script.seen] == ["0", "1", "2", "3"]  # one request, tried four times
    gaps = [later - earlier for (earlier, _, _), (later, _, _) in zip(script.seen, script.seen[1:], strict=False)]
    # The SDK's backoff: 0.5 s doubling, each wait cut by up to 25% at random (jitter).
    for gap, base in zip(gaps, (0.5, 1.0, 2.0), strict=True):
        assert 0.75 * base - 0.05 <= gap <= base + 0.5, gaps
    engine.close()


def test_an_endpoint_that_keeps_failing_is_diagnosed(endpoint, demo_checkpoints) -> None:
    url, script = endpoint
    script.actions = ["500"] * 10
    engine = _engine(url, demo_checkpoints["zh-tiny-tuned"], max_retries=2)
    with pytest.raises(EngineFailure) as failed:
        engine.chat([[{"role": "user", "content": "你好"}]], Sampling(max_tokens=4))
    assert len(script.seen) == 3
    message = str(failed.value)
    assert "returned 500 3 times" in message and "check the server's log" in message and url in message
    assert "engine.max_retries" in message


def test_a_hung_endpoint_times_out_and_is_diagnosed(endpoint, demo_checkpoints) -> None:
    url, script = endpoint
    script.actions, script.hang_s = ["hang", "hang"], 3.0
    engine = _engine(url, demo_checkpoints["zh-tiny-tuned"], max_retries=1, timeout_s=0.5)
    with pytest.raises(EngineFailure, match=r"no answer within 0.5 s, 2 times"):
        engine.generate(["一"], Sampling(max_tokens=4))
    assert len(script.seen) == 2


def test_a_refused_request_is_not_retried(endpoint, demo_checkpoints) -> None:
    url, script = endpoint
    script.actions = ["400"]
    engine = _engine(url, demo_checkpoints["zh-tiny-tuned"], max_retries=5)
    with pytest.raises(EngineFailure, match=r"refused the request \(400.*--max-model-len"):
        engine.generate(["一"], Sampling(max_tokens=4))
    assert len(script.seen) == 1


def test_no_server_at_all(demo_checkpoints) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    engine = _engine(f"http://127.0.0.1:{port}/v1", demo_checkpoints["zh-tiny-tuned"], max_retries=1)
    with pytest.raises(EngineFailure, match=rf"127.0.0.1:{port}/v1.*could not connect.*2 times.*running and reachable"):
        engine.generate(["一"], Sampling(max_tokens=4))


def test_retries_setting_profile_env_and_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    profile = Profile.model_validate({"name": "p", "engine": {"max_retries": 7}, "suites": [{"suite": "zh_mcq_sample"}]})
    monkeypatch.delenv("HARNESS_ENGINE_MAX_RETRIES", raising=False)
    assert profile.engine_settings().max_retries == 7
    assert Profile(name="p", suites=[SuiteRun(suite="zh_mcq_sample")]).engine_settings().max_retries == 5
    monkeypatch.setenv("HARNESS_ENGINE_MAX_RETRIES", "0")
    assert profile.engine_settings().max_retries == 0
    assert profile.engine_settings(max_retries=2).max_retries == 2
    monkeypatch.setenv("HARNESS_ENGINE_MAX_RETRIES", "many")
    with pytest.raises(InputError, match="HARNESS_ENGINE_MAX_RETRIES"):
        profile.engine_settings()


# --- the real vLLM engine ----------------------------------------------------------------------


def _harness(args: list[str], env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness.cli", *args], env=env, capture_output=True, text=True, timeout=timeout, cwd=REPO_ROOT)


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A home of its own for the child, reading checkpoints from the store the demo versions were submitted to."""
    env = {
        **os.environ, "HARNESS_HOME": str(tmp_path / "home"), "HARNESS_CHECKPOINT_STORE": configured_store().location,
        "PYTHONPATH": str(REPO_ROOT), **extra,
    }  # fmt: skip
    env.pop("MLFLOW_TRACKING_URI", None)
    return env


def _only_new_run(client: MlflowClient, before: set[str]):
    experiments = [e.experiment_id for e in client.search_experiments(view_type=ViewType.ALL)]
    runs = [r for r in client.search_runs(experiments, run_view_type=ViewType.ALL) if r.info.run_id not in before]
    assert len(runs) == 1, runs
    return runs[0]


def _run_ids(client: MlflowClient) -> set[str]:
    experiments = [e.experiment_id for e in client.search_experiments(view_type=ViewType.ALL)]
    return {r.info.run_id for r in client.search_runs(experiments, run_view_type=ViewType.ALL)}


@pytest.mark.engine
def test_a_context_the_kv_cache_cannot_hold(store, tmp_path: Path) -> None:
    """vLLM refuses to start when one request of max_model_len needs more KV cache than it has
    (1 GiB here, VLLM_CPU_KVCACHE_SPACE): exit 4, the longest context that fits, a FAILED run."""
    profile = yaml.safe_load((CONFIGS_DIR / "demo.yaml").read_text(encoding="utf-8"))
    profile["engine"]["max_model_len"] = 2_000_000
    path = tmp_path / "long-context.yaml"
    path.write_text(yaml.safe_dump(profile, allow_unicode=True), encoding="utf-8")
    before = _run_ids(store.client)
    done = _harness(["run", str(path), "--model", "zh-tiny-tuned", "--tracking-uri", store.uri], _env(tmp_path, VLLM_ALLOW_LONG_MAX_MODEL_LEN="1", VLLM_CPU_KVCACHE_SPACE="1"))
    assert done.returncode == 4, done.stderr[-3000:]
    error = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(error) == 1 and "Traceback" not in done.stderr
    assert "one request of max_model_len 2000000 tokens needs" in error[0] and "set engine.max_model_len to 524160 or less" in error[0], error
    run = _only_new_run(store.client, before)
    assert run.info.status == "FAILED"
    assert "set engine.max_model_len to 524160 or less" in run.data.tags[names.T_FAILURE]
    assert "no item was finished" in run.data.tags[names.T_FAILURE]


ALLOCATION_SCRIPT = textwrap.dedent("""
    import resource, sys
    from pathlib import Path
    from harness.engines import EngineSettings, load_engine
    from harness.engines.vllm_engine import _prepare_cpu_environment
    from foundation.errors import EngineFailure
    _prepare_cpu_environment()
    import torch, vllm  # loaded before the limit: the limit is on what the engine allocates
    size = int(next(l for l in open("/proc/self/status") if l.startswith("VmSize")).split()[1]) * 1024
    resource.setrlimit(resource.RLIMIT_AS, (size + (3 << 30), resource.RLIM_INFINITY))
    try:
        load_engine("vllm", Path(sys.argv[1]), EngineSettings(dtype="float32", max_model_len=1024))
    except EngineFailure as e:
        print("FAILURE", e)
""")


@pytest.mark.engine
def test_a_kv_cache_the_process_cannot_allocate(demo_checkpoints, tmp_path: Path) -> None:
    """6 GiB of KV cache asked for, 3 GiB of address space left: torch's CPU allocator fails while
    vLLM loads (what a cgroup or strict overcommit does to a real deployment)."""
    done = subprocess.run(
        [sys.executable, "-c", ALLOCATION_SCRIPT, str(demo_checkpoints["zh-tiny-tuned"])], env=_env(tmp_path, VLLM_CPU_KVCACHE_SPACE="6"),
        capture_output=True, text=True, timeout=600, cwd=REPO_ROOT,
    )  # fmt: skip
    failure = next((line for line in done.stdout.splitlines() if line.startswith("FAILURE")), None)
    assert failure is not None, done.stderr[-3000:]
    assert "loading the model: out of memory" in failure and "can't allocate memory" in failure
    assert "lower engine.max_model_len" in failure and "VLLM_CPU_KVCACHE_SPACE" in failure


def _descendant(process: psutil.Process, name: str) -> psutil.Process | None:
    try:
        return next((p for p in process.children(recursive=True) if name in p.name()), None)
    except psutil.Error:
        return None


def _lines(path: Path) -> int:
    return sum(1 for _ in path.open(encoding="utf-8")) if path.exists() else 0


@pytest.mark.engine
def test_engine_process_killed_mid_run(store, tmp_path: Path) -> None:
    """The engine core in its own process, as vLLM runs it on GPUs, killed by SIGKILL (the OOM
    killer's signal) once the run has finished items: without the harness's watch, vLLM 0.32's
    LLM.generate would wait forever; with it, exit 4 within seconds and nothing finished is lost."""
    before = _run_ids(store.client)
    env = _env(tmp_path, VLLM_ENABLE_V1_MULTIPROCESSING="1")
    harness = subprocess.Popen([sys.executable, "-m", "harness.cli", "run", "demo", "--model", "zh-tiny-tuned", "--tracking-uri", store.uri],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO_ROOT)  # fmt: skip
    staging = tmp_path / "home" / "runs"
    try:
        deadline = time.monotonic() + 600
        while not any(_lines(p) for p in staging.glob("*/items/*.jsonl")):
            assert harness.poll() is None and time.monotonic() < deadline, harness.communicate()[1][-3000:]
            time.sleep(0.05)
        core = _descendant(psutil.Process(harness.pid), "EngineCore")
        assert core is not None, "the engine core did not run in a process of its own"
        core.kill()
        killed_at = time.monotonic()
        _, stderr = harness.communicate(timeout=120)
    finally:
        if harness.poll() is None:
            harness.kill()
    assert harness.returncode == 4, stderr[-3000:]
    assert time.monotonic() - killed_at < 60
    error = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(error) == 1 and "the vLLM engine process died (EngineCore" in error[0] and "killed by SIGKILL" in error[0], stderr[-3000:]
    run = _only_new_run(store.client, before)
    assert run.info.status == "FAILED" and "engine process died" in run.data.tags[names.T_FAILURE]
    kept = {p.stem: _lines(p) for p in (staging / run.info.run_id / "items").glob("*.jsonl")}
    assert sum(kept.values()) > 0
    assert f"{sum(kept.values())} finished items kept" in run.data.tags[names.T_FAILURE]
    assert f"note: run {run.info.run_id} is FAILED; {sum(kept.values())} finished items kept" in stderr
    complete = 150 + 165  # zh_mcq_sample, and the demo's safety sample
    assert sum(kept.values()) < complete
    for path in (staging / run.info.run_id / "items").glob("*.jsonl"):
        assert all(json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines())  # whole lines only
