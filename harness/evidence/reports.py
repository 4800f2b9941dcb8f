"""A run's rendered reports stored with the run (harness/reporting/ renders them), replacing earlier ones."""

import shutil
from collections.abc import Callable
import tempfile
from pathlib import Path

from mlflow import MlflowClient

from harness.evidence import names


def store_report(
    client: MlflowClient, run_id: str, markdown: str, html: str, pdf: Path | None = None, after_each: Callable[[], None] = lambda: None
) -> None:
    """The Markdown section and the HTML report, and a copy of the printed PDF when there is one;
    `after_each` runs after each file is stored (the crash tests' kill point)."""
    with tempfile.TemporaryDirectory() as tmp:
        staged = []
        for artifact, text in ((names.A_REPORT, markdown), (names.A_REPORT_HTML, html)):
            staged.append((Path(tmp) / Path(artifact).name, artifact))
            staged[-1][0].write_text(text, encoding="utf-8")
        if pdf is not None:
            staged.append((Path(tmp) / Path(names.A_REPORT_PDF).name, names.A_REPORT_PDF))
            shutil.copyfile(pdf, staged[-1][0])
        for path, artifact in staged:
            client.log_artifact(run_id, str(path), str(Path(artifact).parent))
            after_each()
