"""README's Layout section is generated from the tree (scripts/readme_layout.py): a module added, moved
or described differently shows up as a difference here."""

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "readme_layout.py"


def test_readme_layout_matches_the_tree() -> None:
    checked = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr


def test_every_module_is_listed_with_its_docstring() -> None:
    lines = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, check=True).stdout.splitlines()
    modules = {line.split()[0]: line for line in lines if line.split() and line.split()[0].endswith(".py")}
    assert {"evaluate.py", "cli.py", "aggregate.py", "plan.py", "registration.py"} <= set(modules)
    assert not [line for line in modules.values() if len(line.split()) == 1], "a module without a docstring"
