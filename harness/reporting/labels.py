"""Chinese and English labels for what the reports show, in one place: metric name segments
(harness/evidence/names.py), banks, judging methods, verdicts, categories, risks, topics, sectors.

A name without a label here is shown as it is, so a new kind of result (a new metric segment, a new
judge) appears in every report before anyone translates it."""

from dataclasses import dataclass
from functools import cache

import yaml

from foundation.paths import BENCHMARKS_DIR
from benchmarks.safety.requirements import requirements
from benchmarks.safety.taxonomy import risk_by_code


@dataclass(frozen=True)
class Label:
    zh: str
    en: str

    def __str__(self) -> str:
        return self.zh if not self.en or self.en == self.zh else f"{self.zh} {self.en}"


BANKS = {
    "generated": Label("生成内容测试", "Generated content"),
    "should_refuse": Label("应拒答测试", "Should refuse"),
    "should_not_refuse": Label("非拒答测试", "Should not refuse"),
    "keywords": Label("关键词库", "Keyword library"),
}
METHODS = {
    "": Label("综合（全部自动评判）", "All automatic judges"),
    "keyword": Label("关键词检测", "Keyword check"),
    "model": Label("分类模型评判", "Classifier"),
    "human": Label("人工抽检", "Human review"),
}
JUDGES = {
    "rule-refusal": Label("规则拒答判定", "Rule refusal judge"),
    "classifier-refusal": Label("拒答分类器判定", "Classifier refusal judge"),
    "keyword": Label("关键词检测", "Keyword check"),
    "model": Label("分类模型评判", "Classifier"),
    "model-refusal": Label("分类模型拒答判定", "Classifier (refusal)"),
}
MEASURES = {
    "accuracy": Label("准确率", "Accuracy"),
    "accuracy_macro": Label("宏平均准确率", "Macro accuracy"),
    "pass_rate": Label("合格率", "Pass rate"),
    "refusal_rate": Label("拒答率", "Refusal rate"),
    "flagged_rate": Label("判为有风险的比例", "Flagged rate"),
    "rate": Label("比例", "Rate"),
    "prediction_rate": Label("预测为该选项的比例", "Prediction rate"),
    "answer_rate": Label("答案为该选项的比例", "Answer rate"),
    "agreement": Label("一致率", "Agreement"),
    "precision": Label("精确率", "Precision"),
    "recall": Label("召回率", "Recall"),
    "kappa": Label("Kappa 系数", "Cohen's kappa"),
    "coverage": Label("抽检覆盖率", "Coverage"),
    "non_answer_rate": Label("无效回答比例", "Non-answer rate"),
    "fast_path_rate": Label("快速路径比例", "Fast-path rate"),
    "consistency": Label("循环一致性", "Consistency"),
    "wall_seconds": Label("耗时（秒）", "Wall time (s)"),
    "pass": Label("达标（1 是 / 0 否）", "Passed (1/0)"),
    "n": Label("样本量", "n"),
}
# Segments that name a breakdown: `<suite>/<segment>/<key>/...`.
SCOPES = {
    "subject": Label("科目", "Subject"),
    "category": Label("类别", "Category"),
    "group": Label("分组", "Group"),
    "sector": Label("行业", "Sector"),
    "position": Label("答案位置", "Answer position"),
    "risk": Label("风险", "Risk"),
    "topic": Label("方面", "Topic"),
    "detection": Label("风险识别", "Risk identification"),
    "circular": Label("循环评测", "CircularEval"),
    "judge": Label("评判方法", "Judge"),
    "explicit_label": Label("显式标识", "Explicit label"),
}
CATEGORIES = {
    "STEM": Label("理工", "STEM"),
    "Humanities": Label("人文", "Humanities"),
    "Social Science": Label("社会科学", "Social science"),
    "Other": Label("其他", "Other"),
    "China specific": Label("中国特色", "China specific"),
    "C-Eval Hard": Label("C-Eval 难题", "C-Eval Hard"),
    "risky": Label("有风险文本（检出率）", "Risky texts (recall)"),
    "no_risk": Label("无风险文本（误报率）", "Texts without risk (false positives)"),
}
PASSED = Label("符合", "Pass")
FAILED = Label("不符合", "Fail")
UNDECIDED = Label("未定", "Undecided")
NOT_APPLICABLE = Label("不适用", "Not applicable")


def verdict(passed: object) -> Label:
    """符合 / 不符合, and 未定 for anything else a verdict may carry (an undecided verdict)."""
    return PASSED if passed is True else FAILED if passed is False else UNDECIDED


def risk(code: str) -> Label:
    r = risk_by_code().get(code)
    return Label(f"{code} {r.name_zh}", r.name_en) if r else Label(code, "")


def topic(key: str) -> Label:
    zh = requirements().should_not_refuse.topics.get(key)
    return Label(zh, key.replace("_", " ")) if zh else Label(key, "")


@cache
def _sectors() -> dict[str, Label]:
    data = yaml.safe_load((BENCHMARKS_DIR / "sectors.yaml").read_text(encoding="utf-8"))["sectors"]
    return {code: Label(s["name_zh"], s["name_en"]) for code, s in data.items()}


def breakdown(scope: str, key: str) -> Label:
    """The label of one key of a breakdown (`risk`/`A.1.a`, `topic`/`age`, `category`/`STEM` ...)."""
    if scope == "risk":
        return risk(key)
    if scope == "topic":
        return topic(key)
    if scope == "sector":
        return _sectors().get(key, Label(key, ""))
    if scope in ("category", "group", "detection"):
        return CATEGORIES.get(key, Label(key, ""))
    if scope == "judge":
        return JUDGES.get(key, Label(key, ""))
    return Label(key, "")


def segment(name: str) -> Label:
    """A metric name segment that is not a breakdown key: a bank, a method, a measure or a scope."""
    for table in (BANKS, MEASURES, SCOPES, METHODS):
        if name in table:
            return table[name]
    return Label(name, "")
