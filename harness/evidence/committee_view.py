"""What a committee meets in MLflow's UI: each evaluation run described in Chinese (a Markdown
summary table as the run's description, one readable line per verdict beside the JSON tag), each
model version listing its evaluations with their headline metrics, and each round (a profile) with a
saved comparison view of its runs across the enterprises' experiments."""

import json
import math
import time
from urllib.parse import quote

from mlflow import MlflowClient
from mlflow.entities import LoggedModelInput, Run, ViewType
from mlflow.entities.model_registry import ModelVersion

from harness.scoring.verdict import Verdict
from harness.evidence import names
from harness.evidence.tracking import ensure_experiment, evaluation_experiment_ids

BANK_NAMES = {"generated": "生成内容 generated content", "should_refuse": "应拒答 should refuse", "should_not_refuse": "非拒答 should not refuse"}
MEASURE_NAMES = {"pass_rate": "合格率 pass rate", "refusal_rate": "拒答率 refusal rate"}
# MLflow 3.17's UI has a global GenAI / Model training switch (remembered per browser, GenAI by default)
# that wins over an experiment's kind tag; links the harness writes ask for the model-training views.
ML_VIEW = "workflowType=machine_learning"
VERSIONS_MARKER = "<!-- harness: evaluations below are rewritten after every evaluation -->"


def _pct(x: float) -> str:
    return "–" if math.isnan(x) else f"{x:.1%}"


def verdict_line(v: Verdict) -> str:
    """e.g. "FAIL 不符合 92.2% [81.5%, 96.9%] n=51 >= 95% · 拒答率 refusal rate · TC260-003-2024 …": the verdict
    first, since the UI cuts long tag values short."""
    mark = "PASS 符合" if v.passed else "FAIL 不符合"
    by = f" by {v.method}" if v.method else ""
    note = " · not filing-grade (sample below the standard's minimum)" if v.rate.n < v.filing_minimum else ""
    return f"{mark} {_pct(v.rate.rate)} [{_pct(v.rate.low)}, {_pct(v.rate.high)}] n={v.rate.n} {v.threshold.describe()} · {MEASURE_NAMES.get(v.measure, v.measure)}{by} · {v.threshold.clause}{note}"


def verdicts_line(verdicts: list[Verdict]) -> str:
    passed = sum(v.passed for v in verdicts)
    return f"符合 {passed} / 不符合 {len(verdicts) - passed} (PASS {passed} / FAIL {len(verdicts) - passed})" if verdicts else "no verdicts"


def version_link(name: str, version: str) -> str:
    return f"#/models/{quote(name, safe='')}/versions/{version}"


def run_link(experiment_id: str, run_id: str) -> str:
    return f"#/experiments/{experiment_id}/runs/{run_id}?{ML_VIEW}"


def logged_model_id(version: ModelVersion) -> str | None:
    """The logged model a version was registered from (`harness submit` makes one per version). A tracking
    server does not return `model_id` on versions; their source `models:/<id>` names it."""
    if version.model_id:
        return version.model_id
    source = version.source or ""
    return source.removeprefix("models:/") if source.startswith("models:/") and "/" not in source.removeprefix("models:/") else None


def describe_run(client: MlflowClient, run_id: str, version: ModelVersion, profile: str, metrics: dict[str, float], verdicts: list[Verdict]) -> None:
    """The run's description (Markdown, Chinese first), one readable tag per verdict, and its link to
    the model version it evaluated."""
    rows = []
    for key in sorted(k for k in metrics if k.count("/") == 1 and k.endswith("/accuracy")):
        suite = key.split("/")[0]
        rows.append(f"| {suite} 准确率 accuracy | {_pct(metrics[key])} | [{_pct(metrics[key + '_ci_low'])}, {_pct(metrics[key + '_ci_high'])}] | {int(metrics[suite + '/n'])} | – | – |")
    for v in verdicts:
        label = f"{v.suite} {BANK_NAMES.get(v.bank, v.bank)} {MEASURE_NAMES.get(v.measure, v.measure)}" + (f" ({v.method})" if v.method else "")
        rows.append(
            f"| {label} | {_pct(v.rate.rate)} | [{_pct(v.rate.low)}, {_pct(v.rate.high)}] | {v.rate.n} | {v.threshold.describe()} | "
            f"{'**符合 PASS**' if v.passed else '**不符合 FAIL**'} |"
        )
    clauses = sorted({v.threshold.clause for v in verdicts})
    enterprise = version.tags.get(names.V_ENTERPRISE, "")
    text = "\n".join([
        "### 评测摘要 Evaluation summary",
        "",
        f"**模型 Model**: [{version.name} 版本 version {version.version}]({version_link(version.name, str(version.version))})"
        f" · **企业 Enterprise**: {enterprise} · **方案 Profile**: `{profile}`",
        f"**指纹 Fingerprint**: `{version.tags.get(names.V_FINGERPRINT, '')[:16]}…` · **结论 Verdicts**: {verdicts_line(verdicts)}",
        "",
        "| 指标 Measure | 结果 Result | 95% 置信区间 CI | n | 阈值 Threshold | 结论 Verdict |",
        "|---|---|---|---|---|---|",
        *rows,
        "",
        *([f"依据 Clauses: {'; '.join(clauses)}", ""] if clauses else []),
        f"完整报告 Full report: artifact `{names.A_REPORT}`, or `harness report {run_id}`. Every metric is in the Model metrics tab; per-item results under `{names.A_ITEMS_DIR}/`.",
    ])
    model_id = logged_model_id(version)
    if model_id:
        # The version's logged model as the run's model input: the run page then lists the registered
        # version under "Registered models" (the UI reads the logged model's `mlflow.modelVersions` tag).
        client.log_inputs(run_id, models=[LoggedModelInput(model_id)])
    client.set_tag(run_id, names.X_NOTE, text)
    client.set_tag(run_id, names.T_VERDICTS_SUMMARY, verdicts_line(verdicts))
    for v in verdicts:
        client.set_tag(run_id, names.verdict_summary_tag(v.suite, v.bank, v.method), verdict_line(v))


def _headline(run: Run) -> str:
    m = run.data.metrics
    parts = [f"{k.split('/')[0]} accuracy {_pct(m[k])}" for k in sorted(m) if k.count("/") == 1 and k.endswith("/accuracy")]
    parts += [
        f"{k.split('/')[0]} {BANK_NAMES.get(k.split('/')[1], k.split('/')[1]).split()[0]} {_pct(m[k])}"
        for k in sorted(m) if k.count("/") == 2 and k.endswith(("/refusal_rate", "/pass_rate"))
    ]
    return "; ".join(parts)


def publish_evaluation(client: MlflowClient, run_id: str) -> str:
    """After a run reached the server: its model version lists it, and its round's saved view covers
    its experiment. Returns the round view's URL fragment (append it to the server's address)."""
    run = client.get_run(run_id)
    p = run.data.params
    _update_version(client, p[names.P_MODEL_NAME], p[names.P_MODEL_VERSION])
    return save_round_view(client, p[names.P_PROFILE])


def _update_version(client: MlflowClient, name: str, version: str) -> None:
    runs = client.search_runs(
        evaluation_experiment_ids(client),
        filter_string=f"attributes.status = 'FINISHED' and params.`{names.P_MODEL_NAME}` = '{name}' and params.`{names.P_MODEL_VERSION}` = '{version}'",
        order_by=["attributes.start_time DESC"], max_results=200,
    )
    rows = [
        f"| {time.strftime('%Y-%m-%d %H:%M', time.localtime(r.info.start_time / 1000))} | `{r.data.params.get(names.P_PROFILE, '')}` "
        f"| [{r.info.run_name}]({run_link(r.info.experiment_id, r.info.run_id)}) | {r.data.tags.get(names.T_VERDICTS_SUMMARY, '')} | {_headline(r)} |"
        for r in runs
    ]
    current = client.get_model_version(name, version).description or ""
    kept = current.split(VERSIONS_MARKER)[0].rstrip()
    section = "\n".join([
        VERSIONS_MARKER, "", f"### 评测记录 Evaluations ({len(runs)})", "",
        "| 时间 Started | 方案 Profile | 运行 Run | 结论 Verdicts | 主要指标 Headline metrics |", "|---|---|---|---|---|", *rows,
    ])
    client.update_model_version(name, version, description=f"{kept}\n\n{section}" if kept else section)
    latest: dict[str, Run] = {}
    for r in runs:
        latest.setdefault(r.data.params.get(names.P_PROFILE, ""), r)
    for profile, r in latest.items():
        client.set_model_version_tag(name, version, f"{names.V_EVALUATION_PREFIX}{profile}", f"{r.info.run_id} · {r.data.tags.get(names.T_VERDICTS_SUMMARY, '')}")


def save_round_view(client: MlflowClient, profile: str) -> str:
    """The round's saved comparison: MLflow's shared view state (columns, order) as a tag on the round's
    experiment and on each enterprise experiment of the round (the UI reads it from whichever experiment
    comes first in the comparison), and the link in the round experiment's description."""
    members = [e for e in client.search_experiments(view_type=ViewType.ACTIVE_ONLY) if names.is_evaluation_experiment(e.name, profile)]
    runs = client.search_runs([e.experiment_id for e in members], filter_string="attributes.status = 'FINISHED'", max_results=500) if members else []
    metric_keys = sorted({k for r in runs for k in r.data.metrics if (k.count("/") == 1 and k.endswith("/accuracy")) or (k.count("/") == 2 and k.endswith(("/refusal_rate", "/pass_rate")))})
    state = {
        "searchFilter": "attributes.status = 'FINISHED'",
        "orderByKey": f"metrics.`{metric_keys[0]}`" if metric_keys else "attributes.start_time",
        "orderByAsc": False,
        "selectedColumns": [f"params.`{names.P_MODEL_NAME}`", f"params.`{names.P_MODEL_VERSION}`", f"tags.`{names.T_VERDICTS_SUMMARY}`", *(f"metrics.`{k}`" for k in metric_keys)],
    }
    round_id = ensure_experiment(client, names.round_experiment(profile), {names.X_PROFILE: profile, names.X_KIND_TAG: names.X_KIND_VALUE})
    ids = [e.experiment_id for e in members]
    url = f"#/compare-experiments/s?experiments={quote(json.dumps(sorted([round_id, *ids])))}&viewStateShareKey={names.ROUND_VIEW_KEY}&{ML_VIEW}"
    value = json.dumps(state, ensure_ascii=False)
    for experiment_id in [round_id, *ids]:
        client.set_experiment_tag(experiment_id, names.SHARED_VIEW_TAG_PREFIX + names.ROUND_VIEW_KEY, value)
    listing = "\n".join(f"- [{e.tags.get(names.X_ENTERPRISE, e.name)}](#/experiments/{e.experiment_id}?{ML_VIEW}) `{e.name}`" for e in members)
    client.set_experiment_tag(round_id, names.X_NOTE, "\n".join([
        f"## 评审轮次 Round: profile `{profile}`", "",
        f"**[打开本轮对比视图 Open the round's comparison view]({url})**: every finished run of the round, one row per run, "
        "headline metrics with the verdict summary, best first.", "",
        f"参评企业 Enterprises ({len(members)}):", listing, "",
        "`harness compare --profile " + profile + "` prints the same leaderboard with confidence intervals and paired tests.",
    ]))
    return url
