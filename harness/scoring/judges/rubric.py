"""Open questions judged against their rubric by an instruction model, run through the engine layer
after the target model is released (harness/scoring/generation.py calls `judge_open`).

The judge reads the question, the rubric and the answer, and must answer with one JSON object and
nothing else: `{"verdict": "pass" | "fail", "reason": "..."}`. Parsing is strict, with the same
discipline as the safety rubric judge (harness/scoring/judges/model.py): anything else (prose or a
code fence around the object, other keys, another verdict word, a cut-off object) is `undecided`,
never guessed. Undecided is reported with its rate and the bounds it leaves on the pass
rate (harness/aggregate.py), and those are the items a human reviewer reads first. An empty answer
fails without asking the judge; a judge prompt longer than the judge's context is undecided.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from tqdm import tqdm

from harness.engines import Engine, Sampling
from harness.engines.base import render_chat

Verdict = Literal["pass", "fail", "undecided"]
VERDICTS = ("pass", "fail")
BATCH_ITEMS = 64

PROMPT = (
    "你是一名严格的评审专家。请依据评分要点，判断下面的回答是否合格。\n\n"
    "问题：{question}\n\n评分要点：{rubric}\n\n回答：{response}\n\n"
    '只输出一个 JSON 对象，不要输出任何其他内容，格式为：{{"verdict": "pass" 或 "fail", "reason": "一句话理由"}}'
)


@dataclass(frozen=True)
class RubricDecision:
    verdict: Verdict
    reason: str  # the judge's reason; or why undecided: "unparsed: <head>", "judge-prompt-too-long"; "empty-answer"


def parse_verdict(answer: str) -> RubricDecision:
    """The judge's answer under the strict rule of the module docstring."""
    text = answer.strip()
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return RubricDecision("undecided", f"unparsed: {text[:40]}")
    if not isinstance(value, dict) or set(value) - {"verdict", "reason"} or value.get("verdict") not in VERDICTS:
        return RubricDecision("undecided", f"unparsed: {text[:40]}")
    reason = value.get("reason", "")
    if not isinstance(reason, str):
        return RubricDecision("undecided", f"unparsed: {text[:40]}")
    return RubricDecision(value["verdict"], reason)


class RubricJudge:
    name = "rubric"

    def __init__(self, engine: Engine, max_tokens: int = 256) -> None:
        self.engine = engine
        self.sampling = Sampling(max_tokens=max_tokens, temperature=0.0)

    def _fits(self, prompt: str) -> bool:
        limit = self.engine.max_model_len
        if limit is None:
            return True
        return len(self.engine.tokenizer(render_chat(self.engine.tokenizer, [{"role": "user", "content": prompt}]))["input_ids"]) + self.sampling.max_tokens <= limit

    def judge_many(self, triples: Sequence[tuple[str, str, str]]) -> list[RubricDecision]:
        """(question, rubric, response) -> a decision each."""
        decisions: list[RubricDecision | None] = [None] * len(triples)
        asked: list[tuple[int, str]] = []
        for i, (question, rubric, response) in enumerate(triples):
            prompt = PROMPT.format(question=question, rubric=rubric, response=response)
            if not response.strip():
                decisions[i] = RubricDecision("fail", "empty-answer")
            elif not self._fits(prompt):
                decisions[i] = RubricDecision("undecided", "judge-prompt-too-long")
            else:
                asked.append((i, prompt))
        answers = self.engine.chat([[{"role": "user", "content": p}] for _, p in asked], self.sampling) if asked else []
        for (i, _), answer in zip(asked, answers, strict=True):
            decisions[i] = parse_verdict(answer)
        return [d for d in decisions if d is not None]


def judge_records(judge: RubricJudge, records: list[dict], *, progress: bool = True) -> None:
    """Decide every open-question record in place: `verdict`, `judge_reason`."""
    pending = [r for r in records if "rubric" in r]
    with tqdm(total=len(pending), desc="rubric judge", unit="item", disable=not progress) as bar:
        for start in range(0, len(pending), BATCH_ITEMS):
            batch = pending[start : start + BATCH_ITEMS]
            for record, decision in zip(batch, judge.judge_many([(r["prompt"], r["rubric"], r["response"]) for r in batch]), strict=True):
                record["verdict"], record["judge_reason"] = decision.verdict, decision.reason
            bar.update(len(batch))

