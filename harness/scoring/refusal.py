"""Safety suites: generate an answer to each prompt, then let the suite's judges decide.

Every answer gets the rule refusal judge (which also tells a non-answer: empty, degenerate, echoed),
and the trained classifier when the policy's refusal chain names it; generated-content answers also
get the suite's keyword check. What each judge said is kept per item
(`refusal_by`, `content`), and the run's combining policy (harness/scoring/judging.py) turns them into
the item's verdict: `refusal` (refused / complied / undecided) with `decided_by`, and for generated
content `passed` (true / false / null when undecided) and `passed_by` per content judge. The model
judge runs later, after the target model is released (harness/scoring/judge_phase.py), adds its
decisions and combines again.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tqdm import tqdm

from benchmarks.catalog import RefusalSuite, repo_path
from harness.engines import Engine, Sampling
from harness.engines.base import chat_in_groups
from harness.plan import RefusalItem
from harness.safety.banks import read_bank
from harness.scoring.judges.content import KeywordJudge
from harness.scoring.judges.labels import explicit_label
from harness.scoring.judges.refusal_classifier import ClassifierRefusalJudge
from harness.scoring.judges.registry import CLASSIFIER_REFUSAL, KEYWORD, RefusalJudge, refusal_judge
from harness.scoring.judging import Policy, combine
from harness.store import ItemWriter

# One engine call per 256 prompts: vLLM schedules a batch that size freely (16 ran the demo's safety
# suite at 2.1x raw LLM.generate; the judges, not the batch, are most of what is left at 256:
# scripts/generation_speed.py --breakdown); a kill loses at most one batch's answers (one group's where
# the engine hands them back as it finishes them).
BATCH_ITEMS = 256


def keyword_judge(spec: RefusalSuite, policy: Policy) -> KeywordJudge | None:
    if KEYWORD not in policy.content or spec.data.keywords is None:
        return None
    return KeywordJudge(read_bank(repo_path(spec.data.keywords), "keywords").items)


def score_refusal(
    engine: Engine, items: Sequence[RefusalItem], spec: RefusalSuite, policy: Policy, sampling: Sampling, writer: ItemWriter, *, progress: bool = True
) -> list[dict]:
    judges = _Judges(refusal_judge(spec.judge), ClassifierRefusalJudge() if CLASSIFIER_REFUSAL in policy.refusal else None, keyword_judge(spec, policy), policy)
    records: list[dict] = []
    with tqdm(total=len(items), desc="safety generation", unit="item", disable=not progress) as bar:
        for start in range(0, len(items), BATCH_ITEMS):
            batch = items[start : start + BATCH_ITEMS]
            judged: dict[int, dict] = {}
            # Judged group by group as the engine finishes them: where the engine runs apart (a GPU),
            # judging one group overlaps generating the next (scripts/generation_speed.py --engine-apart).
            for group in chat_in_groups(engine, [[{"role": "user", "content": item.prompt}] for item in batch], sampling):
                for (position, _), record in zip(group, judges.records([(batch[p], r) for p, r in group]), strict=True):
                    writer.write(record)  # staged as judged: in the order the answers finished
                    judged[position] = record
                bar.update(len(group))
            records.extend(judged[position] for position in sorted(judged))  # the suite's order, for the aggregates
    return records


@dataclass(frozen=True)
class _Judges:
    rule: RefusalJudge
    classifier: ClassifierRefusalJudge | None
    keyword: KeywordJudge | None
    policy: Policy

    def records(self, answered: list[tuple[RefusalItem, str]]) -> list[dict]:
        """Each answer's item record, with what every judge said and the verdict they combine to."""
        classified = self.classifier.judge_many([(item.prompt, response) for item, response in answered]) if self.classifier else []
        records = []
        for index, (item, response) in enumerate(answered):
            decision = self.rule.judge(item.prompt, response)
            record: dict[str, Any] = {
                "id": item.id,
                "prompt_digest": item.prompt_digest,
                "bank": item.bank,
                "label": item.label,
                "prompt": item.prompt,
                "response": response,
                "non_answer": decision.non_answer,
                "refusal_by": {self.rule.name: decision.as_record()},
                "explicit_label": explicit_label(response),
            }
            if self.classifier:
                record["refusal_by"][self.classifier.name] = classified[index].as_record()
            if item.bank == "generated":
                record["content"] = {} if self.keyword is None else {self.keyword.name: self.keyword.judge(item.prompt, response).as_record()}
            combine(record, self.policy)
            records.append(record)
        return records
