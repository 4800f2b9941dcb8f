"""The four-option exam CSVs that FinEval (C-Eval's layout) and FinanceIQ (CMMLU's layout) release,
and the plain-text option block both official prompts build."""

from collections.abc import Mapping

from benchmarks.sector.base import LayoutError, ReleaseReader

LETTERS = ("A", "B", "C", "D")


def read_rows(reader: ReleaseReader, relative: str, question: str, answer: str) -> list[dict[str, str]]:
    """Rows with `question`, A-D and `answer` columns (the releases' own names), answers checked."""
    rows = reader.csv_rows(relative)
    where = str(reader.root / relative)
    if rows and not {question, answer, *LETTERS} <= set(rows[0]):
        raise LayoutError([(where, "header", f"expected columns {question}, A-D, {answer}; found {list(rows[0])}", "use the released file unchanged")])
    for number, row in enumerate(rows, start=2):
        if row[answer].strip() not in LETTERS:
            raise LayoutError([(f"{where}: line {number}", answer, f"{row[answer]!r} is not A-D", "score a split that has answers")])
    return rows


def options(row: Mapping[str, str]) -> str:
    return "".join(f"\n{letter}. {row[letter]}" for letter in LETTERS)
