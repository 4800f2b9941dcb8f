"""The code's shape, checked by the tools configured in pyproject.toml: the import-linter contracts
(layers that point one way, the demo trainer outside the runtime), ruff, and mypy (strict on the
public API). A failing check fails this test with the tool's own report."""

import ast
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


# MlflowClient's and the fluent API's writing methods; outside harness/evidence/ none may be called.
MLFLOW_WRITES = {
    "log_metric", "log_metrics", "log_param", "log_params", "log_batch", "set_tag", "set_tags", "delete_tag", "log_artifact",
    "log_artifacts", "log_dict", "log_text", "log_table", "log_figure", "log_image", "log_input", "log_inputs", "log_model",
    "start_run", "end_run", "create_run", "update_run", "set_terminated", "delete_run", "create_experiment", "set_experiment_tag",
    "create_registered_model", "delete_registered_model", "set_registered_model_tag", "set_registered_model_alias",
    "create_model_version", "delete_model_version", "update_model_version", "set_model_version_tag", "transition_model_version_stage",
    "create_logged_model", "finalize_logged_model", "delete_logged_model",
}


def test_mlflow_is_written_only_in_harness_evidence() -> None:
    found = []
    for package in ("foundation", "benchmarks", "registry", "demo_models", "harness", "scripts"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if path.is_relative_to(ROOT / "harness" / "evidence"):
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in MLFLOW_WRITES:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: .{node.func.attr}(...)")
    assert not found, "MLflow writes outside harness/evidence/ (move them behind a function there):\n" + "\n".join(found)


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
