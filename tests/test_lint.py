"""The code's shape, checked by the tools configured in pyproject.toml: the import-linter contracts
(layers that point one way, the demo trainer outside the runtime), ruff, and mypy (strict on the
public API). A failing check fails this test with the tool's own report."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # this checkout's packages, whatever is installed
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)


def test_import_contracts_are_kept() -> None:
    result = _run(str(BIN / "lint-imports"), "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_ruff_is_clean() -> None:
    result = _run(str(BIN / "ruff"), "check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_is_clean() -> None:
    result = _run(str(BIN / "mypy"))
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr


@pytest.mark.parametrize("layer", ["benchmarks", "registry"])
def test_a_forbidden_import_breaks_a_contract(layer: str, tmp_path: Path) -> None:
    """The contracts can fail: a copy of the tree where a lower layer imports the CLI breaks them."""
    copy = tmp_path / "tree"
    copy.mkdir()
    subprocess.run(["cp", "-r", *(str(ROOT / p) for p in ("foundation", "benchmarks", "registry", "demo_models", "harness", "pyproject.toml")), str(copy)], check=True)
    (copy / layer / "upward.py").write_text('"""An import that points up."""\n\nfrom harness.cli import main\n', encoding="utf-8")
    result = subprocess.run([str(BIN / "lint-imports"), "--no-cache"], cwd=copy, env={**os.environ, "PYTHONPATH": str(copy)}, capture_output=True, text=True)
    assert result.returncode == 1, result.stdout
    assert f"{layer}.upward -> harness.cli" in result.stdout
