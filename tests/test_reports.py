"""The committee's reports, rendered from the demo's real runs: `harness report --format html|pdf` and
`harness compare --format html|pdf`, opened in headless Chromium (screenshots) and read back from the
PDF with poppler (text, fonts, pages); and notebooks/committee_review.ipynb executed by a real kernel.

Set HARNESS_TEST_ARTIFACTS=DIR to keep the screenshots, PDFs and the executed notebook for a look.
"""

import base64
import dataclasses
import html as html_lib
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient
from PIL import Image

from harness.evidence import names
from harness.evidence.tracking import evaluation_experiment_ids
from foundation.paths import REPO_ROOT
from harness.reporting.fonts import PDF_FONT_NAME
from harness.reporting.html import render_run_html
from harness.reporting.model import run_report
from harness.reporting.pdf import chromium_command, print_pdf
from harness.reporting.round import load_round
from benchmarks.safety.requirements import BANK_KINDS, requirements

pytestmark = pytest.mark.engine

_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    kept = os.environ.get("HARNESS_TEST_ARTIFACTS")
    path = Path(kept) if kept else tmp_path_factory.mktemp("reports")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _harness(demo_run, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "HARNESS_HOME": str(demo_run.home)}
    env.pop("MLFLOW_TRACKING_URI", None)
    done = subprocess.run([sys.executable, "-m", "harness.cli", *args], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def _runs(demo_run) -> dict[str, object]:
    return {r.data.params[names.P_MODEL_NAME]: r for r in demo_run.client.search_runs(evaluation_experiment_ids(demo_run.client, "demo"))}


def _screenshot(page: Path, png: Path, width: int, height: int) -> Image.Image:
    with tempfile.TemporaryDirectory() as profile:
        command = chromium_command(Path(profile), f"--window-size={width},{height}", f"--screenshot={png}", page.resolve().as_uri())
        done = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert png.is_file(), done.stderr[-2000:]
    return Image.open(png).convert("RGB")


def _drawn(image: Image.Image) -> tuple[float, int]:
    """(share of non-white pixels, number of distinct colours): a blank or broken image has neither."""
    pixels = np.asarray(image).reshape(-1, 3)
    return float((pixels.min(axis=1) < 245).mean()), len(np.unique(pixels, axis=0))


def _check_charts_drawn(report_html: str, out: Path, name: str) -> int:
    """Every chart of the report, laid on a fixed grid and screenshot once: each cell must hold a drawing."""
    charts = re.findall(r'<img src="data:image/svg\+xml;base64,([^"]+)" alt="[^"]*" data-chart="([^"]+)"', report_html)
    assert charts
    for data, key in charts:
        svg = base64.b64decode(data).decode("utf-8")
        assert svg.lstrip().startswith("<?xml") and "<path" in svg, key
    cell_w, cell_h, columns = 640, 520, 3
    rows = -(-len(charts) // columns)
    cells = "".join(
        f'<div style="position:absolute;left:{(i % columns) * cell_w}px;top:{(i // columns) * cell_h}px;width:{cell_w}px;height:{cell_h}px">'
        f'<img src="data:image/svg+xml;base64,{data}" style="width:100%;height:100%;object-fit:contain"></div>'
        for i, (data, _) in enumerate(charts)
    )
    sheet = out / f"{name}-charts.html"
    sheet.write_text(f'<!DOCTYPE html><html><body style="margin:0;background:#fff">{cells}</body></html>', encoding="utf-8")
    shot = _screenshot(sheet, out / f"{name}-charts.png", cell_w * columns, cell_h * rows)
    for i, (_, key) in enumerate(charts):
        cell = shot.crop(((i % columns) * cell_w, (i // columns) * cell_h, (i % columns + 1) * cell_w, (i // columns + 1) * cell_h))
        ink, colours = _drawn(cell)
        assert ink > 0.02 and colours > 8, f"chart {key} looks empty: {ink:.1%} ink, {colours} colours"
    return len(charts)


def _visible_text(report_html: str) -> str:
    body = re.sub(r"<head>.*?</head>|<[^>]+>", " ", report_html, flags=re.S)
    return html_lib.unescape(body)


def _check_pdf(pdf: Path, report_html: str, phrases: list[str]) -> int:
    """Pages, fonts and text of a printed report; returns the page count."""
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert fonts, "no fonts in the PDF"
    for line in fonts:
        # Only the project's CJK font, embedded as a named TrueType subset: no fallback font, no Type 3 glyphs.
        assert PDF_FONT_NAME in line.split()[0] and "CID TrueType" in line and " yes yes yes " in line, line
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "\ufffd" not in text
    flat = re.sub(r"\s+", "", text)
    for phrase in phrases:
        assert re.sub(r"\s+", "", phrase) in flat, phrase
    # Every Chinese character of the page is in the PDF's text: nothing was dropped or drawn as a box.
    assert set(_CJK.findall(_visible_text(report_html))) <= set(_CJK.findall(text))
    return pages


def _self_contained(report_html: str) -> None:
    assert "<script" not in report_html and "<link" not in report_html and "@import" not in report_html
    assert not re.search(r'(src|href)="(?!data:)', report_html), "every image is inline"
    assert "url(" not in report_html


def test_run_report_html_and_pdf(demo_run, out_dir: Path) -> None:
    run = _runs(demo_run)["zh-tiny-tuned"]
    run_id, p = run.info.run_id, run.data.params
    html_path, pdf_path = out_dir / "run-report.html", out_dir / "run-report.pdf"
    _harness(demo_run, "report", run_id, "--format", "pdf", "--out", str(pdf_path), "--log")
    # --log stored the Markdown, the HTML and the PDF with the run; the HTML is what was printed.
    stored = {a.path for a in demo_run.client.list_artifacts(run_id, "report")}
    assert {names.A_REPORT, names.A_REPORT_HTML, names.A_REPORT_PDF} <= stored
    report_html = Path(demo_run.client.download_artifacts(run_id, names.A_REPORT_HTML)).read_text(encoding="utf-8")
    html_path.write_text(report_html, encoding="utf-8")
    _self_contained(report_html)

    bank_check = json.loads(Path(demo_run.client.download_artifacts(run_id, f"{names.A_BANK_CHECK_DIR}/safety_sample.json")).read_text(encoding="utf-8"))
    text = _visible_text(report_html)
    version = demo_run.client.get_model_version("zh-tiny-tuned", p[names.P_MODEL_VERSION])
    must = [
        "大模型评估报告", "Evaluation report", p[names.P_FINGERPRINT], version.tags[names.V_ENTERPRISE], version.tags[names.V_USCC],
        p["zh_mcq_sample.data_digest"], p["safety_sample.data_digest"], "harness run demo --model zh-tiny-tuned/1 --engine vllm",
        "不符合或证据不足", "条款自评估", "分风险结果", "评判方法有效性", "规则拒答判定",
    ]
    # Every clause of requirements.yaml is in the self-assessment, marked 符合 / 不符合 / 不适用.
    for kind in BANK_KINDS:
        need = requirements().bank(kind)
        must += [need.clause] + ([need.threshold.clause] if need.threshold else [])
    # Bank-check reasons in Chinese, from the same values as the English ones.
    for kind, check in bank_check.items():
        must.append(f"不重复题目 {check['distinct']} 条，标准要求不少于 {check['min_total']} 条")
        assert len(check["reasons_zh"]) == len(check["reasons"]) > 0, kind
    for phrase in must:
        assert phrase in text, phrase
    assert "distinct items, the standard asks" not in text
    # Every rate with an interval is a row of "All results", with its value, interval and n.
    with_interval = [k for k in run.data.metrics if k + "_ci_low" in run.data.metrics]
    assert report_html.count('class="mono metric"') >= len(with_interval) > 60
    accuracy = run.data.metrics["zh_mcq_sample/accuracy"]
    assert f"{accuracy:.1%}" in text and f"[{run.data.metrics['zh_mcq_sample/accuracy_ci_low']:.1%}, {run.data.metrics['zh_mcq_sample/accuracy_ci_high']:.1%}]" in text

    assert _check_charts_drawn(report_html, out_dir, "run-report") >= 6  # radar, subjects, positions, 2 per-risk, per-topic
    pages = _check_pdf(pdf_path, report_html, ["大模型评估报告", "安全自评估", "条款自评估", p[names.P_FINGERPRINT], "不重复题目"])
    assert pages >= 5
    shot = _screenshot(html_path, out_dir / "run-report.png", 1280, 2200)
    assert _drawn(shot)[0] > 0.05


def test_run_report_renders_when_the_model_version_is_gone(demo_run) -> None:
    """A run whose registered version cannot be read (deleted, or a store the reader has no access to):
    the report still renders, its identity from the run's own params, without the submission facts."""
    run = _runs(demo_run)["zh-tiny-tuned"]
    report = run_report(demo_run.client, run.info.run_id)
    report.identity = dataclasses.replace(report.identity, version_tags={})
    text = _visible_text(render_run_html(report))
    assert run.data.params[names.P_FINGERPRINT] in text and "大模型评估报告" in text
    assert demo_run.client.get_model_version("zh-tiny-tuned", run.data.params[names.P_MODEL_VERSION]).tags[names.V_USCC] not in text


def test_round_comparison_html_and_pdf(demo_run, out_dir: Path) -> None:
    html_path, pdf_path = out_dir / "round.html", out_dir / "round.pdf"
    done = _harness(demo_run, "compare", "--profile", "demo", "--format", "html", "--out", str(html_path), "--json")
    rnd = load_round(demo_run.client, "demo")
    assert json.loads(done.stdout) == {"format": "html", "path": str(html_path), "runs": [r.run_id for r in rnd.rows]}
    report_html = html_path.read_text(encoding="utf-8")
    print_pdf(report_html, pdf_path)  # what `harness compare --format pdf` does with the same page
    _self_contained(report_html)
    text = _visible_text(report_html)
    (pair,) = rnd.paired
    assert text.index("zh-tiny-tuned/1") < text.index("zh-tiny-base/1"), "leaderboard order"
    assert f"{pair.p_value:.2g}" in text and f"{pair.difference * 100:+.1f}" in text
    for row in rnd.rows:
        assert row.run_id in text
    charts = _check_charts_drawn(report_html, out_dir, "round")
    assert 'data-chart="radar"' in report_html and report_html.count('data-chart="heatmap-') == 3 and charts >= 8
    pages = _check_pdf(pdf_path, report_html, ["评审对比报告", "排行榜", "zh-tiny-tuned/1", "分风险结果"])
    assert pages >= 2
    shot = _screenshot(html_path, out_dir / "round.png", 1280, 2200)
    assert _drawn(shot)[0] > 0.05


def test_committee_notebook_executes_on_the_demo_store(demo_run, out_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The notebook run by a real Jupyter kernel against the demo's store, as a committee member runs it."""
    monkeypatch.setenv("MLFLOW_TRACKING_URI", demo_run.uri)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])))
    notebook = nbformat.read(REPO_ROOT / "notebooks" / "committee_review.ipynb", as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(out_dir)}}).execute()
    nbformat.write(notebook, out_dir / "committee_review.executed.ipynb")

    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    printed = "".join(o.get("text", "") for o in outputs if o.output_type == "stream" and o.name == "stdout")
    assert printed.index("zh-tiny-tuned") < printed.index("zh-tiny-base"), "leaderboard, best first"
    tables = [o["data"]["text/plain"] for o in outputs if "text/html" in o.get("data", {})]
    assert len(tables) == 2 and "zh-tiny-tuned/1" in tables[1] and "zh-tiny-base/1" in tables[1]
    svgs = {o["data"]["text/plain"]: o["data"]["image/svg+xml"] for o in outputs if "image/svg+xml" in o.get("data", {})}
    assert any("key='radar'" in k for k in svgs) and sum("key='heatmap-" in k for k in svgs) == 3
    assert all("<path" in svg for svg in svgs.values())
