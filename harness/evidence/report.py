"""The run's report: a Markdown section an enterprise can put into its filing self-assessment
(TC260-003 / GB/T 45654-2025: every item marked 符合 / 不符合 with its evidence), and a district
evaluator can attach to a candidate's file.

Rendered from what the run holds in MLflow (params, metrics, verdict and bank-check tags, the
bank-check artifact), never from memory, so `harness report RUN_ID` gives the same text later and
includes a human review merged after the run. The model both this Markdown and the HTML/PDF report
render is harness/reporting/model.py.
"""

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from mlflow import MlflowClient

from harness.evidence import names
from harness.reporting import labels
from harness.reporting.html import render_run_html
from harness.reporting.pdf import print_pdf
from harness.reporting.model import Estimate, McqSection, RunReport, SafetySection, run_report
from harness.safety.requirements import requirements

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
    lines += ["", f"依据：{requirements().source}（安全部分）；选择题与 lm-eval 的 ceval-valid / cmmlu 任务同一提示格式。", ""]
    if report.mcq:
        lines += ["## 通用与行业能力", ""]
        for section in report.mcq:
            lines += _mcq_section(section)
    if report.safety:
        lines += ["## 生成内容安全与拒答（GB/T 45654-2025 / TC260-003）", ""]
        for section in report.safety:
            lines += _safety_section(section)
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
    with tempfile.TemporaryDirectory() as tmp:
        staged = []
        for artifact, text in ((names.A_REPORT, stored.markdown), (names.A_REPORT_HTML, stored.html)):
            staged.append((Path(tmp) / Path(artifact).name, artifact))
            staged[-1][0].write_text(text, encoding="utf-8")
        if pdf is not None:
            staged.append((Path(tmp) / Path(names.A_REPORT_PDF).name, names.A_REPORT_PDF))
            shutil.copyfile(print_pdf(stored.html, pdf), staged[-1][0])
        for path, artifact in staged:
            client.log_artifact(run_id, str(path), str(Path(artifact).parent))
    return stored
