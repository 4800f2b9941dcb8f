"""The multiple-choice prompt, identical to lm-eval's `cmmlu` and `ceval-valid` tasks.

lm-eval builds a context as: description + each few-shot example (question text, the target
delimiter, its answer letter) joined by the few-shot delimiter + the question text. Our fast
path must build byte-identical strings so its scores compare with lm-eval's; a test checks
this against lm-eval's own task objects.

With a chat template (lm-eval's `--apply_chat_template`; lm-eval 0.4.13, `fewshot_context` and
`construct_requests` in lm_eval/api/task.py): the description becomes the system message; with
`--fewshot_as_multiturn` (lm-eval's default once the chat template is on) each few-shot example
is a user turn (its question text) and an assistant turn (its letter), else the examples and the
question are one user message (the plain context without the description); the messages go
through the tokenizer's chat template with the generation prompt added, and the scored
continuation is the bare letter: lm-eval drops the target delimiter (no `gen_prefix` here).
"""

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

CHOICES: tuple[str, ...] = ("A", "B", "C", "D")
TARGET_DELIMITER = " "
CHAT_TARGET_DELIMITER = ""  # lm-eval drops the target delimiter when a chat template is applied
FEWSHOT_DELIMITER = "\n\n"

# Which lm-eval task family a suite's prompt copies; the two differ only in the description.
Style = Literal["cmmlu", "ceval"]


def description(subject_zh: str, style: Style = "cmmlu") -> str:
    if style == "ceval":
        return f"以下是中国关于{subject_zh}的单项选择题，请选出其中的正确答案。\n\n"
    return f"以下是关于{subject_zh}的单项选择题，请直接给出正确答案的选项。\n\n"


def question_text(row: Mapping[str, str]) -> str:
    return (
        f"{row['Question'].strip()}\n"
        f"A. {row['A']}\nB. {row['B']}\nC. {row['C']}\nD. {row['D']}\n答案："
    )


def _examples(row: Mapping[str, str], shots: Sequence[Mapping[str, str]]) -> str:
    examples = [question_text(shot) + TARGET_DELIMITER + shot["Answer"] for shot in shots]
    examples.append(question_text(row))
    return FEWSHOT_DELIMITER.join(examples)


def build_context(
    subject_zh: str, row: Mapping[str, str], shots: Sequence[Mapping[str, str]] = (), style: Style = "cmmlu"
) -> str:
    return description(subject_zh, style) + _examples(row, shots)


Message = dict[str, str]
# Renders messages to the prompt string (the generation prompt added): see apply_chat_template.
ChatRenderer = Callable[[list[Message]], str]


def chat_messages(
    subject_zh: str, row: Mapping[str, str], shots: Sequence[Mapping[str, str]] = (), style: Style = "cmmlu", multiturn: bool = True
) -> list[Message]:
    """The messages lm-eval hands to the chat template (see the module docstring)."""
    system = {"role": "system", "content": description(subject_zh, style)}
    if not multiturn:
        return [system, {"role": "user", "content": _examples(row, shots)}]
    turns = [system]
    for shot in shots:
        turns += [{"role": "user", "content": question_text(shot)}, {"role": "assistant", "content": shot["Answer"]}]
    return [*turns, {"role": "user", "content": question_text(row)}]


def apply_chat_template(tokenizer: Any, messages: list[Message]) -> str:
    """What lm-eval's `hf` model does with a chat template (HFLM.apply_chat_template, no extra
    template arguments): render with the generation prompt; a template that rejects the system
    role (a jinja TemplateError) is rendered again without the system message, so the description
    is then dropped, as in lm-eval."""
    import jinja2

    kwargs = {"tokenize": False, "add_generation_prompt": True, "continue_final_message": False}
    try:
        return tokenizer.apply_chat_template(messages, **kwargs)
    except jinja2.exceptions.TemplateError:
        return tokenizer.apply_chat_template([m for m in messages if m["role"] != "system"], **kwargs)


def build_chat_context(
    render: ChatRenderer,
    subject_zh: str,
    row: Mapping[str, str],
    shots: Sequence[Mapping[str, str]] = (),
    style: Style = "cmmlu",
    multiturn: bool = True,
) -> str:
    return render(chat_messages(subject_zh, row, shots, style, multiturn))


def rotate(row: Mapping[str, str], shift: int) -> dict[str, str]:
    """The row with its option texts moved `shift` places down (A->B, ..., D->A when shift is 1),
    the answer letter following its text: CircularEval's rotations."""
    n = len(CHOICES)
    rotated = dict(row)
    for i, letter in enumerate(CHOICES):
        rotated[CHOICES[(i + shift) % n]] = row[letter]
    rotated["Answer"] = CHOICES[(CHOICES.index(row["Answer"]) + shift) % n]
    return rotated


def continuation(letter: str, delimiter: str = TARGET_DELIMITER) -> str:
    """The scored continuation for one option, as lm-eval appends it to the context: the target
    delimiter and the letter; with a chat template the delimiter is "" (CHAT_TARGET_DELIMITER)."""
    return delimiter + letter
