"""The one error type for bad input: every problem names the file, the field and the fix."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    file: str
    field: str
    message: str
    fix: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.message} (fix: {self.fix})"


class InputError(Exception):
    """Bad user input; carries every problem found so the user can fix them all at once."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def capped(problems: list[Problem], limit: int = 20) -> list[Problem]:
    """The first `limit` problems and, when there are more, one line saying how many more, so a long
    list stays readable without hiding its length."""
    if len(problems) <= limit:
        return problems
    rest = len(problems) - limit
    last = problems[limit - 1]
    return [*problems[:limit], Problem(last.file, "...", f"and {rest} more problem{'s' if rest > 1 else ''} of this input not shown", "fix the ones above, then run again to see the rest")]


class EngineFailure(Exception):
    """The model engine failed in a way retrying does not mend (out of memory, its process died, the
    endpoint kept failing): what happened, to which model, and what to change. The CLI exits 4."""

    def __init__(self, engine: str, model: str, stage: str, what: str, fix: str) -> None:
        self.engine, self.model, self.stage, self.what, self.fix = engine, model, stage, what, fix
        super().__init__(f"engine {engine} ({model}), {stage}: {what} (fix: {fix})")
