"""The `harness` command (DESIGN.md section 7). Thin: parse, call one function, print.

Every command takes --tracking-uri and --json; with --json, stdout carries one JSON document and
human text goes to stderr.
"""

import argparse
import json
import logging
import os
import sys
import warnings
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from harness.errors import InputError


def _quiet_libraries() -> None:
    # The engines and MLflow log at INFO by default, which buries the progress bars and results.
    warnings.filterwarnings("ignore", category=FutureWarning)
    os.environ.setdefault("VLLM_LOGGING_LEVEL", "ERROR")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    for name in ("alembic", "mlflow", "lm_eval", "vllm", "datasets", "httpx"):
        logging.getLogger(name).setLevel(logging.WARNING)


class Output:
    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json

    def human(self, text: str) -> None:
        print(text, file=sys.stderr if self.as_json else sys.stdout)

    def result(self, document: object, text: str) -> None:
        if self.as_json:
            print(json.dumps(document, ensure_ascii=False, indent=2, default=str))
        else:
            print(text)


def _client(args: argparse.Namespace):  # -> MlflowClient; imported late: mlflow takes seconds
    import mlflow  # noqa: F401  (configures its logger on import; quieted just below)

    from harness.evidence.tracking import connect

    logging.getLogger("mlflow").setLevel(logging.WARNING)
    return connect(args.tracking_uri)


def cmd_submit(args: argparse.Namespace, out: Output) -> None:
    from registry.checkpoint import Limits
    from registry.register import submit

    limits = Limits(max_files=args.max_files, max_bytes=args.max_bytes, max_header_bytes=args.max_header_bytes)
    r = submit(Path(args.manifest), _client(args), progress=not args.json, limits=limits, allow_custom_code=args.allow_custom_code)
    state = "already registered as" if r.existing else "registered as"
    notes = "".join(f"\nnote: {n}" for n in r.notes)
    out.result(asdict(r), f"{r.name}: {state} version {r.version}\nfingerprint {r.fingerprint}{notes}")


def cmd_models(args: argparse.Namespace, out: Output) -> None:
    from harness.models import list_models, render_models

    rows = list_models(_client(args), enterprise=args.enterprise, sector=args.sector)
    out.result(rows, render_models(rows))


def cmd_run(args: argparse.Namespace, out: Output) -> None:
    from harness.compare import leaderboard
    from harness.evaluate import evaluate

    client = _client(args)
    e = evaluate(client, args.profile, args.model, engine_name=args.engine, limit=args.limit, progress=not args.json)
    lines = [f"run {e.run_id}: {e.model}/{e.version}", _render_rows(leaderboard(client, run_ids=[e.run_id]), "table")]
    for v in e.verdicts:
        lines.append(f"{v.suite}/{v.bank}: refusal {v.rate}, threshold {v.threshold.describe()} -> {'PASS' if v.passed else 'FAIL'} [{v.threshold.clause}]")
        if v.sample_note:
            lines.append(f"  note: {v.sample_note}")
    out.result({"run_id": e.run_id, "model": e.model, "version": e.version, "metrics": e.metrics}, "\n".join(lines))


def _render_rows(rows: list, fmt: str) -> str:
    from harness.compare import render_csv, render_table

    return render_csv(rows) if fmt == "csv" else render_table(rows)


def _comparison(client, rows: list) -> tuple[dict, str]:  # noqa: ANN001  (MlflowClient, imported late)
    """The leaderboard plus paired significance tests, as JSON and as text."""
    from harness.compare import as_json
    from harness.paired import paired_differences

    paired = paired_differences(client, rows)
    text = _render_rows(rows, "table")
    if paired:
        text += "\n\nPaired differences on shared items (McNemar exact test):\n" + "\n".join(f"  {d}" for d in paired)
    return {"leaderboard": as_json(rows), "paired": [asdict(d) | {"difference": d.difference} for d in paired]}, text


def cmd_compare(args: argparse.Namespace, out: Output) -> None:
    from harness.compare import leaderboard

    client = _client(args)
    rows = leaderboard(client, profile=args.profile)
    if args.format == "csv" and not args.json:
        print(_render_rows(rows, "csv"), end="")
        return
    document, text = _comparison(client, rows)
    Output(args.json or args.format == "json").result(document, text)


def cmd_demo(args: argparse.Namespace, out: Output) -> None:
    from harness.demo.job import run_demo
    from harness.evidence.tracking import default_tracking_uri

    client = _client(args)
    registered, evaluations, rows = run_demo(client, engine=args.engine, limit=args.limit, rebuild=args.rebuild, progress=not args.json)
    for r in registered:
        out.human(f"submitted {r.name}/{r.version} (fingerprint {r.fingerprint[:16]}…{', already registered' if r.existing else ''})")
    uri = args.tracking_uri or default_tracking_uri()
    comparison, table = _comparison(client, rows)
    text = "\n".join([
        "",
        "Demo comparison (read back from MLflow; demo data are project-written samples, not filing-grade evidence):",
        table,
        "",
        f"Browse the runs: mlflow ui --backend-store-uri {uri}" if uri.startswith("sqlite") else f"Runs are on {uri}",
    ])
    out.result({"registered": [asdict(r) for r in registered], "runs": [e.run_id for e in evaluations], "comparison": comparison}, text)


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--tracking-uri", help="MLflow tracking URI (default: MLFLOW_TRACKING_URI, else the embedded local store)")
    common.add_argument("--json", action="store_true", help="print one JSON document on stdout; human text goes to stderr")
    parser = argparse.ArgumentParser(prog="harness", description="Register and evaluate Chinese vertical large models; evidence in MLflow.")
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, handler: Callable[[argparse.Namespace, Output], None], help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, parents=[common], help=help_text, description=help_text)
        p.set_defaults(handler=handler)
        return p

    p = command("demo", cmd_demo, "build the bundled tiny models, submit them, run the demo profile on each, print a comparison")
    p.add_argument("--engine", choices=("vllm", "hf"), help="engine for the runs (default: the profile's, vllm)")
    p.add_argument("--limit", type=int, help="a seeded sample of N items per suite, for a quick look")
    p.add_argument("--rebuild", action="store_true", help="rebuild the demo checkpoints even when cached")

    from registry.checkpoint import Limits  # light (no mlflow, no torch); its defaults are the options' defaults

    p = command("submit", cmd_submit, "validate a submission manifest and its checkpoint, fingerprint it, register it")
    p.add_argument("manifest", help="the submission manifest (YAML); see registry/examples/submission.yaml and docs/submission.md")
    p.add_argument(
        "--allow-custom-code",
        action="store_true",
        help="administrators only: accept a checkpoint that ships its own code (auto_map, *.py); recorded on the version",
    )
    p.add_argument("--max-files", type=int, default=Limits.max_files, help="most files a checkpoint may hold (default: %(default)s)")
    p.add_argument("--max-bytes", type=int, default=Limits.max_bytes, help="most bytes a checkpoint may hold (default: %(default)s)")
    p.add_argument(
        "--max-header-bytes",
        type=int,
        default=Limits.max_header_bytes,
        help="largest safetensors header or JSON file the intake parses (default: %(default)s)",
    )

    p = command("models", cmd_models, "registered models and versions with their fingerprints")
    p.add_argument("--enterprise", help="only this enterprise (legal name or USCC)")
    p.add_argument("--sector", help="only models that declare this sector code")

    p = command("run", cmd_run, "run a profile against a registered model version")
    p.add_argument("profile", help="a profile name under configs/ or a YAML file")
    p.add_argument("--model", required=True, help="NAME or NAME/VERSION of a registered model (latest version if omitted)")
    p.add_argument("--engine", choices=("vllm", "hf", "openai"), help="override the profile's engine")
    p.add_argument("--limit", type=int, help="a seeded sample of N items per suite, for a quick look")

    p = command("compare", cmd_compare, "leaderboard of finished evaluation runs, with confidence intervals and verdicts")
    p.add_argument("--profile", help="only runs of this profile")
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _quiet_libraries()
    try:
        args.handler(args, Output(args.json))
    except InputError as e:
        for problem in e.problems:
            print(f"error: {problem}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
