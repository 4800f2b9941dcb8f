"""Grow and inspect the labelled judge sets (harness/scoring/judges/labelled.py).

    .venv/bin/python scripts/judge_sets.py add NAME NEW.jsonl [...]   # new items into their halves
    .venv/bin/python scripts/judge_sets.py table NAME [--by style] [--across language]

`add` merges labelled items (each with a unique "id") into the set's two halves, each item in the
half its id hashes to; an id already in the set is an error, so a committed item is never rewritten
by accident. `table` prints the counts per stratum, label and half as a Markdown table.
"""

import argparse
import sys
from collections import Counter
from pathlib import Path

from foundation.errors import InputError
from harness.scoring.judges.labelled import HALVES, Half, half_path, read_half, write_halves
from foundation.jsonl import read_jsonl_objects

LABELS = ("refused", "unsafe")


def existing(name: str) -> list[dict]:
    return [row for half in HALVES if half_path(name, half).is_file() for row in read_half(name, half)]


def add(name: str, files: list[Path]) -> None:
    items = existing(name)
    for path in files:
        items += [row for _, row in read_jsonl_objects(path, '{"id": "...", "prompt": "...", "response": "...", ...}')]
    counts = write_halves(name, items)
    print(f"{name}: " + ", ".join(f"{half} {n}" for half, n in counts.items()))


def table(name: str, by: list[str], across: str | None) -> None:
    """Counts per stratum and label, per half; with `across`, one column per value of that field,
    each cell "dev/test"."""
    halves = {half: read_half(name, half) for half in HALVES}
    label = next(field for field in LABELS if field in halves["test"][0])
    key_fields = [*by, label]

    def key(row: dict) -> tuple[str, ...]:
        return tuple(str(row.get(field)) for field in key_fields)

    counts = {half: Counter((*key(row), str(row.get(across))) for row in rows) for half, rows in halves.items()}
    columns = sorted({k[-1] for c in counts.values() for k in c}) if across else []
    strata = sorted({k[:-1] for c in counts.values() for k in c})

    def cell(stratum: tuple[str, ...], half: Half, column: str | None = None) -> int:
        return sum(n for k, n in counts[half].items() if k[:-1] == stratum and column in (None, k[-1]))

    header = [*key_fields, *columns] if across else [*key_fields, *HALVES]
    header.append("total")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for stratum in strata:
        cells = [f"{cell(stratum, 'dev', c)}/{cell(stratum, 'test', c)}" for c in columns] if across else [str(cell(stratum, h)) for h in HALVES]
        print("| " + " | ".join([*stratum, *cells, str(sum(cell(stratum, h) for h in HALVES))]) + " |")
    sizes = "/".join(str(len(halves[h])) for h in HALVES)
    print("| " + " | ".join(["all", *[""] * (len(header) - 3), sizes, str(sum(map(len, halves.values())))]) + " |")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("add", help="merge new labelled items into the set's halves")
    p.add_argument("name")
    p.add_argument("files", nargs="+", type=Path)
    p = commands.add_parser("table", help="counts per stratum, label and half")
    p.add_argument("name")
    p.add_argument("--by", default="style", help="comma-separated fields to stratify by")
    p.add_argument("--across", help="one column per value of this field, cells dev/test (e.g. language)")
    args = parser.parse_args(argv)
    try:
        if args.command == "add":
            add(args.name, args.files)
        else:
            table(args.name, args.by.split(","), args.across)
    except InputError as e:
        print(e, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
