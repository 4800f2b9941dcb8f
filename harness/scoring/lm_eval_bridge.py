"""lm-eval's task machinery driven through our loaded engine (no second model load).

Per-subject task configs are generated at run time, each `include:`-ing lm-eval's own `cmmlu` or
`ceval-valid` template, so prompts, few-shot sampling and the `acc` metric are lm-eval's, not ours.
With a chat template, lm-eval builds the messages and its `hf` model's own `apply_chat_template`
renders them with our engine's tokenizer (`apply_chat_template` / `fewshot_as_multiturn` as on
lm-eval's command line).
"""

import os
import tempfile
from dataclasses import replace
from collections.abc import Sequence
from pathlib import Path

import yaml

from benchmarks.mcq.prompt import Style, description
from benchmarks.mcq.sources import Layout, local_file
from harness.engines import Engine, Sampling
from harness.plan import McqItem
from harness.scoring.multiple_choice import mcq_record
from harness.store import ItemWriter

os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

from lm_eval import simple_evaluate  # noqa: E402  (after the offline switch)
from lm_eval.api.instance import Instance  # noqa: E402
from lm_eval.api.model import LM  # noqa: E402
from lm_eval.models.huggingface import HFLM  # noqa: E402
from lm_eval.tasks import TaskManager  # noqa: E402

TASKS_DIR = Path(simple_evaluate.__code__.co_filename).parent / "tasks"
# layout -> (lm-eval's template, the template's evaluated split, the prompt style)
TEMPLATES: dict[str, tuple[Path, str, Style]] = {
    "cmmlu-csv": (TASKS_DIR / "cmmlu" / "_default_template_yaml", "test", "cmmlu"),
    "ceval-csv": (TASKS_DIR / "ceval" / "_default_ceval_yaml", "val", "ceval"),
}


class EngineLM(LM):
    """An lm-eval model backed by one of our engines."""

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.engine = engine
        self.tokenizer = engine.tokenizer
        self.chat_template_args: dict[str, object] = {}  # what HFLM.apply_chat_template reads

    # lm-eval's own code, so the reference is lm-eval's rendering, not a copy of it.
    apply_chat_template = HFLM.apply_chat_template

    @property
    def tokenizer_name(self) -> str:
        return str(getattr(self.tokenizer, "name_or_path", "engine")).replace("/", "__")

    def loglikelihood(self, requests: list[Instance], disable_tqdm: bool = False) -> list[tuple[float, bool]]:
        results = self.engine.loglikelihood([r.args for r in requests])
        return [(r.logprob, r.is_greedy) for r in results]

    def loglikelihood_rolling(self, requests: list[Instance], disable_tqdm: bool = False) -> list[float]:
        raise NotImplementedError("perplexity tasks are not part of any harness suite")

    def generate_until(self, requests: list[Instance], disable_tqdm: bool = False) -> list[str]:
        texts = []
        for request in requests:
            context, options = request.args
            sampling = Sampling(max_tokens=int(options.get("max_gen_toks", 256)), stop=tuple(options.get("until", ())))
            texts.extend(self.engine.generate([context], sampling))
        return texts


def write_mcq_tasks(
    directory: Path,
    suite: str,
    data_root: Path | None,
    subjects: dict[str, str],
    layout: Layout = "cmmlu-csv",
    hub: tuple[str, str] | None = None,
) -> list[str]:
    """One lm-eval task per subject over a local copy (`data_root`) or a hub (repo, revision);
    returns the task names."""
    template, split, style = TEMPLATES[layout]
    names = []
    for key, name_zh in sorted(subjects.items()):
        task = f"harness_{suite}_{key}"
        config: dict[str, object] = {"include": str(template), "task": task, "description": description(name_zh, style)}
        if data_root is not None:
            files = {name: str(local_file(layout, data_root, name, key)) for name in ("dev", split)}
            config |= {"dataset_path": "csv", "dataset_name": None, "dataset_kwargs": {"data_files": files}}
        elif hub is not None:
            config |= {"dataset_path": hub[0], "dataset_name": key, "dataset_kwargs": {"revision": hub[1]}}
        (directory / f"{task}.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
        names.append(task)
    return names


def score_mcq_with_lm_eval(
    engine: Engine,
    suite: str,
    data_root: Path | None,
    subjects: dict[str, tuple[str, str]],
    items: Sequence[McqItem],
    num_fewshot: int,
    writer: ItemWriter,
    layout: Layout = "cmmlu-csv",
    hub: tuple[str, str] | None = None,
    chat_template: bool = False,
    fewshot_as_multiturn: bool = False,
) -> list[dict]:
    """Score exactly `items` (by doc id) with lm-eval; `subjects` maps key -> (name_zh, category);
    `data_root` is a local copy, else `hub` is (repo, revision); `chat_template` and
    `fewshot_as_multiturn` are lm-eval's --apply_chat_template and --fewshot_as_multiturn."""
    wanted: dict[str, list[int]] = {}
    by_id = {item.id: item for item in items}
    for item in items:
        key, index = item.id.rsplit("/", 1)
        wanted.setdefault(f"harness_{suite}_{key}", []).append(int(index))
    with tempfile.TemporaryDirectory() as tmp:
        write_mcq_tasks(Path(tmp), suite, data_root, {k: v[0] for k, v in subjects.items()}, layout, hub)
        output = simple_evaluate(
            model=EngineLM(engine),
            tasks=sorted(wanted),
            num_fewshot=num_fewshot,
            samples=wanted,
            task_manager=TaskManager(include_path=tmp),
            log_samples=True,
            bootstrap_iters=0,
            apply_chat_template=chat_template,
            fewshot_as_multiturn=chat_template and fewshot_as_multiturn,
        )
    records = []
    for task, samples in sorted(output["samples"].items()):
        key = task.removeprefix(f"harness_{suite}_")
        for sample in sorted(samples, key=lambda s: s["doc_id"]):
            logprobs = [float(resp[0]) for resp in sample["filtered_resps"]]
            prediction = "ABCD"[max(range(len(logprobs)), key=logprobs.__getitem__)]
            item = by_id[f"{key}/{sample['doc_id']}"]
            # lm-eval's own `acc` decides `correct`; the item's subject and rotation are lm-eval's task and 0
            record = mcq_record(replace(item, subject=key, rotation=0, shots=num_fewshot), logprobs, "lm-eval", correct=bool(sample["acc"]), prediction=prediction)
            writer.write(record)
            records.append(record)
    return records
