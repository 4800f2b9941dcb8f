"""README's "Layout" section, generated from the tree: every package and module with the first sentence
of its docstring, the data folders by what they hold. tests/test_readme_layout.py checks that README
matches this output, so a module added or moved shows up in the README or fails the tests.

    .venv/bin/python scripts/readme_layout.py           # print the section's code block
    .venv/bin/python scripts/readme_layout.py --write   # replace it in README.md
    .venv/bin/python scripts/readme_layout.py --check   # exit 1 when README's block differs
"""

import argparse
import ast
import re
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
PACKAGES = ("foundation", "benchmarks", "registry", "demo_models", "harness")  # bottom layer first
NAME_WIDTH = 34
TEXT_WIDTH = 110
FENCE = "```"


def first_sentence(text: str) -> str:
    """The docstring's first sentence, on one line, cut at a word before TEXT_WIDTH."""
    paragraph = " ".join(text.strip().split("\n\n")[0].split())
    match = re.search(r"(?<!e\.g)(?<!i\.e)\.\s", paragraph)
    sentence = (paragraph[: match.start()] if match else paragraph).rstrip(".")
    if len(sentence) > TEXT_WIDTH:
        sentence = sentence[: TEXT_WIDTH - 1].rsplit(" ", 1)[0] + "…"
    return sentence


def docstring(path: Path) -> str:
    return ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""


def _line(depth: int, name: str, text: str) -> str:
    label = "  " * depth + name
    return f"{label:<{NAME_WIDTH}} {text}".rstrip() if text else label


def _data_summary(folder: Path) -> str:
    files = sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    kinds = sorted({p.suffix or p.name for p in files})
    return f"{len(files)} data file{'s' if len(files) != 1 else ''} ({', '.join(kinds)})"


def package_lines(folder: Path, depth: int = 0) -> list[str]:
    """A package, its modules and subpackages; folders without Python are summarised as data."""
    init = folder / "__init__.py"
    lines = [_line(depth, f"{folder.name}/", first_sentence(docstring(init)) if init.exists() else "")]
    for path in sorted(folder.iterdir()):
        if path.name.startswith((".", "__pycache__")) or path.name == "__init__.py":
            continue
        if path.is_dir():
            has_python = any(path.rglob("*.py"))
            lines += package_lines(path, depth + 1) if has_python else [_line(depth + 1, f"{path.name}/", _data_summary(path))]
        elif path.suffix == ".py":
            lines.append(_line(depth + 1, path.name, first_sentence(docstring(path))))
    data = sorted(p.name for p in folder.iterdir() if p.is_file() and p.suffix != ".py")
    if data:
        lines.append(_line(depth + 1, "(files)", ", ".join(data)))
    return lines


def _wrapped(name: str, text: str) -> list[str]:
    first, *rest = textwrap.wrap(text, TEXT_WIDTH, break_on_hyphens=False) or [""]
    return [_line(0, name, first), *(_line(0, "", more) for more in rest)]


def _heading(path: Path) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return ""


def other_lines() -> list[str]:
    lines: list[str] = []
    lines += _wrapped("configs/", "run profiles: " + ", ".join(sorted(p.name for p in (ROOT / "configs").glob("*.yaml"))))
    lines += _wrapped("corpora/", "project-written samples and external benchmark manifests: " + ", ".join(sorted(f"{p.name}/" for p in (ROOT / "corpora").iterdir() if p.is_dir())))
    lines.append(_line(0, "docs/", ""))
    lines += [_line(1, p.name, _heading(p)) for p in sorted((ROOT / "docs").glob("*.md"))]
    lines += _wrapped("notebooks/", ", ".join(sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))))
    lines += package_lines(ROOT / "scripts")
    lines.append(_line(0, "tests/", f"pytest; {first_sentence(docstring(ROOT / 'tests' / 'conftest.py'))}"))
    return lines


def layout() -> str:
    lines = [line for package in PACKAGES for line in package_lines(ROOT / package)] + other_lines()
    return "\n".join([FENCE, *lines, FENCE]) + "\n"


def readme_block(text: str) -> tuple[int, int]:
    """Start and end offsets of the code block under README's "## Layout" heading."""
    heading = text.index("\n## Layout\n")
    start = text.index(FENCE, heading)
    end = text.index(FENCE + "\n", start + len(FENCE)) + len(FENCE) + 1
    return start, end


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="replace the Layout block in README.md")
    mode.add_argument("--check", action="store_true", help="exit 1 when README's Layout block differs from the tree")
    args = parser.parse_args()
    block = layout()
    if not (args.write or args.check):
        sys.stdout.write(block)
        return 0
    text = README.read_text(encoding="utf-8")
    start, end = readme_block(text)
    if args.check:
        if text[start:end] == block:
            return 0
        print("README.md's Layout block differs from the tree: run .venv/bin/python scripts/readme_layout.py --write", file=sys.stderr)
        return 1
    README.write_text(text[:start] + block + text[end:], encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
