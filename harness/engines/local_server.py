"""A `vllm serve` on 127.0.0.1 for checks that need a real endpoint (identity measurements, tests).

The server is this process's child: stopped with SIGTERM to its PID (it stops its own children) when
the context ends, however it ends.
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

STARTUP_TIMEOUT_S = 300  # measured 39-55 s on 2 CPU cores; a loaded machine needs more


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def vllm_serve(checkpoint: Path, *, served_model_name: str, dtype: str = "float32", max_model_len: int = 1024) -> Iterator[str]:
    """Serve `checkpoint`; yields the OpenAI base URL once /health answers."""
    port = free_port()
    env = {**os.environ, "VLLM_TARGET_DEVICE": "cpu", "VLLM_CPU_KVCACHE_SPACE": "1", "HF_HUB_OFFLINE": "1", "VLLM_LOGGING_LEVEL": "WARNING"}
    command = [
        str(Path(sys.executable).parent / "vllm"), "serve", str(checkpoint), "--host", "127.0.0.1", "--port", str(port),
        "--served-model-name", served_model_name, "--dtype", dtype, "--max-model-len", str(max_model_len), "--enforce-eager",
    ]  # fmt: skip
    # Its log goes to a file, not a pipe: a pipe nobody reads fills up and stalls the server.
    log = tempfile.TemporaryFile(mode="w+")
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log, text=True)
    try:
        _wait_healthy(server, port, log)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        server.terminate()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def _wait_healthy(server: subprocess.Popen, port: int, log: IO[str]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while True:
        if server.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"vllm serve exited with {server.returncode}: {log.read()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"vllm serve not healthy after {STARTUP_TIMEOUT_S} s")
        time.sleep(1)
