"""Plain-text tables whose columns line up with Chinese text (double-width characters)."""

from collections.abc import Sequence

from wcwidth import wcswidth


def render(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = [list(header), *map(list, rows)]
    widths = [max(wcswidth(line[i]) for line in lines) for i in range(len(header))]
    text = ["  ".join(cell + " " * (w - wcswidth(cell)) for cell, w in zip(line, widths, strict=True)).rstrip() for line in lines]
    text.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(text)
