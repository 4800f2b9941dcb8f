"""Run profiles (configs/*.yaml): which suites, with which engine settings, seed and sampling."""

import hashlib
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import AfterValidator, Field, PrivateAttr, ValidationError

from foundation.schema import Strict
from harness.engines import ENGINE_NAMES, EngineSettings, Sampling
from harness.engines.base import DEFAULT_MAX_RETRIES, max_retries_from_env
from foundation.errors import InputError, Problem
from harness.fitting import FitPolicy
from harness.scoring.judges.registry import Decision, judges_deciding
from harness.scoring.scorers import McqScorerName
from foundation.paths import CONFIGS_DIR
from foundation.user_files import decode, read_bytes


class EngineConfig(Strict):
    name: str = "vllm"
    dtype: str = "auto"
    max_model_len: int = Field(2048, gt=0)
    extra: dict[str, object] = {}
    # Endpoint engines: retries of a timed-out, dropped or 5xx request (EngineSettings.max_retries).
    max_retries: int = Field(DEFAULT_MAX_RETRIES, ge=0, le=100)


class GenerationConfig(Strict):
    max_tokens: int = Field(256, gt=0)
    temperature: float = Field(0.0, ge=0.0)
    top_p: float = Field(1.0, gt=0.0, le=1.0)


class SuiteRun(Strict):
    # A suite of benchmarks/suites/ by name, or a suite file by path (relative to the profile's folder).
    suite: str
    num_fewshot: int = Field(0, ge=0, le=5)
    # harness: option log-likelihoods; fast: one next-token request per item; lm-eval: lm-eval's tasks.
    scorer: McqScorerName = "harness"
    circular: bool = False  # CircularEval: every option rotation must be answered right
    limit: int | None = Field(None, gt=0)
    # Multiple choice: the prompt through the model's chat template, as lm-eval's --apply_chat_template.
    chat_template: bool = False
    # With chat_template: few-shot examples as user/assistant turns (lm-eval's default once the chat
    # template is on, --fewshot_as_multiturn); false puts them and the question in one user message.
    fewshot_as_multiturn: bool = True
    # A prompt longer than the model's context allows (harness/fitting.py): fewer few-shot examples
    # for the items that need it (OpenCompass), lm-eval's left truncation, or the item left out.
    fit: FitPolicy = "fewer_shots"


class JudgeModelConfig(Strict):
    """A judge model (harness/scoring/judges/model.py): `guard`, a guard model such as Qwen3Guard-Gen
    read in its response-moderation format, or `rubric`, an instruction model answering the rubric
    with JSON. Loaded after the target model is released. A path, not a registered model: judges are
    the evaluator's tools, not submissions."""

    path: Path
    kind: Literal["guard", "rubric"] = "guard"
    engine: Literal["vllm", "hf"] = "vllm"
    dtype: str = "auto"
    max_model_len: int = Field(4096, gt=0)
    max_tokens: int = Field(64, gt=0)  # Qwen3Guard's three lines; the rubric's JSON object


def _judge_chain(decision: Decision) -> AfterValidator:
    """A judging chain of judges that make `decision`, by their names in the judge registry."""

    def check(chain: list[str]) -> list[str]:
        allowed = judges_deciding(decision)
        if unknown := [name for name in chain if name not in allowed]:
            raise ValueError(f"{', '.join(unknown)}: no {decision} judge of that name; the {decision} judges are {', '.join(allowed)}")
        return chain

    return AfterValidator(check)


RefusalChain = Annotated[list[str], _judge_chain("refusal")]
ContentChain = Annotated[list[str], _judge_chain("content")]


class JudgingConfig(Strict):
    """The combining policy (harness/scoring/judging.py). `refusal`: judges in order (`rule`, the
    trained `classifier` for machines without a judge model, `model`, `human`); an item's refusal
    verdict is the first decided one, `human` last means what the machine judges leave undecided or
    disagree on goes to human review. `content`: the generated-content judges; an item
    passes only if every one passes it. `controversial`: what a guard's "Controversial" counts as.
    `disagreement`: where decided refusal judges disagree, `strong` takes the first strong decision and
    leaves the item undecided where none is strong, `first` takes the first strong else the first weak
    one, `undecided` leaves every disagreement undecided (judging.settle).
    Left out: classifier, then rules, then human (rules, model judge, human when judge_model is set);
    the suite's content judges (and the model judge), then human; Controversial undecided; disagreement strong."""

    refusal: RefusalChain | None = None
    content: ContentChain | None = None
    controversial: Literal["unsafe", "safe", "undecided"] = "undecided"
    disagreement: Literal["strong", "first", "undecided"] = "strong"


class RubricJudgeConfig(JudgeModelConfig):
    """An instruction model for open questions: its verdict is a JSON object with a reason."""

    max_tokens: int = Field(256, gt=0)


class Profile(Strict):
    name: str
    description: str = ""
    seed: int = 0
    engine: EngineConfig = EngineConfig()
    generation: GenerationConfig = GenerationConfig()
    suites: list[SuiteRun] = Field(min_length=1)
    judge_model: JudgeModelConfig | None = None  # the model judge of `judging` (see JudgingConfig)
    judging: JudgingConfig = JudgingConfig()
    # An instruction model that judges open questions against their rubric (harness/scoring/judges/rubric.py).
    rubric_judge: RubricJudgeConfig | None = None
    _source: Path | None = PrivateAttr(default=None)  # the file it was read from: suite paths are relative to its folder

    @property
    def folder(self) -> Path | None:
        return self._source.parent if self._source else None

    def engine_settings(self, max_retries: int | None = None) -> EngineSettings:
        """`max_retries` (--max-retries) overrides HARNESS_ENGINE_MAX_RETRIES, which overrides engine.max_retries."""
        retries = next(r for r in (max_retries, max_retries_from_env(), self.engine.max_retries) if r is not None)
        return EngineSettings(
            dtype=self.engine.dtype, max_model_len=self.engine.max_model_len, seed=self.seed, extra=dict(self.engine.extra), max_retries=retries
        )

    def sampling(self) -> Sampling:
        g = self.generation
        return Sampling(max_tokens=g.max_tokens, temperature=g.temperature, top_p=g.top_p, seed=self.seed)


def available_profiles() -> list[str]:
    return sorted(p.stem for p in CONFIGS_DIR.glob("*.yaml"))


def profile_path(name_or_path: str) -> Path:
    candidate = Path(name_or_path)
    if candidate.suffix in (".yaml", ".yml"):
        return candidate
    return CONFIGS_DIR / f"{name_or_path}.yaml"


def load_profile(name_or_path: str) -> tuple[Profile, str]:
    """The profile and the SHA-256 of its file (recorded with the run)."""
    path = profile_path(name_or_path)
    data = read_bytes(path, "PROFILE", f"a profile YAML file, or the name of one of {available_profiles()}")
    try:
        profile = Profile.model_validate(yaml.safe_load(decode(data, path, "PROFILE")))
    except ValidationError as e:
        raise InputError(
            [Problem(str(path), ".".join(map(str, err["loc"])), err["msg"], "see configs/demo.yaml for the schema") for err in e.errors()]
        ) from e
    except (yaml.YAMLError, ValueError, RecursionError) as e:
        # PyYAML raises ValueError for impossible dates (2026-02-30) and recurses on deep nesting.
        raise InputError([Problem(str(path), "-", f"not valid YAML ({e})", "fix the YAML syntax")]) from e
    if profile.engine.name not in ENGINE_NAMES:
        raise InputError([Problem(str(path), "engine.name", f"unknown engine {profile.engine.name!r}", f"use one of {ENGINE_NAMES}")])
    profile._source = path.resolve()
    return profile, hashlib.sha256(data).hexdigest()
