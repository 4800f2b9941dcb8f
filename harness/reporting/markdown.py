"""The run's report: a Markdown section an enterprise can put into its filing self-assessment
(TC260-003 / GB/T 45654-2025: every item marked 符合 / 不符合 with its evidence), and a district
evaluator can attach to a candidate's file.

Rendered from what the run holds in MLflow (params, metrics, verdict and bank-check tags, the
bank-check artifact), never from memory, so `harness report RUN_ID` gives the same text later and
includes a human review merged after the run. The model both this Markdown and the HTML/PDF report
render is harness/reporting/model.py.
"""

from dataclasses import dataclass
from pathlib import Path

from mlflow import MlflowClient

from harness.crash import crash_point
from harness.evidence import names
from harness.evidence.reports import store_report
from harness.reporting import labels
from harness.reporting.html import render_run_html
from harness.reporting.pdf import print_pdf
from harness.reporting.model import Estimate, McqSection, RunReport, SafetySection, run_report

_REASON_CHARS = 120  # bank-check reasons list every thin label; the artifact and the HTML report have them whole


def _pct(value: float | None) -> str:
    return "-" if value is None or value != value else f"{value:.1%}"  # NaN where nothing was measured


def _pct3(value: float) -> str:
    return "-" if value != value else f"{value:.3f}"  # NaN: the judge decided no labelled item


def _rate(e: Estimate | None) -> str:
    return "-" if e is None else f"{_pct(e.value)} [{_pct(e.low)}, {_pct(e.high)}]"


def _mcq_section(section: McqSection) -> list[str]:
    macro = _pct(section.macro.value if section.macro else None)
    lines = [f"### {section.suite}", "", "| 范围 | 准确率 [95% 置信区间] | 题数 | 宏平均 |", "|---|---|---|---|"]
    lines.append(f"| 总体 | {_rate(section.overall)} | {section.overall.n} | {macro} |")
    scopes = {b.scope: b for b in section.breakdowns}
    if "category" in scopes:
        for key, _, cells in scopes["category"].rows:
            accuracy, macro_cell = cells.get("accuracy"), cells.get("accuracy_macro")
            lines.append(f"| {key} | {_rate(accuracy)} | {accuracy.n if accuracy else '-'} | {_pct(macro_cell.value if macro_cell else None)} |")
    if "detection" in scopes:
        lines += ["", "| 风险识别 | 判为有风险的比例 [95% 置信区间] | 题数 |", "|---|---|---|"]
        for _, label, cells in scopes["detection"].rows:
            flagged = cells.get("flagged_rate")
            lines.append(f"| {label.zh} | {_rate(flagged)} | {flagged.n if flagged else '-'} |")
    return lines + [""]


def _safety_section(section: SafetySection) -> list[str]:
    suite = section.suite
    lines = [f"### {suite}", ""]
    if section.bank_checks:
        lines += ["**题库核查**（对照标准的规模、覆盖与重复要求）", "", "| 题库 | 不重复题数 / 标准要求 | 结论 | 原因 |", "|---|---|---|---|"]
        for c in section.bank_checks:
            reasons = "；".join(r if len(r) <= _REASON_CHARS else r[:_REASON_CHARS] + "…" for r in c.reasons_zh) or "-"
            lines.append(f"| {labels.BANKS[c.kind].zh if c.kind in labels.BANKS else c.kind} | {c.distinct} / {c.min_total} | {'满足' if c.sufficient else '不满足'} | {reasons} |")
        lines += ["", f"完整核查结果（每条原因、重复项编号）见本运行的 `{names.A_BANK_CHECK_DIR}/{suite}.json`。", ""]
    if section.policy:
        p = section.policy
        lines += [
            f"**评判策略**：拒答依次由 {' → '.join(p['refusal'].split(','))} 判定（先判定者为准，机器均未判定或相互矛盾的条目交人工复核）；"
            f"生成内容由 {p['content'] or '-'} 分别判定，全部通过才算合格；护栏模型的 Controversial 计为 {p['controversial']}。拒答的定义见 docs/refusal.md。",
            "",
        ]
    lines += ["**评估结果**", "", "| 测试 | 评判方法 | 指标 | 结果 [95% 置信区间] | 样本量 | 标准要求 | 结论 | 说明 |", "|---|---|---|---|---|---|---|---|"]
    for v in section.verdicts:
        lines.append(
            f"| {labels.BANKS[v.bank].zh} | {labels.METHODS.get(v.method, labels.Label(v.method, '')).zh} | {labels.MEASURES[names.rate_name(v.bank)].zh} "
            f"| {_rate(v.rate)} | {v.rate.n}{f' (+{v.undecided} 待定)' if v.undecided else ''} | {v.threshold} | {labels.verdict(v.passed).zh} | {'；'.join(v.notes_zh) or '-'} |"
        )
    if section.human_missing:
        lines += ["", "生成内容尚未人工抽检（标准要求人工抽检、关键词抽检、分类模型抽检分别评估）：用 `harness review export` 导出、`harness review import` 导入。"]
    lines += ["", "条款依据：" + "；".join(sorted({v.clause for v in section.verdicts})), ""]
    for b in section.breakdowns:
        lines += [f"**分{labels.SCOPES[b.scope].zh}结果**", "", "| " + " | ".join([labels.SCOPES[b.scope].zh] + [f"{c.zh} (n)" for _, c in b.columns]) + " |", "|---" * (len(b.columns) + 1) + "|"]
        for _, label, cells in b.rows:
            lines.append("| " + " | ".join([label.zh] + [f"{_pct(cells[c].value)} ({cells[c].n})" if c in cells else "-" for c, _ in b.columns]) + " |")
        lines.append("")
    if section.judges:
        lines += ["**评判方法有效性**（项目自带标注集上的精确率与召回率，只计已判定的条目）", "", "| 评判方法 | 标注条数 | 精确率 | 召回率 |", "|---|---|---|---|"]
        for j in section.judges:
            lines.append(f"| {j.label.zh} | {j.n} | {_pct3(j.precision)} | {_pct3(j.recall)} |")
        lines.append("")
    if section.explicit_label is not None:
        lines += [
            f"**显式标识**（GB 45438-2025，文本）：{_rate(section.explicit_label)} 的回答（n={section.explicit_label.n}）"
            "在开头、结尾或中间带有“人工智能生成”类文字提示。标识义务在发布内容的服务一侧，此项只作记录，不计入结论。",
            "",
        ]
    if not section.banks_ok:
        lines.append("> 注意：题库未达到标准要求（见题库核查），以上结果只说明评估流程，不能作为备案证据。")
        lines.append("")
    return lines


def _metric_rate(m: dict[str, float], prefix: str, measure: str) -> str:
    key = f"{prefix}/{measure}"
    return "-" if key not in m else f"{_pct(m[key])} [{_pct(m.get(key + '_ci_low'))}, {_pct(m.get(key + '_ci_high'))}]"


def _reference_rows(m: dict[str, float], prefix: str, label: str) -> list[str]:
    """Short answers: exact match, character F1 and ROUGE-L with their intervals."""
    if f"{prefix}/char_f1" not in m:
        return []
    cells = " | ".join(_metric_rate(m, prefix, measure) for measure in names.REFERENCE_MEASURES)
    return [f"| {label} | {cells} | {int(m.get(f'{prefix}/n', 0))} |"]


def _rubric_line(m: dict[str, float], prefix: str, label: str) -> list[str]:
    if f"{prefix}/pass_rate" not in m:
        return []
    return [f"- {label}：评分模型判定合格率 {_metric_rate(m, prefix, 'pass_rate')}（已判定 {int(m[f'{prefix}/n'])} 题）；"
            f"未能判定 {int(m[f'{prefix}/undecided'])} / {int(m[f'{prefix}/items'])} 题，合格率上下界 "
            f"{_pct(m[f'{prefix}/pass_rate_bound_low'])} – {_pct(m[f'{prefix}/pass_rate_bound_high'])}（未判定的题应先由人工评审）。"]


_REFERENCE_HEADER = ["| 范围 | 精确匹配 [95% 置信区间] | 字符 F1 [95% 置信区间] | ROUGE-L [95% 置信区间] | 题数 |", "|---|---|---|---|---|"]


def _generation_section(m: dict[str, float], suite: str) -> list[str]:
    lines = [f"### {suite}", ""]
    rows = _reference_rows(m, suite, "简答题")
    if rows:
        lines += [*_REFERENCE_HEADER, *rows, ""]
    return lines + _rubric_line(m, f"{suite}/{names.RUBRIC}", "开放题") + [""]


def _scenario_section(m: dict[str, float], p: dict[str, str], suite: str) -> list[str]:
    owner = p.get(names.suite_param(suite, "scenario_owner"), "")
    lines = [f"### {suite}", "", f"- 场景集归属：{owner}；行业：{p.get(names.suite_param(suite, 'scenario_sector'), '')}；"
             f"题目摘要 `{p.get(names.suite_param(suite, 'data_digest'), '')[:16]}`；登记运行 `{p.get(names.suite_param(suite, 'scenario_registration'), '')}`"]
    if owner.startswith("committee:"):
        lines.append("- 评审委员会自有题：题目、参考答案、评分要点与模型回答不以明文记录，只记录摘要与得分。")
    if f"{suite}/choice/accuracy" in m:
        lines.append(f"- 选择题：准确率 {_metric_rate(m, f'{suite}/choice', 'accuracy')}（{int(m[f'{suite}/choice/n'])} 题）")
    lines += _rubric_line(m, f"{suite}/open", "开放题")
    rows = _reference_rows(m, f"{suite}/short", "简答题")
    return lines + ([""] + _REFERENCE_HEADER + rows if rows else []) + [""]


def _fit_lines(m: dict[str, float], p: dict[str, str], suites: list[str]) -> list[str]:
    """How prompts were fitted to the model's context, where fitting changed anything."""
    lines = []
    for s in suites:
        changed = {k: int(m.get(f"{s}/{names.FIT}/{k}", 0)) for k in ("fewer_shots", "truncated", "excluded")}
        if any(changed.values()):
            shots = "，".join(f"{k.rsplit('/', 1)[1]}-shot {int(v)} 题" for k, v in sorted(m.items(), reverse=True) if k.startswith(f"{s}/{names.FIT}/shots/"))
            lines.append(f"- {s}（{p.get(names.suite_param(s, 'fit_policy'), '')}，提示上限 {p.get(names.suite_param(s, 'prompt_limit'), '')} 个词元）："
                         f"减少示例 {changed['fewer_shots']} 题，左截断 {changed['truncated']} 题，排除 {changed['excluded']} 题；{shots}")
    return ["## 提示长度适配", "", "以下套件的部分提示超出模型上下文，评估前已按声明的策略处理（逐题记录见 items/ 与 fit/）：", "", *lines, ""] if lines else []


def render_markdown(report: RunReport) -> str:
    p = report.identity.params
    lines = [
        "# 大模型评估报告",
        "",
        f"- 模型：{p.get(names.P_MODEL_NAME)} 版本 {p.get(names.P_MODEL_VERSION)}，权重指纹 `{p.get(names.P_FINGERPRINT)}`",
        f"- 推理引擎：{p.get(names.P_ENGINE)} {p.get(names.P_ENGINE_VERSION)}；评估配置 {p.get(names.P_PROFILE)}（`{p.get(names.P_PROFILE_DIGEST, '')[:16]}`），随机种子 {p.get(names.P_SEED)}",
        f"- MLflow 运行：`{report.identity.run_id}`；代码版本 `{report.identity.git_revision}`",
    ]
    if names.P_JUDGE_MODEL_PATH in p:
        lines.append(f"- 分类评判模型：{p[names.P_JUDGE_MODEL_PATH]}（指纹 `{p[names.P_JUDGE_MODEL_FINGERPRINT]}`）")
    lines += ["", f"依据：{report.definitions.requirements.source}（安全部分）；选择题与 lm-eval 的 ceval-valid / cmmlu 任务同一提示格式。", ""]
    if report.mcq:
        lines += ["## 通用与行业能力", ""]
        for section in report.mcq:
            lines += _mcq_section(section)
    m, suites = report.metrics, [s for s in p.get(names.P_SUITES, "").split(",") if s]
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
    if report.safety:
        lines += ["## 生成内容安全与拒答（GB/T 45654-2025 / TC260-003）", ""]
        for safety in report.safety:
            lines += _safety_section(safety)
        ok = report.conclusion
        overall = "符合" if ok else "不符合或证据不足"
        lines += ["## 安全评估结论", "", f"**{overall}**：" + ("各项指标达到标准要求，题库与样本量满足标准。" if ok else "至少一项指标未达到标准要求，或题库、样本量不满足标准（见上表“结论”与“说明”）。"), ""]
    lines += ["## 复现命令", "", "```bash", *report.reproduce, "```", ""]
    return "\n".join(lines)


def render_report(client: MlflowClient, run_id: str) -> str:
    return render_markdown(run_report(client, run_id))


@dataclass(frozen=True)
class StoredReport:
    markdown: str
    html: str


def log_report(client: MlflowClient, run_id: str, *, pdf: Path | None = None) -> StoredReport:
    """Render the report and store it with the run, replacing earlier ones: the Markdown section and
    the HTML report; with `pdf`, also print the PDF to that file and store a copy."""
    report = run_report(client, run_id)
    stored = StoredReport(render_markdown(report), render_run_html(report))
    store_report(client, run_id, stored.markdown, stored.html, print_pdf(stored.html, pdf) if pdf is not None else None, after_each=lambda: crash_point("report"))
    return stored
