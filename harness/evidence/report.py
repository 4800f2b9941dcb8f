"""The run's report: a Markdown section an enterprise can put into its filing self-assessment
(TC260-003 / GB/T 45654-2025: every item marked 符合 / 不符合 with its evidence), and a district
evaluator can attach to a candidate's file.

Rendered from what the run holds in MLflow (params, metrics, verdict and bank-check tags, the
bank-check artifact), never from memory, so `harness report RUN_ID` gives the same text later and
includes a human review merged after the run.
"""

import json
import tempfile
from pathlib import Path

from mlflow import MlflowClient
from mlflow.entities import Run

from harness.evidence import names
from harness.evidence.definitions import stored_requirements
from harness.safety.requirements import Requirements, requirements
from harness.safety.taxonomy import risk_by_code

BANK_ZH = {"generated": "生成内容测试", "should_refuse": "应拒答测试", "should_not_refuse": "非拒答测试", "keywords": "关键词库"}
MEASURE_ZH = {"pass_rate": "合格率", "refusal_rate": "拒答率"}
METHOD_ZH = {"": "综合（全部自动评判）", "keyword": "关键词检测", "model": "分类模型评判", "human": "人工抽检"}
_REASON_CHARS = 120  # bank-check reasons list every thin label; the artifact has them whole
# Risk identification: what the flagged rate means in each category.
FLAGGED_ZH = {"risky": "有风险文本（检出率）", "no_risk": "无风险文本（误报率）"}
JUDGE_ZH = {"rule-refusal": "规则拒答判定", "keyword": "关键词检测", "model": "分类模型评判"}


def _pct(value: float) -> str:
    return "-" if value != value else f"{value:.1%}"  # NaN where nothing was measured


def _rate(m: dict[str, float], prefix: str, measure: str) -> str:
    key = f"{prefix}/{measure}"
    if key not in m:
        return "-"
    return f"{_pct(m[key])} [{_pct(m[key + '_ci_low'])}, {_pct(m[key + '_ci_high'])}]"


def _verdicts(run: Run, suite: str) -> list[tuple[str, str, dict]]:
    """(bank, method, verdict) for every verdict tag of the suite, run verdict before per-method ones."""
    head = f"verdict.{suite}."
    found = []
    for tag, value in run.data.tags.items():
        if tag.startswith(head):
            bank, _, method = tag[len(head) :].partition(".")
            found.append((bank, method, json.loads(value)))
    order = list(BANK_ZH)
    return sorted(found, key=lambda v: (order.index(v[0]) if v[0] in order else 99, list(METHOD_ZH).index(v[1]) if v[1] in METHOD_ZH else 99))


def _bank_checks(client: MlflowClient, run: Run, suite: str) -> dict[str, dict]:
    with tempfile.TemporaryDirectory() as tmp:
        try:
            path = client.download_artifacts(run.info.run_id, f"{names.A_BANK_CHECK_DIR}/{suite}.json", tmp)
        except Exception:  # noqa: BLE001  (runs made before bank checks were logged have none)
            return {}
        return json.loads(Path(path).read_text(encoding="utf-8"))


def _mcq_section(m: dict[str, float], suite: str) -> list[str]:
    lines = [f"### {suite}", "", "| 范围 | 准确率 [95% 置信区间] | 题数 | 宏平均 |", "|---|---|---|---|"]
    lines.append(f"| 总体 | {_rate(m, suite, 'accuracy')} | {int(m.get(f'{suite}/n', 0))} | {_pct(m.get(f'{suite}/accuracy_macro', float('nan')))} |")
    categories = sorted({k.split("/")[2] for k in m if k.startswith(f"{suite}/category/") and k.endswith("/accuracy")})
    for c in categories:
        prefix = f"{suite}/category/{c}"
        lines.append(f"| {c} | {_rate(m, prefix, 'accuracy')} | {int(m.get(f'{prefix}/n', 0))} | {_pct(m.get(f'{prefix}/accuracy_macro', float('nan')))} |")
    detection = [(c, label) for c, label in FLAGGED_ZH.items() if f"{suite}/detection/{c}/flagged_rate" in m]
    if detection:
        lines += ["", "| 风险识别 | 判为有风险的比例 [95% 置信区间] | 题数 |", "|---|---|---|"]
        for c, label in detection:
            prefix = f"{suite}/detection/{c}"
            lines.append(f"| {label} | {_rate(m, prefix, 'flagged_rate')} | {int(m.get(f'{prefix}/n', 0))} |")
    return lines + [""]


def _reference_rows(m: dict[str, float], prefix: str, label: str) -> list[str]:
    """Short answers: exact match, character F1 and ROUGE-L with their intervals."""
    if f"{prefix}/char_f1" not in m:
        return []
    cells = " | ".join(_rate(m, prefix, measure) for measure in ("exact_match", "char_f1", "rouge_l"))
    return [f"| {label} | {cells} | {int(m.get(f'{prefix}/n', 0))} |"]


def _rubric_line(m: dict[str, float], prefix: str, label: str) -> list[str]:
    if f"{prefix}/pass_rate" not in m:
        return []
    return [f"- {label}：评分模型判定合格率 {_rate(m, prefix, 'pass_rate')}（已判定 {int(m[f'{prefix}/n'])} 题）；"
            f"未能判定 {int(m[f'{prefix}/undecided'])} / {int(m[f'{prefix}/items'])} 题，合格率上下界 "
            f"{_pct(m[f'{prefix}/pass_rate_lower'])} – {_pct(m[f'{prefix}/pass_rate_upper'])}（未判定的题应先由人工评审）。"]


_REFERENCE_HEADER = ["| 范围 | 精确匹配 [95% 置信区间] | 字符 F1 [95% 置信区间] | ROUGE-L [95% 置信区间] | 题数 |", "|---|---|---|---|---|"]


def _generation_section(m: dict[str, float], suite: str) -> list[str]:
    lines = [f"### {suite}", ""]
    rows = _reference_rows(m, suite, "简答题")
    if rows:
        lines += [*_REFERENCE_HEADER, *rows, ""]
    return lines + _rubric_line(m, f"{suite}/rubric", "开放题") + [""]


def _scenario_section(m: dict[str, float], p: dict[str, str], suite: str) -> list[str]:
    owner = p.get(names.suite_param(suite, "scenario_owner"), "")
    lines = [f"### {suite}", "", f"- 场景集归属：{owner}；行业：{p.get(names.suite_param(suite, 'scenario_sector'), '')}；"
             f"题目摘要 `{p.get(names.suite_param(suite, 'data_digest'), '')[:16]}`；登记运行 `{p.get(names.suite_param(suite, 'scenario_registration'), '')}`"]
    if owner.startswith("committee:"):
        lines.append("- 评审委员会自有题：题目、参考答案、评分要点与模型回答不以明文记录，只记录摘要与得分。")
    if f"{suite}/choice/accuracy" in m:
        lines.append(f"- 选择题：准确率 {_rate(m, f'{suite}/choice', 'accuracy')}（{int(m[f'{suite}/choice/n'])} 题）")
    lines += _rubric_line(m, f"{suite}/open", "开放题")
    rows = _reference_rows(m, f"{suite}/short", "简答题")
    return lines + ([""] + _REFERENCE_HEADER + rows if rows else []) + [""]


def _fit_lines(m: dict[str, float], p: dict[str, str], suites: list[str]) -> list[str]:
    """How prompts were fitted to the model's context, where fitting changed anything."""
    lines = []
    for s in suites:
        changed = {k: int(m.get(f"{s}/fit/{k}", 0)) for k in ("fewer_shots", "truncated", "excluded")}
        if any(changed.values()):
            shots = "，".join(f"{k.rsplit('/', 1)[1]}-shot {int(v)} 题" for k, v in sorted(m.items(), reverse=True) if k.startswith(f"{s}/fit/shots/"))
            lines.append(f"- {s}（{p.get(names.suite_param(s, 'fit_policy'), '')}，提示上限 {p.get(names.suite_param(s, 'prompt_limit'), '')} 个词元）："
                         f"减少示例 {changed['fewer_shots']} 题，左截断 {changed['truncated']} 题，排除 {changed['excluded']} 题；{shots}")
    return ["## 提示长度适配", "", "以下套件的部分提示超出模型上下文，评估前已按声明的策略处理（逐题记录见 items/ 与 fit/）：", "", *lines, ""] if lines else []


def _safety_section(client: MlflowClient, run: Run, suite: str, standard: Requirements) -> tuple[list[str], bool]:
    """The suite's section and whether everything in it supports a 符合 conclusion."""
    m, tags = run.data.metrics, run.data.tags
    lines = [f"### {suite}", ""]
    checks = _bank_checks(client, run, suite)
    banks_ok = bool(checks) and all(c["sufficient"] for c in checks.values())
    if checks:
        lines += ["**题库核查**（对照标准的规模、覆盖与重复要求）", "", "| 题库 | 不重复题数 / 标准要求 | 结论 | 原因 |", "|---|---|---|---|"]
        for kind, c in checks.items():
            reasons = "；".join(r if len(r) <= _REASON_CHARS else r[:_REASON_CHARS] + "…" for r in c["reasons"]) or "-"
            lines.append(f"| {BANK_ZH.get(kind, kind)} | {c['distinct']} / {c['min_total']} | {'满足' if c['sufficient'] else '不满足'} | {reasons} |")
        lines += ["", f"完整核查结果（每条原因、重复项编号）见本运行的 `{names.A_BANK_CHECK_DIR}/{suite}.json`。", ""]
    lines += ["**评估结果**", "", "| 测试 | 评判方法 | 指标 | 结果 [95% 置信区间] | 样本量 | 标准要求 | 结论 | 说明 |", "|---|---|---|---|---|---|---|---|"]
    all_pass = True
    for bank, method, v in _verdicts(run, suite):
        measure = names.rate_name(bank)
        prefix = f"{suite}/{bank}" + (f"/{method}" if method else "")
        need = standard.bank(bank)
        minimum = need.sample or 0
        all_pass &= bool(v["passed"]) and v["n"] >= minimum
        notes = []
        if v["n"] < minimum:
            notes.append(f"样本量 {v['n']} 低于标准要求的 {minimum}，不能作为备案证据")
        low, high = m.get(f"{prefix}/{measure}_ci_low"), m.get(f"{prefix}/{measure}_ci_high")
        if need.threshold and low is not None and high is not None and need.threshold.passes(low) != need.threshold.passes(high):
            notes.append("置信区间跨越阈值，扩大样本后结论可能改变")
        lines.append(
            f"| {BANK_ZH.get(bank, bank)} | {METHOD_ZH.get(method, method)} | {MEASURE_ZH[measure]} | {_rate(m, prefix, measure)} | {v['n']} "
            f"| {v['threshold']} | {'符合' if v['passed'] else '不符合'} | {'；'.join(notes) or '-'} |"
        )
    methods = {(bank, method) for bank, method, _ in _verdicts(run, suite)}
    if ("generated", "") in methods and ("generated", "human") not in methods:
        all_pass = False
        lines += ["", "生成内容尚未人工抽检（标准要求人工抽检、关键词抽检、分类模型抽检分别评估）：用 `harness review export` 导出、`harness review import` 导入。"]
    lines += ["", "条款依据：" + "；".join(sorted({json.loads(t)["clause"] for k, t in tags.items() if k.startswith(f"verdict.{suite}.")})), ""]
    risks = risk_by_code()
    per_risk = sorted({k.split("/")[3] for k in m if k.startswith(f"{suite}/") and k.split("/")[2:3] == ["risk"] and k.endswith("_rate")})
    if per_risk:
        lines += ["**分风险结果**", "", "| 风险 | 生成内容合格率 (n) | 应拒答拒答率 (n) |", "|---|---|---|"]
        for code in per_risk:
            cells = []
            for bank, measure in (("generated", "pass_rate"), ("should_refuse", "refusal_rate")):
                key = f"{suite}/{bank}/risk/{code}/{measure}"
                cells.append(f"{_pct(m[key])} ({int(m[f'{suite}/{bank}/risk/{code}/n'])})" if key in m else "-")
            name = risks[code].name_zh if code in risks else ""
            lines.append(f"| {code} {name} | {cells[0]} | {cells[1]} |")
        lines.append("")
    judges = sorted({k.split("/")[2] for k in m if k.startswith(f"{suite}/judge/") and k.endswith("/precision")})
    if judges:
        lines += ["**评判方法有效性**（项目自带标注集上的精确率与召回率）", "", "| 评判方法 | 标注条数 | 精确率 | 召回率 |", "|---|---|---|---|"]
        for j in judges:
            prefix = f"{suite}/judge/{j}"
            lines.append(f"| {JUDGE_ZH.get(j, j)} | {int(m[f'{prefix}/n'])} | {m[f'{prefix}/precision']:.3f} | {m[f'{prefix}/recall']:.3f} |")
        lines.append("")
    if f"{suite}/explicit_label/rate" in m:
        lines += [
            f"**显式标识**（GB 45438-2025，文本）：{_rate(m, f'{suite}/explicit_label', 'rate')} 的回答（n={int(m[f'{suite}/explicit_label/n'])}）"
            "在开头、结尾或中间带有“人工智能生成”类文字提示。标识义务在发布内容的服务一侧，此项只作记录，不计入结论。",
            "",
        ]
    if not banks_ok:
        lines.append("> 注意：题库未达到标准要求（见题库核查），以上结果只说明评估流程，不能作为备案证据。")
        lines.append("")
    return lines, all_pass and banks_ok


def render_report(client: MlflowClient, run_id: str) -> str:
    run = client.get_run(run_id)
    p, m = run.data.params, run.data.metrics
    suites = [s for s in p.get(names.P_SUITES, "").split(",") if s]
    lines = [
        "# 大模型评估报告",
        "",
        f"- 模型：{p.get(names.P_MODEL_NAME)} 版本 {p.get(names.P_MODEL_VERSION)}，权重指纹 `{p.get(names.P_FINGERPRINT)}`",
        f"- 推理引擎：{p.get(names.P_ENGINE)} {p.get(names.P_ENGINE_VERSION)}；评估配置 {p.get(names.P_PROFILE)}（`{p.get(names.P_PROFILE_DIGEST, '')[:16]}`），随机种子 {p.get(names.P_SEED)}",
        f"- MLflow 运行：`{run_id}`；代码版本 `{run.data.tags.get(names.T_GIT_REVISION)}`",
    ]
    if names.P_JUDGE_MODEL_PATH in p:
        lines.append(f"- 分类评判模型：{p[names.P_JUDGE_MODEL_PATH]}（指纹 `{p[names.P_JUDGE_MODEL_FINGERPRINT]}`）")
    # The requirements the run was judged by; the shipped file only for runs made before they were stored.
    standard = stored_requirements(client, run_id) or requirements()
    lines += ["", f"依据：{standard.source}（安全部分）；选择题与 lm-eval 的 ceval-valid / cmmlu 任务同一提示格式。", ""]
    mcq = [s for s in suites if f"{s}/accuracy" in m]
    safety = [s for s in suites if any(t.startswith(f"verdict.{s}.") for t in run.data.tags)]
    if mcq:
        lines += ["## 通用与行业能力", ""]
        for s in mcq:
            lines += _mcq_section(m, s)
    generation = [s for s in suites if f"{s}/char_f1" in m or f"{s}/rubric/pass_rate" in m]
    if generation:
        lines += ["## 简答与开放题", ""]
        for s in generation:
            lines += _generation_section(m, s)
    scenarios = [s for s in suites if names.suite_param(s, "scenario_owner") in p]
    if scenarios:
        lines += ["## 场景评测集", ""]
        for s in scenarios:
            lines += _scenario_section(m, p, s)
    lines += _fit_lines(m, p, suites)
    conclusions = []
    if safety:
        lines += ["## 生成内容安全与拒答（GB/T 45654-2025 / TC260-003）", ""]
        for s in safety:
            section, ok = _safety_section(client, run, s, standard)
            lines += section
            conclusions.append(ok)
        overall = "符合" if all(conclusions) else "不符合或证据不足"
        lines += ["## 安全评估结论", "", f"**{overall}**：" + ("各项指标达到标准要求，题库与样本量满足标准。" if all(conclusions) else "至少一项指标未达到标准要求，或题库、样本量不满足标准（见上表“结论”与“说明”）。"), ""]
    return "\n".join(lines)


def log_report(client: MlflowClient, run_id: str) -> str:
    """Render the report and store it with the run (replacing an earlier one); returns the text."""
    text = render_report(client, run_id)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / Path(names.A_REPORT).name
        path.write_text(text, encoding="utf-8")
        client.log_artifact(run_id, str(path), str(Path(names.A_REPORT).parent))
    return text
