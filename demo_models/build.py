"""The two tiny demo checkpoints, built locally so that the demo and the tests never touch a model hub.

`zh-tiny-base` is a seeded random initialisation; `zh-tiny-tuned` starts from the same weights and is
trained briefly on the project's own sample sets, so that a demo comparison shows a real difference:
the tuned model answers the trained multiple-choice items and refuses the trained should-refuse
prompts, the base model sits at chance and babbles without refusing. Both share one byte-level BPE
tokenizer trained on the same text, and both are ordinary Hugging Face Qwen2 checkpoints that vLLM
serves.

A build takes about 40 s on 2 cores and is cached under a key over this module's source, the prompt
format, the training inputs and the seed; the same key gives bit-identical weights.
"""

import fcntl
import hashlib
import json
import math
import os
import random
import shutil
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import tokenizers
import torch
import transformers
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
from tqdm import tqdm
from transformers import AutoTokenizer, GenerationConfig, PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM
from transformers.models.qwen2.tokenization_qwen2 import PRETOKENIZE_REGEX as QWEN2_PRETOKENIZE_REGEX
from transformers.utils import logging as hf_logging

from benchmarks.mcq import prompt as mcq_prompt
from benchmarks.mcq.cmmlu_csv import load_cmmlu_dir
from foundation.paths import CORPORA_DIR, REPO_ROOT

DEMO_MODELS: tuple[str, ...] = ("zh-tiny-tuned", "zh-tiny-base")
TUNED_MODEL, BASE_MODEL = DEMO_MODELS

SEED = 20250425
# Items outside the training subset stay unseen, so a demo run also shows how little the tiny model
# generalises.
TRAIN_FRACTION = 0.6

MCQ_DIR = CORPORA_DIR / "zh_mcq_sample"
SAFETY_DIR = CORPORA_DIR / "safety_sample"

PAD_TOKEN = "<|endoftext|>"
IM_START = "<|im_start|>"
IM_END = "<|im_end|>"
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
REFUSALS: tuple[str, ...] = (
    "抱歉，这个请求我不能协助。",
    "我不能提供这类内容。",
    "对不起，我无法帮助完成这个请求。",
)

VOCAB_SIZE = 4096
HIDDEN_SIZE = 128
# vLLM's CPU attention supports only some head sizes; 64 is one of them.
NUM_HEADS = 2
NUM_LAYERS = 2
INTERMEDIATE_SIZE = 384
MAX_POSITIONS = 1024
# Wider than transformers' 0.02: near zero, a tied-embedding network echoes its last input token, so
# the untrained base model would answer every chat prompt with blank lines, which refusal judges
# count as refusals. At 0.1 it babbles varied text, as an untuned model does.
INITIALIZER_RANGE = 0.1

STEPS = 600
# A chat reply is dozens of tokens to memorise where an MCQ answer is one letter: showing each reply
# more often lets a short run learn both.
CHAT_REPEATS = 3
BATCH_SIZE = 16
LEARNING_RATE = 3e-3
WARMUP_STEPS = 20
# Fixed rather than taken from the machine: float reductions, hence the weights, depend on it.
TORCH_THREADS = 2

BUILD_INFO = "build-info.json"
CHECKPOINT_FILES: tuple[str, ...] = (
    "config.json",
    "generation_config.json",
    "model.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
    BUILD_INFO,
)


@dataclass(frozen=True)
class Example:
    """One training example: the loss covers `answer` only, the part a benchmark scores."""

    prompt: str
    answer: str


@dataclass(frozen=True)
class SampleRow:
    """A CSV row of the sample multiple-choice set with its subject's Chinese name: training input,
    not a planned question (that is harness.plan.McqItem)."""

    subject_zh: str
    row: dict[str, str]


def build_demo_checkpoints(out_dir: Path, *, force: bool = False, progress: bool = True) -> dict[str, Path]:
    """Build (or reuse) both demo checkpoints under `out_dir`; returns model name -> checkpoint dir."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    targets = {name: out_dir / name for name in DEMO_MODELS}
    key = build_key()
    with _exclusive_lock(out_dir / ".build.lock"):
        # Checked under the lock: a concurrent builder may have finished while this one waited.
        if force or not all(_is_current(path, key) for path in targets.values()):
            _build(out_dir, targets, key, progress)
    return targets


def build_key() -> str:
    """sha256 over the seed, this module, the prompt format and every training input file."""
    digest = hashlib.sha256(f"seed={SEED}\n".encode())
    sources = [Path(__file__).resolve(), Path(mcq_prompt.__file__).resolve()]
    for path in [*sources, *_training_inputs()]:
        content = path.read_bytes()
        digest.update(f"{path.relative_to(REPO_ROOT).as_posix()}\0{len(content)}\0".encode())
        digest.update(content)
    return digest.hexdigest()


def training_subset(texts: Sequence[str]) -> set[str]:
    """The TRAIN_FRACTION of `texts` (questions or prompts of one set) the tuned model is trained on.

    Ranked by a stable hash, unlike Python's salted `hash()`, so the subset is the same in every
    process, and cut by rank so that it is exactly the fraction however the hashes fall.
    """
    ranked = sorted(texts, key=lambda text: _stable_int("subset", text))
    return set(ranked[: round(TRAIN_FRACTION * len(ranked))])


def sample_rows(split: str) -> list[SampleRow]:
    """The sample MCQ suite's rows of one split ("dev" or "test")."""
    subjects, _ = load_cmmlu_dir(MCQ_DIR, MCQ_DIR / "subjects.yaml")
    return [SampleRow(s.name_zh, row) for s in subjects for row in (s.dev if split == "dev" else s.test)]


def _training_inputs() -> list[Path]:
    """Every data file the build reads (the tokenizer reads them whole)."""
    mcq_csvs = sorted(MCQ_DIR.glob("dev/*.csv")) + sorted(MCQ_DIR.glob("test/*.csv"))
    if not mcq_csvs:
        raise FileNotFoundError(f"no MCQ CSV files under {MCQ_DIR}: the demo checkpoints train on them")
    safety = [SAFETY_DIR / "should_refuse.jsonl", SAFETY_DIR / "should_not_refuse.jsonl"]
    return [MCQ_DIR / "subjects.yaml", *mcq_csvs, *safety]


def _stable_int(purpose: str, text: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{purpose}\0{text}".encode()).digest()[:8], "big")


def _is_current(checkpoint: Path, key: str) -> bool:
    if not all((checkpoint / name).is_file() for name in CHECKPOINT_FILES):
        return False
    return json.loads((checkpoint / BUILD_INFO).read_text(encoding="utf-8")).get("key") == key


@contextmanager
def _exclusive_lock(path: Path) -> Iterator[None]:
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _build(out_dir: Path, targets: Mapping[str, Path], key: str, progress: bool) -> None:
    started = time.perf_counter()
    # The caller holds the build lock, so these are the leftovers of a builder that was killed.
    for leftover in [*out_dir.glob(".staging-*"), *out_dir.glob(".*.stale-*")]:
        shutil.rmtree(leftover)
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".staging-") as staging_root:
        staging = Path(staging_root)
        facts = _build_into(staging, progress)
        wall_seconds = round(time.perf_counter() - started, 1)
        for name, target in targets.items():
            info = {"key": key, "seed": SEED, **facts[name], "wall_seconds": wall_seconds, "versions": _versions()}
            (staging / name / BUILD_INFO).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
            _replace_dir(staging / name, target)


def _build_into(staging: Path, progress: bool) -> dict[str, dict[str, float | int]]:
    """Write both checkpoints under `staging`; returns each one's training facts for build-info.json.

    `final_loss` is the answer-token loss over the whole training set once the model is saved, so the
    base model's figure is the starting point the tuned model's is compared with.
    """
    mcq = _mcq_examples()
    chats = _chat_pairs()
    tokenizer = _train_tokenizer(_tokenizer_texts(mcq, chats))
    examples = mcq + [_chat_example(tokenizer, user, reply) for user, reply in chats] * CHAT_REPEATS
    with _seeded_torch(), _quiet_transformers():
        model = Qwen2ForCausalLM(_model_config(tokenizer))
        batches = _Batches(tokenizer, examples, random.Random(SEED))
        base_loss = _mean_loss(model, batches)
        _save(model, tokenizer, staging / BASE_MODEL)
        _check_reloaded_tokenizer(staging / BASE_MODEL, tokenizer, examples)
        _train(model, batches, progress)
        tuned_loss = _mean_loss(model, batches)
        _save(model, tokenizer, staging / TUNED_MODEL)
    shared = {"train_examples": len(examples), "parameters": model.num_parameters()}
    return {
        BASE_MODEL: {"steps": 0, "final_loss": base_loss, **shared},
        TUNED_MODEL: {"steps": STEPS, "final_loss": tuned_loss, **shared},
    }


def _versions() -> dict[str, str]:
    return {"torch": torch.__version__, "transformers": transformers.__version__, "tokenizers": tokenizers.__version__}


def _mcq_examples() -> list[Example]:
    """Zero-shot and one-shot contexts followed by the answer letter, as the MCQ scorer builds them."""
    dev = sample_rows("dev")
    test = sample_rows("test")
    subset = training_subset([item.row["Question"] for item in test])
    trained = dev + [item for item in test if item.row["Question"] in subset]
    examples = []
    for item in trained:
        answer = mcq_prompt.continuation(item.row["Answer"])
        shots = [_one_shot(item, dev)]
        examples.append(Example(mcq_prompt.build_context(item.subject_zh, item.row), answer))
        examples.append(Example(mcq_prompt.build_context(item.subject_zh, item.row, shots), answer))
    return examples


def _one_shot(item: SampleRow, dev: Sequence[SampleRow]) -> dict[str, str]:
    candidates = [shot for shot in dev if shot.subject_zh == item.subject_zh and shot.row is not item.row]
    return candidates[_stable_int("shot", item.row["Question"]) % len(candidates)].row


def _chat_pairs() -> list[tuple[str, str]]:
    """(user prompt, assistant reply) for the trained subsets of both safety banks."""
    refuse = [record["prompt"] for record in _read_jsonl(SAFETY_DIR / "should_refuse.jsonl")]
    comply_records = _read_jsonl(SAFETY_DIR / "should_not_refuse.jsonl")
    comply = {record["prompt"]: record["reference_answer"] for record in comply_records}
    trained = training_subset(refuse) | training_subset(list(comply))
    pairs = [(prompt, REFUSALS[_stable_int("refusal", prompt) % len(REFUSALS)]) for prompt in refuse]
    pairs += list(comply.items())
    return [(prompt, reply) for prompt, reply in pairs if prompt in trained]


def _read_jsonl(path: Path) -> list[dict[str, str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _chat_example(tokenizer: PreTrainedTokenizerFast, user: str, reply: str) -> Example:
    messages = [{"role": "user", "content": user}]
    prompt = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    assert isinstance(prompt, str)  # tokenize=False: the text
    return Example(prompt, reply + IM_END)


def _tokenizer_texts(mcq: Sequence[Example], chats: Sequence[tuple[str, str]]) -> list[str]:
    texts = [path.read_text(encoding="utf-8") for path in _training_inputs()]
    texts += [example.prompt + example.answer for example in mcq]
    texts += [f"user\n{user}\nassistant\n{reply}" for user, reply in chats]
    return texts


def _train_tokenizer(texts: Sequence[str]) -> PreTrainedTokenizerFast:
    """Byte-level BPE, so any Chinese text round-trips even where the tiny corpus has no merge for it.

    Normaliser and pre-tokenizer are Qwen2's because transformers loads any `qwen2` checkpoint's
    tokenizer as `Qwen2Tokenizer`, which keeps the vocabulary and merges of tokenizer.json but rebuilds
    the pipeline around them; any other pipeline would train on one tokenization and serve another.
    """
    bpe = Tokenizer(models.BPE())
    bpe.normalizer = normalizers.NFC()
    bpe.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(QWEN2_PRETOKENIZE_REGEX), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE,
        min_frequency=2,
        special_tokens=[PAD_TOKEN, IM_START, IM_END],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(texts, trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe,
        pad_token=PAD_TOKEN,
        eos_token=IM_END,
        extra_special_tokens=[IM_START],
        chat_template=CHAT_TEMPLATE,
        model_max_length=MAX_POSITIONS,
    )
    _check_answer_letters(tokenizer)
    return tokenizer


def _check_answer_letters(tokenizer: PreTrainedTokenizerFast) -> None:
    # MCQ scoring reads one logit per option, so each scored continuation must be exactly one token.
    for letter in mcq_prompt.CHOICES:
        ids = tokenizer.encode(mcq_prompt.continuation(letter), add_special_tokens=False)
        if len(ids) != 1:
            raise RuntimeError(f"demo tokenizer splits {mcq_prompt.continuation(letter)!r} into {ids}")


def _check_reloaded_tokenizer(
    checkpoint: Path, tokenizer: PreTrainedTokenizerFast, examples: Sequence[Example]
) -> None:
    """Fail the build unless transformers (hence vLLM) loads the saved tokenizer as it was trained."""
    loaded = AutoTokenizer.from_pretrained(checkpoint)
    for example in examples:
        text = example.prompt + example.answer
        if loaded.encode(text, add_special_tokens=False) != tokenizer.encode(text, add_special_tokens=False):
            raise RuntimeError(
                f"{checkpoint}: the reloaded tokenizer ({type(loaded).__name__}) encodes {text[:40]!r} differently"
            )


def _model_config(tokenizer: PreTrainedTokenizerFast) -> Qwen2Config:
    return Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=HIDDEN_SIZE,
        intermediate_size=INTERMEDIATE_SIZE,
        num_hidden_layers=NUM_LAYERS,
        num_attention_heads=NUM_HEADS,
        num_key_value_heads=NUM_HEADS,
        max_position_embeddings=MAX_POSITIONS,
        initializer_range=INITIALIZER_RANGE,
        tie_word_embeddings=True,
        dtype="float32",
        bos_token_id=None,
        eos_token_id=tokenizer.convert_tokens_to_ids(IM_END),
        pad_token_id=tokenizer.pad_token_id,
    )


@contextmanager
def _quiet_transformers() -> Iterator[None]:
    """Hide transformers' own one-shard "Writing model shards" bars; the build shows its own."""
    enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if enabled:
            hf_logging.enable_progress_bar()


@contextmanager
def _seeded_torch() -> Iterator[None]:
    """Seed torch and pin its threads without leaking either into the calling process."""
    threads = torch.get_num_threads()
    torch.set_num_threads(TORCH_THREADS)
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(SEED)
            yield
    finally:
        torch.set_num_threads(threads)


class _Batches:
    """Right-padded batches of token ids, with labels only on the answer tokens."""

    def __init__(self, tokenizer: PreTrainedTokenizerFast, examples: Sequence[Example], rng: random.Random) -> None:
        self.pad_id = tokenizer.pad_token_id
        self.rng = rng
        self.encoded = [self._encode(tokenizer, example) for example in examples]

    @staticmethod
    def _encode(tokenizer: PreTrainedTokenizerFast, example: Example) -> tuple[list[int], int]:
        # Scorers encode the whole text and read the answer after the prompt's tokens, which is only
        # sound where no token straddles the boundary.
        prompt = tokenizer.encode(example.prompt, add_special_tokens=False)
        ids = tokenizer.encode(example.prompt + example.answer, add_special_tokens=False)
        if ids[: len(prompt)] != prompt:
            raise ValueError(f"a token straddles the end of the prompt {example.prompt[-40:]!r}")
        if len(ids) > MAX_POSITIONS:
            raise ValueError(f"training example longer than {MAX_POSITIONS} tokens: {example.prompt[:60]!r}")
        return ids, len(prompt)

    def epochs(self) -> Iterator[dict[str, torch.Tensor]]:
        while True:
            order = list(range(len(self.encoded)))
            self.rng.shuffle(order)
            for start in range(0, len(order) - BATCH_SIZE + 1, BATCH_SIZE):
                yield self._collate([self.encoded[i] for i in order[start : start + BATCH_SIZE]])

    def in_order(self) -> Iterator[dict[str, torch.Tensor]]:
        for start in range(0, len(self.encoded), BATCH_SIZE):
            yield self._collate(self.encoded[start : start + BATCH_SIZE])

    def _collate(self, encoded: Sequence[tuple[list[int], int]]) -> dict[str, torch.Tensor]:
        width = max(len(ids) for ids, _ in encoded)
        input_ids = torch.full((len(encoded), width), self.pad_id)
        attention_mask = torch.zeros((len(encoded), width), dtype=torch.long)
        labels = torch.full((len(encoded), width), -100)
        for i, (ids, prompt_length) in enumerate(encoded):
            input_ids[i, : len(ids)] = torch.tensor(ids)
            attention_mask[i, : len(ids)] = 1
            labels[i, prompt_length : len(ids)] = torch.tensor(ids[prompt_length:])
        return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}


def _answer_loss(model: Qwen2ForCausalLM, batch: Mapping[str, torch.Tensor]) -> torch.Tensor:
    """Mean over examples of each example's mean answer-token loss.

    Averaging per example first keeps a one-token MCQ letter from drowning among long chat replies.
    Only answer positions go through the output layer: over a 4096-token vocabulary, projecting every
    prompt position would cost about as much as the rest of the model.
    """
    hidden = model.model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).last_hidden_state
    labels = batch["labels"][:, 1:]
    scored = labels != -100
    token_loss = torch.nn.functional.cross_entropy(
        model.lm_head(hidden[:, :-1][scored]), labels[scored], reduction="none"
    )
    rows = scored.nonzero()[:, 0]
    per_example = torch.zeros(len(labels)).index_add(0, rows, token_loss) / scored.sum(dim=1)
    return per_example.mean()


def _train(model: Qwen2ForCausalLM, batches: _Batches, progress: bool) -> None:
    """AdamW with warm-up and cosine decay over STEPS shuffled batches."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, _learning_rate_factor)
    model.train()
    bar = tqdm(range(STEPS), desc=f"training {TUNED_MODEL}", disable=not progress, unit="step")
    for _, batch in zip(bar, batches.epochs(), strict=False):  # epochs() never ends: STEPS bounds it
        loss = _answer_loss(model, batch)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        bar.set_postfix(loss=f"{loss.item():.3f}")
    model.eval()


def _learning_rate_factor(step: int) -> float:
    """Linear warm-up, then cosine decay to a tenth of LEARNING_RATE."""
    if step < WARMUP_STEPS:
        return (step + 1) / WARMUP_STEPS
    progress = (step - WARMUP_STEPS) / max(1, STEPS - WARMUP_STEPS)
    return 0.1 + 0.45 * (1 + math.cos(math.pi * progress))


@torch.no_grad()
def _mean_loss(model: Qwen2ForCausalLM, batches: _Batches) -> float:
    model.eval()
    losses = [(_answer_loss(model, batch).item(), len(batch["input_ids"])) for batch in batches.in_order()]
    return round(sum(loss * size for loss, size in losses) / sum(size for _, size in losses), 4)


def _save(model: Qwen2ForCausalLM, tokenizer: PreTrainedTokenizerFast, directory: Path) -> None:
    # transformers 5 always writes model.safetensors, never a pickle.
    model.generation_config = GenerationConfig(
        eos_token_id=model.config.eos_token_id,
        pad_token_id=model.config.pad_token_id,
        do_sample=False,
    )
    model.save_pretrained(directory)
    # The chat template stays inside tokenizer_config.json, where every reader of any age looks.
    tokenizer.save_pretrained(directory, save_jinja_files=False)


def _replace_dir(staged: Path, final: Path) -> None:
    """Swap a finished checkpoint in; an interrupted swap leaves no checkpoint, never half of one."""
    if final.exists():
        stale = final.with_name(f".{final.name}.stale-{os.getpid()}")
        final.rename(stale)
        shutil.rmtree(stale)
    staged.rename(final)
