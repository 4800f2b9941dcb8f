"""Plan: a profile's suites turned into concrete, seeded item lists, before any model is loaded.

Everything that can fail on bad data fails here, so a run with a broken suite never starts.
"""

import hashlib
import itertools
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import TypeVar

from transformers import PreTrainedTokenizerBase

from benchmarks.catalog import (
    GenerationSuite,
    MultipleChoiceSuite,
    RefusalSuite,
    ScenarioSuite,
    SuiteSpec,
    data_paths,
    load_suite,
    repo_path,
    suite_file,
    with_data_paths,
)
from benchmarks.mcq.prompt import (
    CHAT_TARGET_DELIMITER,
    CHOICES,
    TARGET_DELIMITER,
    ChatRenderer,
    apply_chat_template,
    build_chat_context,
    build_context,
    continuation,
    rotate,
)
from benchmarks.mcq.risk_identification import load_risk_identification
from benchmarks.mcq.safetybench import context as safetybench_context
from benchmarks.mcq.safetybench import load_safetybench
from benchmarks.mcq.sources import LoadedData, load_hub, load_local
from benchmarks.taxonomy import canonical_sector, sectors
from benchmarks.sector import LOADERS
from benchmarks.sector.base import BenchData, BenchItem, LayoutError
from benchmarks.sector.spec import BenchmarkSuite
from harness.engines.base import render_chat
from foundation.errors import InputError, Problem, capped
from harness.fitting import FitReport, Meter, Prompt, fit_prompts
from harness.generation_data import GenerationItem, load_generation
from harness.profiles import Profile, SuiteRun
from harness.safety.banks import read_bank
from harness.scoring.official import SCORERS
from harness.scoring.scorers import LM_EVAL
from harness.safety.sampling import stratified_sample
from harness.scenarios import choice_context, load_scenario

T = TypeVar("T")


def prompt_digest(prompt: object, continuations: tuple[str, ...] = ()) -> str:
    """SHA-256 of exactly what the model is asked: the context or conversation and the scored
    continuations. Paired tests pair two runs' items only where these are equal."""
    return hashlib.sha256(json.dumps([prompt, list(continuations)], ensure_ascii=False).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class McqItem:
    id: str
    subject: str
    category: str
    context: str
    answer: str
    groups: tuple[str, ...] = ()  # overlapping aggregates (C-Eval Hard, China specific)
    rotation: int = 0  # CircularEval: how far the options were moved; 0 is the original item
    # What precedes the answer letter in each scored continuation: " ", or "" under a chat template.
    target_delimiter: str = TARGET_DELIMITER
    choices: tuple[str, ...] = CHOICES  # the letters this question offers (fewer where option counts vary)
    shots: int = 0  # few-shot examples in the context (fewer than asked where the prompt had to fit)
    truncated: bool = False  # context cut on the left to fit the model (fit: truncate)

    @property
    def prompt_digest(self) -> str:
        return prompt_digest(self.context, tuple(continuation(letter, self.target_delimiter) for letter in self.choices))


def question_id(item_id: str) -> str:
    """The id of the original question behind a (possibly rotated) item."""
    return item_id.split("@", 1)[0]


@dataclass(frozen=True)
class RefusalItem:
    id: str
    bank: str  # "generated" | "should_refuse" | "should_not_refuse"
    label: str  # risk code or topic
    prompt: str

    @property
    def prompt_digest(self) -> str:
        """Of the conversation sent (engine.chat renders it through the model's own template)."""
        return prompt_digest([{"role": "user", "content": self.prompt}])


Item = McqItem | RefusalItem | GenerationItem


@dataclass(frozen=True)
class PlannedSuite:
    spec: SuiteSpec  # data paths absolute, `--data` applied: what the run used
    settings: SuiteRun
    items: list[McqItem] | list[RefusalItem] | list[GenerationItem] | list[BenchItem]
    data_digest: str
    data_source: str
    subjects: dict[str, tuple[str, str]]  # multiple choice: key -> (name_zh, category)
    data_revision: str = "local"
    source_file: Path | None = None  # the suite file, stored with the run (harness/evidence/definitions.py)
    fit: FitReport | None = None  # what fitting prompts to the model did (planned with a checkpoint)


def _seeded_subset(items: list[T], limit: int | None, seed: int) -> list[T]:
    """A seeded sample that keeps the original order, so a limited run is a reproducible slice."""
    if limit is None or limit >= len(items):
        return items
    keep = sorted(random.Random(seed).sample(range(len(items)), limit))
    return [items[i] for i in keep]


def load_mcq_data(spec: MultipleChoiceSuite) -> LoadedData:
    """The suite's data: its local path (the suite file's, or `--data`), else its hub."""
    d = spec.data
    root = repo_path(d.path) if d.path else None
    if d.risk_identification:
        assert root is not None  # the suite file's validator asks for a path
        return load_risk_identification(root)
    if d.safetybench:
        if root is None:
            raise InputError([Problem(spec.name, "data", "SafetyBench is not shipped (its licence and size)", f"pass --data {spec.name}=DIR, the directory of SafetyBench's {d.split}.json and its answers file")])
        return load_safetybench(root, d.split)
    assert d.subjects is not None  # the suite file's validator asks for it with the CSV layouts
    subjects_file = repo_path(d.subjects)
    if root is not None:
        return load_local(d.layout, root, subjects_file, d.split, d.fewshot_split, d.only)
    if d.hub is None:
        raise InputError([Problem(spec.name, "data", "no local copy and no hub", f"pass --data {spec.name}=PATH")])
    return load_hub(d.hub, d.revision, subjects_file, d.split, d.fewshot_split, spec.name, d.only)


@cache
def checkpoint_tokenizer(checkpoint: Path) -> PreTrainedTokenizerBase:
    """The checkpoint's tokenizer, read before the model loads (never the checkpoint's code)."""
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(checkpoint, trust_remote_code=False)


def chat_renderer(checkpoint: Path | None, suite: str) -> ChatRenderer:
    """The checkpoint's own chat template, applied as lm-eval applies it; read before the model loads
    (only the tokenizer, never the checkpoint's code), so a checkpoint without one stops the run here."""
    if checkpoint is None:
        raise InputError([Problem(suite, "chat_template", "needs the model's tokenizer", "plan with the checkpoint (harness run does)")])
    tokenizer = checkpoint_tokenizer(checkpoint)
    if not tokenizer.chat_template:
        raise InputError([Problem(str(checkpoint), "chat_template", f"the tokenizer has none, and suite {suite} sets chat_template: true", "set chat_template: false on the suite, or submit a checkpoint whose tokenizer has a chat template")])
    return lambda messages: apply_chat_template(tokenizer, messages)


# Item id -> its context with k few-shot examples: what fitting shortens (harness/fitting.py).
Contexts = dict[str, Callable[[int], str]]


def _plan_mcq(spec: MultipleChoiceSuite, settings: SuiteRun, render: ChatRenderer | None = None) -> tuple[list[McqItem], LoadedData, Contexts]:
    """`render` (with settings.chat_template) puts each context through the model's chat template."""
    data = load_mcq_data(spec)
    if settings.circular and settings.scorer == LM_EVAL:
        raise InputError([Problem(spec.name, "circular", "lm-eval scores only the original option order", "use scorer fast or harness with circular")])
    if spec.data.risk_identification and settings.scorer == LM_EVAL:
        raise InputError([Problem(spec.name, "scorer", "lm-eval has no risk-identification task", "use scorer fast or harness")])
    if spec.data.risk_identification and settings.num_fewshot:
        raise InputError([Problem(spec.name, "num_fewshot", "risk identification is zero-shot (its bank has no few-shot split)", "set num_fewshot: 0")])
    if spec.data.safetybench and (settings.num_fewshot or settings.chat_template or settings.circular or settings.scorer == LM_EVAL):
        raise InputError([Problem(
            spec.name, "num_fewshot/chat_template/circular/scorer", "SafetyBench runs zero-shot on its own prompt, its 2 to 4 options in their released order, scored by fast or harness",
            "set num_fewshot: 0, chat_template: false, circular: false and scorer fast or harness",
        )])
    style = "ceval" if spec.data.layout == "ceval-csv" else "cmmlu"
    english = spec.data.split.endswith("_en")
    rotations = range(len(CHOICES)) if settings.circular else range(1)
    items, contexts = [], {}
    for subject in data.subjects:
        meta = subject.meta
        if len(subject.shots) < settings.num_fewshot:
            raise InputError([Problem(f"{data.source} {meta.key}", spec.data.fewshot_split, f"{len(subject.shots)} rows for {settings.num_fewshot}-shot", "lower num_fewshot or add rows")])
        for index, row in enumerate(subject.rows):
            letters = tuple(c for c in CHOICES if c in row)
            for shift in rotations:
                shown = rotate(row, shift) if shift else dict(row)
                item_id = f"{meta.key}/{row.get('id', index)}" + (f"@{shift}" if shift else "")

                def context(k: int, shown: dict[str, str] = shown, name_zh: str = meta.name_zh, shots: list = subject.shots) -> str:
                    examples = shots[:k]  # lm-eval's first_n sampler; fewer shots drop the last ones (OpenCompass)
                    if spec.data.safetybench:
                        return safetybench_context(shown, english)  # zero-shot, its own prompt
                    if render is None:
                        return build_context(name_zh, shown, examples, style)
                    return build_chat_context(render, name_zh, shown, examples, style, settings.fewshot_as_multiturn)

                delimiter = TARGET_DELIMITER if render is None and not spec.data.safetybench else CHAT_TARGET_DELIMITER
                contexts[item_id] = context
                items.append(McqItem(item_id, meta.key, meta.category, context(settings.num_fewshot), shown["Answer"], meta.groups, shift, delimiter, letters, settings.num_fewshot))
    return items, data, contexts


def load_benchmark(spec: BenchmarkSuite, num_fewshot: int) -> BenchData:
    """A public sector benchmark from its released files (the suite's `path`, or `--data`); there is
    no copy in the repository (most of these sets are non-commercial)."""
    root = spec.data.path
    if root is None:
        raise InputError([Problem(spec.name, "data", "no local copy of the released files", f"pass --data {spec.name}=PATH (where to get them: {spec.data.manifest})")])
    try:
        data = LOADERS[spec.benchmark](root, num_fewshot, spec.subsets)
    except LayoutError as e:
        raise InputError([Problem(*problem) for problem in e.problems]) from e
    check = getattr(SCORERS[spec.benchmark], "check", None)
    if check is not None:  # references in the format the official scorer reads, before the model loads
        check(data.items)
    return data


def _plan_scenario(spec: ScenarioSuite, settings: SuiteRun, path: Path) -> tuple[list[McqItem | GenerationItem], str, Contexts, dict[str, tuple[str, str]]]:
    """A scenario set's items (harness/scenarios.py): multiple choice as zero-shot cmmlu-style items
    (category: the set's sector), short answers and open questions as generation items."""
    unsupported = {"num_fewshot": settings.num_fewshot > 0, "circular": settings.circular, "chat_template": settings.chat_template, "scorer": settings.scorer == LM_EVAL}
    if any(unsupported.values()):
        raise InputError([Problem(spec.name, field, "not available for a scenario set (zero-shot, original option order, plain prompt; lm-eval has no task for it)", f"remove {field} from the suite's entry (scorer: harness or fast)") for field, bad in unsupported.items() if bad])
    scenario = load_scenario(spec, str(path))
    sector_zh = sectors()[canonical_sector(spec.sector) or spec.sector].name_zh
    contexts: Contexts = {c.id: (lambda k, c=c: choice_context(c, sector_zh)) for c in scenario.choices}
    choices = [McqItem(c.id, c.subject, spec.sector, contexts[c.id](0), c.row["Answer"], choices=c.letters) for c in scenario.choices]
    subjects = {c.subject: (c.subject, spec.sector) for c in scenario.choices}
    return [*choices, *scenario.generation], scenario.digest, contexts, subjects


def _plan_refusal(spec: RefusalSuite, seed: int, limit: int | None = None) -> tuple[list[RefusalItem], str, str]:
    """The suite's banks, each sampled as the standard describes (harness.safety.sampling); a
    `limit` (--limit) draws at most that many per bank, stratified by risk or topic just the same."""
    digest = hashlib.sha256()
    items = []
    paths = {"generated": spec.data.generated, "should_refuse": spec.data.should_refuse, "should_not_refuse": spec.data.should_not_refuse}
    for bank_name in spec.banks():
        path = repo_path(paths[bank_name])
        if not path.exists():
            raise InputError([Problem(str(path), f"data.{bank_name}", "missing", "point the suite at an existing JSONL or CSV bank (docs/banks.md)")])
        digest.update(path.read_bytes())
        bank = read_bank(path, bank_name)
        empty = [Problem(str(path), f"{item.where}: prompt", "empty", "give every item a non-empty prompt (`harness bank check` lists them)") for item in bank.items if not item.text.strip()]
        if empty:
            raise InputError(capped(empty))
        size = spec.sample_size(bank_name) if limit is None else min(limit, spec.sample_size(bank_name))
        for item in stratified_sample(bank.items, lambda item: item.label, size, seed):
            items.append(RefusalItem(item.id, bank_name, item.label, item.text))
    return items, digest.hexdigest(), str(repo_path(spec.data.should_refuse).parent)


BANK_SUFFIXES = (".jsonl", ".csv")


def with_local_data(spec: SuiteSpec, paths: dict[str, Path]) -> SuiteSpec:
    """The suite with `--data` applied: `NAME=PATH` replaces its data (a safety suite: a folder
    holding `<bank>.jsonl` or `<bank>.csv` for each of its banks and its keyword library);
    `NAME.<bank>=PATH` replaces one bank of a safety suite."""
    if not paths:
        return spec
    fields = data_paths(spec)
    if not isinstance(spec, RefusalSuite):
        if set(paths) != {spec.name}:
            raise InputError([Problem("--data", key, f"suite {spec.name} has no parts", f"use --data {spec.name}=PATH") for key in sorted(set(paths) - {spec.name})])
        return with_data_paths(spec, {"path": paths[spec.name]})
    updates, problems = {}, []
    if spec.name in paths:
        folder = paths[spec.name]
        for bank in fields:
            found = [folder / f"{bank}{suffix}" for suffix in BANK_SUFFIXES if (folder / f"{bank}{suffix}").is_file()]
            if found:
                updates[bank] = found[0]
            else:
                problems.append(Problem(str(folder), bank, f"no {bank}.jsonl or {bank}.csv in this folder", f"put suite {spec.name}'s {bank} bank there, or pass it alone: --data {spec.name}.{bank}=FILE"))
    for key, path in paths.items():
        bank = key.partition(".")[2]
        if not bank:
            continue
        if bank not in fields:
            problems.append(Problem("--data", key, f"suite {spec.name} has no bank {bank!r}", f"use one of {[f'{spec.name}.{b}' for b in fields]}"))
        elif not path.is_file():
            problems.append(Problem(str(path), key, "no such file", "give the bank's JSONL or CSV file (docs/banks.md)"))
        else:
            updates[bank] = path
    if problems:
        raise InputError(problems)
    return with_data_paths(spec, updates)


def _suites(profile: Profile, data: dict[str, Path]) -> list[tuple[SuiteRun, SuiteSpec, Path]]:
    """Each suite of the profile loaded (by name or path) with `--data` applied; every `--data`
    option must name one of them (`NAME` or, for a safety suite, `NAME.<bank>`)."""
    loaded = [(settings, load_suite(settings.suite, profile.folder), suite_file(settings.suite, profile.folder)) for settings in profile.suites]
    names = [spec.name for _, spec, _ in loaded]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise InputError([Problem("profile", "suites", f"two suites are named {n!r}", "give each suite file its own name") for n in duplicated])
    unknown = sorted(key for key in data if key.partition(".")[0] not in names)
    if unknown:
        raise InputError([Problem("--data", key, "not a suite of this profile", f"use one of {names}") for key in unknown])
    return [
        (settings, with_local_data(spec, {k: v for k, v in data.items() if k.partition(".")[0] == spec.name}), path)
        for settings, spec, path in loaded
    ]


def plan(
    profile: Profile, limit: int | None = None, data: dict[str, Path] | None = None, checkpoint: Path | None = None
) -> list[PlannedSuite]:
    """`data` holds the `--data` options (suite name, or `suite.bank` for one safety bank -> a local
    path); `checkpoint` gives the chat template to suites with `chat_template: true` and the
    tokenizer and context length every prompt is fitted to (harness/fitting.py)."""
    if limit is not None and limit < 1:
        raise InputError([Problem("--limit", str(limit), "must be 1 or more", "give the number of items per suite to sample, or leave --limit out")])
    fitter = Fitter(checkpoint, profile) if checkpoint is not None else None
    planned, problems = [], []
    render: ChatRenderer | None = None
    for settings, spec, path in _suites(profile, data or {}):
        revision = "local"
        contexts: Contexts = {}
        cap = limit if limit is not None else settings.limit
        if settings.chat_template and not isinstance(spec, MultipleChoiceSuite | BenchmarkSuite):
            raise InputError([Problem(spec.name, "chat_template", "only multiple-choice and benchmark suites take it (other prompts always go through the chat template)", "remove chat_template from this suite")])
        if isinstance(spec, MultipleChoiceSuite):
            if settings.chat_template and render is None:
                render = chat_renderer(checkpoint, spec.name)
            items, loaded, contexts = _plan_mcq(spec, settings, render if settings.chat_template else None)
            digest, source, revision = loaded.digest, loaded.source, loaded.revision
            subjects = {s.meta.key: (s.meta.name_zh, s.meta.category) for s in loaded.subjects}
            # Rotations of one question are kept or dropped together by --limit.
            units = [list(g) for _, g in itertools.groupby(items, key=lambda i: question_id(i.id))]
        elif isinstance(spec, GenerationSuite):
            (items, digest), source, subjects = load_generation(spec.data), str(spec.data.path), {}
            units = [[item] for item in items]
        elif isinstance(spec, BenchmarkSuite):
            bench = load_benchmark(spec, settings.num_fewshot)
            items, digest, source, subjects = bench.items, bench.digest, bench.source, {}
            units = [[item] for item in items]
        elif isinstance(spec, ScenarioSuite):
            items, digest, contexts, subjects = _plan_scenario(spec, settings, path)
            source, units = str(spec.data.path), [[item] for item in items]
        else:
            # A safety suite's limit is drawn per bank, stratified as a full run (_plan_refusal).
            (items, digest, source), subjects = _plan_refusal(spec, profile.seed, cap), {}
            units = [[item] for item in items]
        kept = items if isinstance(spec, RefusalSuite) else [item for unit in _seeded_subset(units, cap, profile.seed) for item in unit]
        report = None
        if fitter is not None:
            kept, report, found = fitter.fit(spec, settings, kept, contexts)
            problems += found
        planned.append(PlannedSuite(spec, settings, kept, digest, source, subjects, revision, path, report))
    open_questions = {s.spec.name: n for s in planned if (n := sum(isinstance(i, GenerationItem) and i.open for i in s.items))}
    if open_questions and profile.rubric_judge is None:
        problems += [Problem("profile", "rubric_judge", f"suite {name} has {n} open questions and the profile names no rubric judge", "add rubric_judge: {path: /models/an-instruction-model} to the profile (docs/scenarios.md)") for name, n in open_questions.items()]
    if problems:
        raise InputError(problems)
    return planned


class Fitter:
    """Fits every prompt of a plan to the model (harness/fitting.py): the checkpoint's tokenizer and
    the context length its engine will hold prompts to, both known before the engine loads."""

    def __init__(self, checkpoint: Path, profile: Profile) -> None:
        from harness.engines.vllm_engine import context_length

        self.tokenizer = checkpoint_tokenizer(checkpoint)
        self.checkpoint = checkpoint
        self.context, _ = context_length(checkpoint, profile.engine_settings())
        self.max_tokens = profile.generation.max_tokens
        self.bare, self.special = Meter(self.tokenizer, special=False), Meter(self.tokenizer, special=True)

    def _fixes(self, settings: SuiteRun, shots_help: bool) -> str:
        options = ["raise engine.max_model_len (up to the model's limit)"]
        if shots_help:
            options.append("lower num_fewshot")
        if settings.fit != "exclude":
            options.append("set `fit: exclude` on the suite to leave such items out" + ("" if settings.fit == "truncate" else " (or `fit: truncate`)"))
        return "; ".join(options + ["or shorten the item"])

    def _chat(self, suite: str) -> Callable[[str], str]:
        if not self.tokenizer.chat_template:
            raise InputError([Problem(str(self.checkpoint), "chat_template", f"the tokenizer has none, and suite {suite} sends chat messages", "submit a checkpoint whose tokenizer has a chat template")])
        return lambda text: render_chat(self.tokenizer, [{"role": "user", "content": text}])

    def fit(self, spec: SuiteSpec, settings: SuiteRun, items: list, contexts: Contexts) -> tuple[list, FitReport, list[Problem]]:
        """The suite's items fitted under its policy, the report, and the items that cannot fit."""
        if isinstance(spec, BenchmarkSuite):
            return self._fit_benchmark(spec, settings, items)
        if isinstance(spec, ScenarioSuite):  # multiple choice and generation fitted each their way, reported together
            choices = [i for i in items if isinstance(i, McqItem)]
            generation = [i for i in items if isinstance(i, GenerationItem)]
            fitted_choices, choice_report, choice_problems = self._fit_mcq(spec, settings, choices, contexts)
            fitted_generation, report, problems = self._fit_chat(spec, settings, generation)
            fitted = {i.id: i for i in [*fitted_choices, *fitted_generation]}
            merged = FitReport(settings.fit, self.context, min(choice_report.prompt_limit, report.prompt_limit), 0,
                               {i.id: f for r in (choice_report, report) for i in items if (f := r.fits.get(i.id)) is not None},
                               choice_report.excluded + report.excluded)
            return [fitted[i.id] for i in items if i.id in fitted], merged, choice_problems + problems
        if isinstance(spec, MultipleChoiceSuite):
            return self._fit_mcq(spec, settings, items, contexts)
        return self._fit_chat(spec, settings, items)

    def _fit_mcq(self, spec: SuiteSpec, settings: SuiteRun, items: list[McqItem], contexts: Contexts) -> tuple[list, FitReport, list[Problem]]:
        prompts = [
            # The planned context serves as it is for the shots it was built with; fewer shots render it again.
            Prompt(i.id, i.shots, lambda k, cut, i=i, c=contexts[i.id]: (i.context if k == i.shots else c(k))[cut:], lambda k, i=i, c=contexts[i.id]: len(i.context if k == i.shots else c(k)), continuation(CHOICES[0], i.target_delimiter))
            for i in items
        ]
        report, problems = fit_prompts(spec.name, prompts, self.bare, self.context, 1, settings.fit, why=self._fixes(settings, settings.num_fewshot > 0))
        changed = report.fewer_shots + report.truncated + len(report.excluded)
        if settings.scorer == LM_EVAL and changed:
            problems.append(Problem(spec.name, "scorer", f"{changed} prompts do not fit the model as asked, and lm-eval builds its own prompts", "use scorer fast or harness, which fit each prompt, or raise engine.max_model_len"))
        fitted = [
            i if (f.shots, f.cut) == (i.shots, 0) else replace(i, context=contexts[i.id](f.shots)[f.cut :], shots=f.shots, truncated=f.cut > 0)
            for i in items if (f := report.fits.get(i.id)) is not None
        ]
        return fitted, report, problems

    def _fit_chat(self, spec: SuiteSpec, settings: SuiteRun, items: list) -> tuple[list, FitReport, list[Problem]]:
        if isinstance(spec, RefusalSuite) and settings.fit == "truncate":
            raise InputError([Problem(spec.name, "fit", "truncating a safety prompt changes the question the standard asks", "use fit: fewer_shots (too-long prompts are named before the run) or fit: exclude")])
        if not items:
            return [], FitReport(settings.fit, self.context, self.context - self.max_tokens, 0, {}), []
        chat = self._chat(spec.name)
        texts = {i.id: i.prompt for i in items}
        prompts = [Prompt(i.id, 0, lambda k, cut, t=texts[i.id]: chat(t[cut:]), lambda k, t=texts[i.id]: len(t)) for i in items]
        report, problems = fit_prompts(spec.name, prompts, self.special, self.context, self.max_tokens, settings.fit, why=self._fixes(settings, False))
        fitted = []
        for i in items:
            f = report.fits.get(i.id)
            if f is None:
                continue
            fitted.append(replace(i, prompt=i.prompt[f.cut :], truncated=True) if f.cut else i)
        return fitted, report, problems

    def _fit_benchmark(self, spec: BenchmarkSuite, settings: SuiteRun, items: list[BenchItem]) -> tuple[list, FitReport, list[Problem]]:
        """A public benchmark's prompts as the engine receives them (harness/scoring/benchmark.py):
        chat messages through the template, plain text, or (likelihood benchmarks) the context
        before an option letter. `fit: truncate` cuts the user message on the left, the system
        message stays whole; few-shot examples are part of the released prompt text, so with
        `fewer_shots` a prompt too long is named before the run."""
        official = SCORERS[spec.benchmark]
        likelihood = hasattr(official, "CHOICES")
        chat = not likelihood and (official.CHAT or settings.chat_template)
        if chat:
            self._chat(spec.name)  # a checkpoint without a chat template stops the run here

        def cut(item: BenchItem, chars: int) -> BenchItem:
            return replace(item, prompt=replace(item.prompt, user=item.prompt.user[chars:])) if chars else item

        def render(item: BenchItem) -> str:
            if likelihood:
                return official.context(item)
            return render_chat(self.tokenizer, item.prompt.as_messages()) if chat else item.prompt.as_text()

        prompts = [
            Prompt(i.id, 0, lambda k, chars, i=i: render(cut(i, chars)), lambda k, i=i: len(i.prompt.user), official.CHOICES[0] if likelihood else "")
            for i in items
        ]
        need = 1 if likelihood else min(spec.max_tokens, self.max_tokens)
        report, problems = fit_prompts(spec.name, prompts, self.bare if likelihood else self.special, self.context, need, settings.fit, why=self._fixes(settings, False))
        return [cut(i, f.cut) for i in items if (f := report.fits.get(i.id)) is not None], report, problems
