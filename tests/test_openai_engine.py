"""The OpenAI-compatible engine against a real `vllm serve` on 127.0.0.1, started by the test."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.mcq.prompt import CHOICES, continuation
from harness.engines import EngineSettings, Sampling, load_engine
from harness.plan import plan
from harness.profiles import Profile, SuiteRun

pytestmark = pytest.mark.engine
STARTUP_TIMEOUT_S = 300


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(demo_checkpoints) -> Iterator[tuple[str, Path]]:
    checkpoint = demo_checkpoints["zh-tiny-tuned"]
    port = _free_port()
    env = {**os.environ, "VLLM_TARGET_DEVICE": "cpu", "VLLM_CPU_KVCACHE_SPACE": "1", "HF_HUB_OFFLINE": "1", "VLLM_LOGGING_LEVEL": "WARNING"}
    vllm_cli = Path(sys.executable).parent / "vllm"
    server = subprocess.Popen(
        [str(vllm_cli), "serve", str(checkpoint), "--host", "127.0.0.1", "--port", str(port), "--served-model-name", "tiny",
         "--dtype", "float32", "--max-model-len", "1024", "--enforce-eager"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    try:
        while True:
            if server.poll() is not None:
                pytest.fail(f"vllm serve exited with {server.returncode}: {server.stderr.read()[-2000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"vllm serve not healthy after {STARTUP_TIMEOUT_S} s")
            time.sleep(1)
        yield f"http://127.0.0.1:{port}/v1", checkpoint
    finally:
        server.terminate()
        server.wait(timeout=60)


def test_endpoint_scores_like_the_in_process_engine(served, vllm_engine) -> None:
    base_url, checkpoint = served
    remote = load_engine("openai", checkpoint, EngineSettings(extra={"base_url": base_url, "served_model_name": "tiny"}))
    items = plan(Profile(name="t", suites=[SuiteRun(suite="zh_mcq_sample", limit=12)]))[0].items
    requests = [(item.context, continuation(letter)) for item in items for letter in CHOICES]
    remote_scores = remote.loglikelihood(requests)
    local_scores = vllm_engine.loglikelihood(requests)
    assert [r.logprob for r in remote_scores] == pytest.approx([r.logprob for r in local_scores], abs=1e-3)
    assert [r.is_greedy for r in remote_scores] == [r.is_greedy for r in local_scores]

    sampling = Sampling(max_tokens=24)
    conversation = [{"role": "user", "content": "春节有哪些传统习俗？"}]
    assert remote.chat([conversation], sampling) == vllm_engine.chat([conversation], sampling)
    assert remote.version().startswith("openai-compatible endpoint")
    remote.close()
