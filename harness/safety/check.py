"""`harness bank check`: a bank against the standard's minimums, with every reason it falls short.

Duplicates are found on normalised text (NFKC, lower case, without whitespace and punctuation):
exact when the normalised texts are equal, near when the Jaccard similarity of their character
3-gram sets is at least NEAR_DUPLICATE_JACCARD. Near-duplicate candidates come from MinHash with
banding (64 hashes in 16 bands of 4), which finds a pair at Jaccard 0.8 with probability > 0.999,
and each candidate is confirmed with the exact Jaccard, so there are no false reports.
Exact duplicates, missing or thin labels, empty items and items in both refusal banks make a bank
insufficient; near duplicates and overlong items are listed for review.
"""

import unicodedata
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Literal

import numpy as np

from harness.safety.banks import Bank
from benchmarks.safety.requirements import requirements

NEAR_DUPLICATE_JACCARD = 0.8
MAX_CHARS = {"keywords": 50, "generated": 2000, "should_refuse": 2000, "should_not_refuse": 2000}
_SHINGLE = 3
_HASHES, _BANDS = 64, 16
_PRIME = (1 << 61) - 1
_SHOWN = 20  # items listed per finding; counts are always complete


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in text if not (ch.isspace() or unicodedata.category(ch).startswith(("P", "S"))))


def _shingles(text: str) -> set[str]:
    return {text[i : i + _SHINGLE] for i in range(max(1, len(text) - _SHINGLE + 1))}


def near_duplicate_pairs(texts: list[str]) -> list[tuple[int, int, float]]:
    """Pairs (i, j, jaccard) of distinct normalised texts with Jaccard >= NEAR_DUPLICATE_JACCARD."""
    rng = np.random.default_rng(0)
    a = rng.integers(1, 1 << 29, _HASHES, dtype=np.uint64)[:, None]
    b = rng.integers(0, 1 << 29, _HASHES, dtype=np.uint64)[:, None]
    shingles = [_shingles(t) for t in texts]
    buckets: dict[tuple[int, bytes], list[int]] = defaultdict(list)
    rows = _HASHES // _BANDS
    for index, grams in enumerate(shingles):
        hashes = np.fromiter((zlib.crc32(g.encode()) for g in grams), dtype=np.uint64, count=len(grams))
        signature = ((a * hashes[None, :] + b) % _PRIME).min(axis=1)
        for band in range(_BANDS):
            buckets[(band, signature[band * rows : (band + 1) * rows].tobytes())].append(index)
    candidates = {(i, j) for members in buckets.values() if len(members) > 1 for k, i in enumerate(members) for j in members[k + 1 :]}
    pairs = []
    for i, j in sorted(candidates):
        jaccard = len(shingles[i] & shingles[j]) / len(shingles[i] | shingles[j])
        if jaccard >= NEAR_DUPLICATE_JACCARD and texts[i] != texts[j]:
            pairs.append((i, j, round(jaccard, 3)))
    return pairs


Language = Literal["en", "zh"]


def _shown(ids: list[str], lang: Language = "en") -> str:
    more = len(ids) - _SHOWN
    if lang == "zh":
        return "、".join(ids[:_SHOWN]) + (f" 等（另有 {more} 条）" if more > 0 else "")
    return ", ".join(ids[:_SHOWN]) + (f" and {more} more" if more > 0 else "")


def _labels(values: dict, lang: Language) -> str:
    return ("、" if lang == "zh" else ", ").join(values["labels"])


# Every reason and warning a bank check gives, in both languages from the same values: the English
# text is what `harness bank check` prints, the Chinese text is what the Chinese report shows.
_MESSAGES: dict[str, dict[Language, Callable[[dict], str]]] = {
    "too_few": {
        "en": lambda v: f"{v['distinct']} distinct items, the standard asks for at least {v['min_total']}",
        "zh": lambda v: f"不重复题目 {v['distinct']} 条，标准要求不少于 {v['min_total']} 条",
    },
    "missing": {
        "en": lambda v: f"{len(v['labels'])} required {'topics' if v['topics'] else 'risks'} missing: {_labels(v, 'en')}",
        "zh": lambda v: f"缺少 {len(v['labels'])} 个必须覆盖的{'方面' if v['topics'] else '风险'}：{_labels(v, 'zh')}",
    },
    "below_minimum": {
        "en": lambda v: "below the per-label minimum: " + _labels(v, "en"),
        "zh": lambda v: f"{len(v['labels'])} 个{'方面' if v['topics'] else '风险'}低于每类最低题数（现有/要求）：" + _labels(v, "zh"),
    },
    "exact_duplicates": {
        "en": lambda v: f"{v['copies']} exact duplicates in {v['groups']} groups: remove the copies",
        "zh": lambda v: f"{v['groups']} 组完全重复，共多出 {v['copies']} 条：删除重复题目",
    },
    "empty": {
        "en": lambda v: f"{len(v['ids'])} empty items: {_shown(v['ids'], 'en')}",
        "zh": lambda v: f"{len(v['ids'])} 条空题目：{_shown(v['ids'], 'zh')}",
    },
    "unknown_labels": {
        "en": lambda v: f"labels not in the taxonomy or topic list: {_labels(v, 'en')}: use codes such as A.1.a, risk names, or the topics of requirements.yaml",
        "zh": lambda v: f"标签不在风险分类或方面列表中：{_labels(v, 'zh')}：请使用 A.1.a 这样的编号、风险名称或 requirements.yaml 中的方面",
    },
    "in_other_bank": {
        "en": lambda v: f"{len(v['ids'])} items also in {v['other']}: an item cannot be both should-refuse and should-not-refuse: {_shown(v['ids'], 'en')}",
        "zh": lambda v: f"{len(v['ids'])} 条题目同时出现在 {v['other']}：同一题目不能既应拒答又不应拒答：{_shown(v['ids'], 'zh')}",
    },
    "near_duplicates": {
        "en": lambda v: f"{v['pairs']} near-duplicate pairs (character 3-gram Jaccard >= {v['jaccard']}): review them; they inflate coverage",
        "zh": lambda v: f"{v['pairs']} 对近似重复（字符三元组 Jaccard 相似度 >= {v['jaccard']}）：请人工复核，它们虚增覆盖",
    },
    "overlong": {
        "en": lambda v: f"{len(v['ids'])} items longer than {v['max_chars']} characters: {_shown(v['ids'], 'en')}",
        "zh": lambda v: f"{len(v['ids'])} 条题目超过 {v['max_chars']} 个字符：{_shown(v['ids'], 'zh')}",
    },
}


@dataclass(frozen=True)
class Finding:
    """One reason a bank falls short (or one warning): a message key and the values it is written from."""

    key: str
    values: dict

    def text(self, lang: Language = "en") -> str:
        return _MESSAGES[self.key][lang](self.values)


@dataclass
class BankReport:
    path: str
    kind: str
    title: str
    clause: str
    items: int
    distinct: int
    min_total: int
    coverage: dict[str, dict[str, int]]  # label -> {"count", "minimum"}
    missing: list[str]
    below_minimum: list[str]
    unknown_labels: dict[str, int]
    exact_duplicates: list[list[str]]  # groups of ids, first kept
    near_duplicates: list[dict]  # {"ids": [a, b], "jaccard": x}
    empty: list[str]
    overlong: list[str]
    in_other_bank: list[str]
    findings: list[Finding] = field(default_factory=list)  # reasons: each makes the bank insufficient
    cautions: list[Finding] = field(default_factory=list)  # warnings: listed for review

    @property
    def reasons(self) -> list[str]:
        return [f.text("en") for f in self.findings]

    @property
    def warnings(self) -> list[str]:
        return [f.text("en") for f in self.cautions]

    @property
    def sufficient(self) -> bool:
        return not self.findings

    @property
    def verdict(self) -> str:
        return "sufficient for filing evidence" if self.sufficient else "not sufficient for filing evidence"

    def as_dict(self) -> dict:
        texts = {
            "reasons": self.reasons, "reasons_zh": [f.text("zh") for f in self.findings],
            "warnings": self.warnings, "warnings_zh": [f.text("zh") for f in self.cautions],
        }
        return asdict(self) | texts | {"sufficient": self.sufficient, "verdict": self.verdict}

    def render(self) -> str:
        lines = [f"{self.path}: {self.title} ({self.kind}), {self.items} items, {self.distinct} distinct; the standard asks >= {self.min_total}", f"  clause: {self.clause}"]
        thin = [f"{label} {c['count']}/{c['minimum']}" for label, c in self.coverage.items() if c["count"] < c["minimum"]]
        lines.append(f"  coverage: {len(self.coverage) - len(self.missing)}/{len(self.coverage)} labels present" + (f"; below minimum: {', '.join(thin)}" if thin else ""))
        for group in self.exact_duplicates[:_SHOWN]:
            lines.append(f"  exact duplicate: {', '.join(group)}")
        for pair in self.near_duplicates[:_SHOWN]:
            lines.append(f"  near duplicate (Jaccard {pair['jaccard']}): {', '.join(pair['ids'])}")
        lines.append(f"verdict: {self.verdict}")
        lines += [f"  reason: {r}" for r in self.reasons] + [f"  warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def check_bank(bank: Bank, other: Bank | None = None) -> BankReport:
    need = requirements().bank(bank.kind)
    minimums = need.minimums()
    norm = [normalise(item.text) for item in bank.items]

    by_text: dict[str, list[int]] = defaultdict(list)
    for index, text in enumerate(norm):
        if text:
            by_text[text].append(index)
    groups = [[bank.items[i].id for i in members] for members in by_text.values() if len(members) > 1]
    firsts = [members[0] for members in by_text.values()]
    # Coverage counts distinct items: a copy adds nothing to what the bank tests.
    counts = Counter(bank.items[i].label for i in firsts)
    empty = [item.id for item, text in zip(bank.items, norm, strict=True) if not text]
    overlong = [item.id for item in bank.items if len(item.text) > MAX_CHARS[bank.kind]]
    unknown = {label: n for label, n in counts.items() if label not in minimums}
    near = []
    if bank.kind != "keywords":  # keywords are short words: 3-gram overlap says nothing about them
        texts = [norm[i] for i in firsts]
        near = [{"ids": [bank.items[firsts[i]].id, bank.items[firsts[j]].id], "jaccard": s} for i, j, s in near_duplicate_pairs(texts)]
    shared: list[str] = []
    if other is not None and {bank.kind, other.kind} == {"should_refuse", "should_not_refuse"}:
        theirs = {normalise(item.text) for item in other.items}
        shared = [bank.items[i].id for i in firsts if norm[i] in theirs]

    report = BankReport(
        path=str(bank.path), kind=bank.kind, title=need.title, clause=need.clause, items=len(bank.items), distinct=len(by_text),
        min_total=need.min_total,
        coverage={label: {"count": counts.get(label, 0), "minimum": minimum} for label, minimum in minimums.items()},
        missing=[label for label in minimums if counts.get(label, 0) == 0],
        below_minimum=[label for label, minimum in minimums.items() if 0 < counts.get(label, 0) < minimum],
        unknown_labels=unknown, exact_duplicates=groups, near_duplicates=near, empty=empty, overlong=overlong, in_other_bank=shared,
    )
    extra_copies = sum(len(g) - 1 for g in groups)
    r, w = report.findings, report.cautions
    topics = bool(need.topics)
    if report.distinct < need.min_total:
        r.append(Finding("too_few", {"distinct": report.distinct, "min_total": need.min_total}))
    if report.missing:
        r.append(Finding("missing", {"labels": report.missing, "topics": topics}))
    if report.below_minimum:
        r.append(Finding("below_minimum", {"labels": [f"{label} {counts[label]}/{minimums[label]}" for label in report.below_minimum], "topics": topics}))
    if extra_copies:
        r.append(Finding("exact_duplicates", {"copies": extra_copies, "groups": len(groups)}))
    if empty:
        r.append(Finding("empty", {"ids": empty}))
    if unknown:
        r.append(Finding("unknown_labels", {"labels": [f"{k} ({v})" for k, v in sorted(unknown.items())]}))
    if shared:
        r.append(Finding("in_other_bank", {"ids": shared, "other": str(other.path) if other else ""}))
    if near:
        w.append(Finding("near_duplicates", {"pairs": len(near), "jaccard": NEAR_DUPLICATE_JACCARD}))
    if overlong:
        w.append(Finding("overlong", {"ids": overlong, "max_chars": MAX_CHARS[bank.kind]}))
    return report
