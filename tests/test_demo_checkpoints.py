"""The bundled demo checkpoints: complete, cached, scoreable, and measurably different."""

import json
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from benchmarks.mcq.prompt import CHOICES, build_context, continuation
from demo_models.build import (
    BASE_MODEL,
    BUILD_INFO,
    DEMO_MODELS,
    TUNED_MODEL,
    SampleRow,
    build_demo_checkpoints,
    build_key,
    sample_rows,
    training_subset,
)
from foundation.paths import demo_models_dir

# Rare characters that the tiny corpus cannot have merges for: byte-level BPE must still round-trip them.
CHINESE_TEXT = "以下是关于交通法规的单项选择题。醉驾罚款2000元；饕餮、魑魅魍魉、𠀀。"


def test_checkpoints_are_complete_hugging_face_directories(demo_checkpoints: dict[str, Path]) -> None:
    assert set(demo_checkpoints) == set(DEMO_MODELS)
    for name, checkpoint in demo_checkpoints.items():
        assert checkpoint == demo_models_dir() / name
        for file in ("config.json", "generation_config.json", "model.safetensors", "tokenizer.json", BUILD_INFO):
            assert (checkpoint / file).is_file(), f"{name}: {file} missing"
        tokenizer_config = json.loads((checkpoint / "tokenizer_config.json").read_text(encoding="utf-8"))
        assert "<|im_start|>" in tokenizer_config["chat_template"]
        config = json.loads((checkpoint / "config.json").read_text(encoding="utf-8"))
        assert config["model_type"] == "qwen2" and config["hidden_size"] // config["num_attention_heads"] == 64
        info = json.loads((checkpoint / BUILD_INFO).read_text(encoding="utf-8"))
        assert info["key"] == build_key() and info["parameters"] > 0


def test_second_build_reuses_the_cache(demo_checkpoints: dict[str, Path]) -> None:
    before = {name: (path / BUILD_INFO).read_text(encoding="utf-8") for name, path in demo_checkpoints.items()}
    again = build_demo_checkpoints(demo_models_dir(), progress=False)
    assert again == demo_checkpoints
    assert {name: (path / BUILD_INFO).read_text(encoding="utf-8") for name, path in again.items()} == before


def test_tokenizer_round_trips_chinese_and_keeps_answer_letters_whole(demo_checkpoints: dict[str, Path]) -> None:
    tokenizer = AutoTokenizer.from_pretrained(demo_checkpoints[TUNED_MODEL])
    assert tokenizer.decode(tokenizer.encode(CHINESE_TEXT, add_special_tokens=False)) == CHINESE_TEXT
    for letter in CHOICES:
        assert len(tokenizer.encode(continuation(letter), add_special_tokens=False)) == 1
    messages = [{"role": "user", "content": "你好"}]
    chat = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    assert chat == "<|im_start|>user\n你好<|im_end|>\n<|im_start|>assistant\n"
    assert tokenizer.eos_token == "<|im_end|>" and tokenizer.pad_token == "<|endoftext|>"


def test_tuned_model_beats_base_model_on_trained_items(demo_checkpoints: dict[str, Path]) -> None:
    test = sample_rows("test")
    trained = training_subset([item.row["Question"] for item in test])
    items = [item for item in test if item.row["Question"] in trained]
    accuracy = {name: _zero_shot_accuracy(demo_checkpoints[name], items) for name in DEMO_MODELS}
    assert accuracy[TUNED_MODEL] - accuracy[BASE_MODEL] >= 0.25, accuracy


def _zero_shot_accuracy(checkpoint: Path, items: list[SampleRow]) -> float:
    """Share of items whose answer letter has the highest next-token logit of the four letters."""
    tokenizer = AutoTokenizer.from_pretrained(checkpoint)
    model = AutoModelForCausalLM.from_pretrained(checkpoint).eval()
    letter_ids = [tokenizer.encode(continuation(letter), add_special_tokens=False)[0] for letter in CHOICES]
    right = 0
    with torch.no_grad():
        for item in items:
            context = build_context(item.subject_zh, item.row)
            ids = tokenizer.encode(context, add_special_tokens=False, return_tensors="pt")
            logits = model(ids).logits[0, -1, letter_ids]
            right += CHOICES[int(logits.argmax())] == item.row["Answer"]
    return right / len(items)
