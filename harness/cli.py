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
from typing import TYPE_CHECKING

from foundation.errors import EngineFailure, InputError, Problem
from harness.scoring.judges.registry import CHAINABLE, MACHINE_JUDGES

if TYPE_CHECKING:
    from benchmarks.safety.requirements import BankKind


def _quiet_libraries() -> None:
    # The engines and MLflow log at INFO by default, which buries the progress bars and results.
    warnings.filterwarnings("ignore", category=FutureWarning)
    os.environ.setdefault("VLLM_LOGGING_LEVEL", "ERROR")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    # On a tracking server MLflow prints "View run … at: URL" to stdout, which would break --json.
    os.environ.setdefault("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", "true")
    # Importing MLflow's auth client loads its FastAPI app, which warns about Starlette internals.
    warnings.filterwarnings("ignore", message="starlette.middleware.wsgi is deprecated")
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
    from harness.evidence.registration import submit

    limits = Limits(max_files=args.max_files, max_bytes=args.max_bytes, max_header_bytes=args.max_header_bytes)
    from harness.evidence.keys import enterprise_key

    client = _client(args)
    r = submit(
        Path(args.manifest), client, progress=not args.json, limits=limits, allow_custom_code=args.allow_custom_code, key_for=lambda uscc: enterprise_key(client, uscc),
        reference=args.reference,
    )
    state = ("already registered as" if r.existing else "registered as") + (" reference model" if args.reference else "")
    notes = "".join(f"\nnote: {n}" for n in r.notes)
    out.result(asdict(r), f"{r.name}: {state} version {r.version}\nfingerprint {r.fingerprint}\nprovenance {r.provenance}{notes}")


def cmd_models(args: argparse.Namespace, out: Output) -> None:
    from harness.models import list_models, render_models

    rows = list_models(_client(args), enterprise=args.enterprise, sector=args.sector)
    out.result(rows, render_models(rows))


def cmd_models_export_oms(args: argparse.Namespace, out: Output) -> None:
    from harness.evidence.keys import private_key_path
    from harness.models import export_oms

    label, signature = export_oms(_client(args), args.model, private_key_path(args.key))
    path = Path(args.out or f"{label.replace('/', '-')}.sig")
    path.write_bytes(signature)
    out.result(
        {"model": label, "signature": str(path)},
        f"{label}: registered fingerprint written as an OMS signature to {path}\n"
        f"check a copy of the weights with: model_signing verify key CHECKPOINT_DIR --signature {path} --public_key EVALUATOR.pub",
    )


def cmd_keys_init(args: argparse.Namespace, out: Output) -> None:
    from harness.evidence.keys import default_key_dir, init_keys

    pair = init_keys(Path(args.dir) if args.dir else default_key_dir(), force=args.force)
    out.result(
        {"private_key": str(pair.private), "public_key": str(pair.public), "key_id": pair.key_id},
        f"private key {pair.private} (mode 0600: keep it secret)\npublic key  {pair.public} (give it to whoever verifies bundles)\nkey id      {pair.key_id}",
    )


def cmd_keys_register(args: argparse.Namespace, out: Output) -> None:
    from harness.evidence.keys import register_enterprise_key

    kid = register_enterprise_key(_client(args), args.uscc, Path(args.public_key))
    out.result({"uscc": args.uscc, "key_id": kid}, f"{args.uscc}: public key {kid} registered; its submissions must now carry model.sig made with it")


VERIFICATION_FAILED = 3  # the evidence or the endpoint is not what was signed or registered
ENGINE_FAILED = 4  # out of memory, the engine's process died, the endpoint kept failing: see the diagnosis


def cmd_bundle(args: argparse.Namespace, out: Output) -> None:
    from harness.evidence.bundle import write_bundle
    from harness.evidence.keys import private_key_path

    key = private_key_path(args.key)
    b = write_bundle(_client(args), args.run_id, key, Path(args.out or f"bundle-{args.run_id}"))
    out.result(b, f"run {b['run_id']}: signed bundle of {b['files']} files written to {b['bundle']} (key {b['key_id'][:16]}…)\n"
                  f"verify with: harness verify {b['bundle']} --key EVALUATOR.pub, or model_signing verify key {b['bundle']} --signature {b['bundle']}/evidence.sig --public_key EVALUATOR.pub")


def cmd_verify(args: argparse.Namespace, out: Output) -> int:
    from harness.evidence.bundle import verify
    from harness.evidence.keys import public_key_path

    key = public_key_path(args.key)
    run_id, findings = verify(None if args.offline else _client(args), args.target, key)
    document = {"target": args.target, "run_id": run_id, "verified": not findings, "findings": [asdict(f) for f in findings]}
    if findings:
        out.result(document, "\n".join(f"FAIL {f.kind}: {f.message}" for f in findings) + f"\n{args.target}: does NOT verify ({len(findings)} findings)")
        return VERIFICATION_FAILED
    scope = "the bundle's own files (offline)" if args.offline else f"run {run_id} as the tracking store holds it now"
    out.result(document, f"{args.target}: verified with key {key}: signature, and {scope}")
    return 0


def cmd_verify_endpoint(args: argparse.Namespace, out: Output) -> int:
    from harness.endpoint_check import verify_endpoint

    verdict = verify_endpoint(_client(args), args.url, args.model, args.served_model_name, progress=not args.json)
    out.result(verdict.as_dict(), verdict.render())
    return 0 if verdict.distance.same else VERIFICATION_FAILED


def cmd_run(args: argparse.Namespace, out: Output) -> None:
    from harness.compare import leaderboard
    from harness.evaluate import evaluate
    from harness.evidence.offline import offline_uri
    from harness.evidence.tracking import connect

    client = _client(args)
    e = evaluate(
        client, args.profile, args.model, engine_name=args.engine, limit=args.limit, progress=not args.json, data=_data_paths(args.data),
        allow_endpoint_mismatch=args.allow_endpoint_mismatch, max_retries=args.max_retries, use_cache=not args.no_cache,
    )
    # A run kept locally is read back from the local store: the server did not answer.
    store, shown_id = (connect(offline_uri()), e.local_run_id or e.run_id) if e.kept_locally else (client, e.run_id)
    continued = " (continued after an interruption)" if e.resumed else ""
    asked = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in e.requests.items())
    lines = [f"run {e.run_id}: {e.model}/{e.version}{continued}; requests: {asked}", _render_rows(leaderboard(store, run_ids=[shown_id]), "table")]
    for v in e.verdicts:
        lines.append(v.describe())
        if v.sample_note:
            lines.append(f"  note: {v.sample_note}")
    for key in sorted(k for k in e.metrics if k.split("/")[1:2] == ["judge"] and k.endswith("/precision")):
        prefix = key.rsplit("/", 1)[0]
        lines.append(f"{prefix}: precision {e.metrics[key]:.3f}, recall {e.metrics[prefix + '/recall']:.3f} on {int(e.metrics[prefix + '/n'])} labelled items")
    lines.append(f"report: harness report {e.run_id}")
    if e.kept_locally:
        lines.append(
            f"KEPT LOCALLY: the tracking server could not be reached ({e.kept_locally}); the run is run {e.local_run_id} in {offline_uri()} "
            f"(harness run id {e.run_uuid}); upload it with `harness sync --tracking-uri {client.tracking_uri}`"
        )
    document = {"run_id": e.run_id, "run_uuid": e.run_uuid, "model": e.model, "version": e.version, "metrics": e.metrics, "resumed": e.resumed, "requests": e.requests}
    out.result(document | ({"kept_locally": e.kept_locally, "local_run_id": e.local_run_id} if e.kept_locally else {}), "\n".join(lines))


def cmd_report(args: argparse.Namespace, out: Output) -> None:
    from harness.reporting.markdown import log_report, render_markdown
    from harness.reporting.html import render_run_html
    from harness.reporting.model import run_report

    client = _client(args)
    _evaluation_run(client, args.run_id)
    if args.format == "md":
        text = log_report(client, args.run_id).markdown if args.log else render_markdown(run_report(client, args.run_id))
        if args.out:
            Path(args.out).write_text(text, encoding="utf-8")
            out.human(f"report written to {args.out}")
        out.result({"run_id": args.run_id, "markdown": text}, "" if args.out else text)
        return
    path = Path(args.out or f"report-{args.run_id[:8]}.{args.format}")
    if args.log:  # stores the Markdown and HTML with the run, and prints and stores the PDF
        stored = log_report(client, args.run_id, pdf=path if args.format == "pdf" else None)
        if args.format == "html":
            path.write_text(stored.html, encoding="utf-8")
    else:
        _write_html_or_pdf(render_run_html(run_report(client, args.run_id)), args.format, path)
    stored_note = " and stored with the run" if args.log else ""
    out.result({"run_id": args.run_id, "format": args.format, "path": str(path), "logged": args.log}, f"report written to {path}{stored_note}")


def _write_html_or_pdf(html: str, fmt: str, path: Path) -> None:
    from harness.reporting.pdf import print_pdf

    if fmt == "pdf":
        print_pdf(html, path)
    else:
        path.write_text(html, encoding="utf-8")


def _evaluation_run(client, run_id: str) -> None:  # noqa: ANN001  (MlflowClient, imported late)
    """The run exists and is an evaluation (a submission's or a key's run has nothing to report)."""
    from mlflow.exceptions import MlflowException

    from harness.evidence import names

    fix = "take the run id from `harness run` or `harness compare --format csv`"
    try:
        kind = client.get_run(run_id).data.tags.get(names.T_KIND)
    except MlflowException as e:
        raise InputError([Problem("RUN_ID", run_id, "no such run in this tracking store", fix)]) from e
    if kind != "evaluation":
        raise InputError([Problem("RUN_ID", run_id, f"a {kind or 'non-harness'} run, not an evaluation run", fix)])


def _data_paths(values: list[str]) -> dict[str, Path]:
    """`--data NAME=PATH` options: a suite's name (or `NAME.<bank>` for one bank of a safety suite) -> a local path."""
    pairs = [v.partition("=") for v in values]
    bad = [Problem("--data", v, "not NAME=PATH", "e.g. --data ceval=/data/ceval-exam") for v, (name, eq, path) in zip(values, pairs, strict=True) if not (name and eq and path)]
    if bad:
        raise InputError(bad)
    return {name: Path(path).expanduser() for name, _, path in pairs}


def cmd_crosscheck(args: argparse.Namespace, out: Output) -> None:
    from harness.crosscheck import crosscheck

    results = crosscheck(
        _client(args), args.profile, args.model, engines=tuple(args.engines.split(",")), scorers=tuple(args.scorers.split(",")),
        limit=args.limit, data=_data_paths(args.data), progress=not args.json,
    )
    out.result([asdict(a) | {"rate": a.rate} for a in results], "\n".join(map(str, results)))


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
        text += "\n\nPaired differences within each group, on items asked identically (McNemar exact test):\n" + "\n".join(f"  [{d.group}] {d}" for d in paired)
    return {"leaderboard": as_json(rows), "paired": [asdict(d) | {"difference": d.difference} for d in paired]}, text


def cmd_compare(args: argparse.Namespace, out: Output) -> None:
    from harness.compare import leaderboard

    selection = _selection(args)
    profile = selection.profile if selection else args.profile
    client = _client(args)
    if args.format in ("html", "pdf"):
        from harness.reporting.html import render_round_html
        from harness.reporting.round import load_round

        path = Path(args.out or f"compare-{profile or 'all'}.{args.format}")
        rnd = load_round(client, profile, selection=selection, top_k=args.top_k)
        _write_html_or_pdf(render_round_html(rnd), args.format, path)
        out.result({"format": args.format, "path": str(path), "runs": [r.run_id for r in rnd.rows]}, f"comparison of {len(rnd.rows)} runs written to {path}")
        return
    rows = leaderboard(client, profile=profile)
    if args.format == "csv" and not args.json:
        if selection:
            from harness.selection import render_selection_csv, select

            print(render_selection_csv(select(client, selection, rows, top_k=args.top_k)), end="")
        else:
            print(_render_rows(rows, "csv"), end="")
        return
    document, text = _comparison(client, rows)
    if selection:
        from harness.selection import render_selection, select

        result = select(client, selection, rows, top_k=args.top_k)
        document["selection"] = result.as_json()
        text += "\n\n" + render_selection(result)
    Output(args.json or args.format == "json").result(document, text)


def _selection(args: argparse.Namespace):  # noqa: ANN202  (harness.selection.Selection | None, imported late)
    """The --selection file, checked before any run is read; --profile must agree with its profile."""
    if args.selection is None:
        if args.top_k is not None:
            raise InputError([Problem("--top-k", str(args.top_k), "ranks on a composite, which needs --selection", "add --selection NAME (configs/selection/) or FILE")])
        return None
    from harness.selection import load_selection

    selection = load_selection(args.selection)
    if args.profile and args.profile != selection.profile:
        raise InputError([Problem("--profile", args.profile, f"selection {selection.name} ranks runs of profile {selection.profile}", "leave --profile out, or use a selection file of that profile")])
    return selection


def cmd_uplift(args: argparse.Namespace, out: Output) -> None:
    from harness.uplift import render_uplift, uplift

    client = _client(args)
    u = uplift(
        client, args.model, profile=args.profile, base_spec=args.base, engine=args.engine, data=_data_paths(args.data), limit=args.limit,
        rerun=args.rerun, progress=not args.json,
    )
    if args.format in ("html", "pdf"):
        from harness.reporting.html import render_uplift_html

        path = Path(args.out or f"uplift-{u.vertical.replace('/', '-')}.{args.format}")
        _write_html_or_pdf(render_uplift_html(u), args.format, path)
        out.result(u.as_json() | {"format": args.format, "path": str(path)}, f"uplift of {u.vertical} over {u.base} written to {path}")
        return
    Output(args.json or args.format == "json").result(u.as_json(), render_uplift(u))


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
        *(f"Report of {e.model}/{e.version}: harness report {e.run_id}" for e in evaluations),
    ])
    out.result({"registered": [asdict(r) for r in registered], "runs": [e.run_id for e in evaluations], "comparison": comparison}, text)


def cmd_store_migrate(args: argparse.Namespace, out: Output) -> None:
    from harness.checkpoints import migrate
    from harness.evidence.checkpoint_objects import configured_store

    migrated = migrate(_client(args), args.model, progress=not args.json)
    where = configured_store().location
    text = "\n".join(f"{spec}: files copied into the checkpoint store at {where}" for spec in migrated) or "every version is already in the checkpoint store"
    out.result({"migrated": migrated, "store": where}, text)


_BANK_KINDS: dict[str, "BankKind"] = {"generated": "generated", "refuse": "should_refuse", "not-refuse": "should_not_refuse", "keywords": "keywords"}


def cmd_bank_check(args: argparse.Namespace, out: Output) -> None:
    from harness.safety.banks import read_bank
    from harness.safety.check import check_bank

    other_path = args.other or (args.files[1] if len(args.files) > 1 else None)
    kind = _BANK_KINDS[args.kind] if args.kind else None
    bank = read_bank(Path(args.files[0]), kind)
    other = read_bank(Path(other_path)) if other_path else None
    reports = [check_bank(bank, other)] + ([check_bank(other, bank)] if other else [])
    out.result([r.as_dict() for r in reports], "\n\n".join(r.render() for r in reports))


def cmd_bank_import(args: argparse.Namespace, out: Output) -> None:
    from harness.safety.importers import import_bank

    r = import_bank(Path(args.source), Path(args.output), _BANK_KINDS[args.kind], args.layout, text_field=args.text_field, label_field=args.label_field, maps=args.map)
    out.result(asdict(r), r.render())


def cmd_judge(args: argparse.Namespace, out: Output) -> None:
    from harness.scoring.judges.validity import DEFAULT_KEYWORDS, apply_judge, report

    sections = apply_judge(
        args.name, Path(args.file), keywords=Path(args.keywords) if args.keywords else DEFAULT_KEYWORDS,
        model_path=Path(args.model_path) if args.model_path else None, engine=args.engine, kind=args.kind,
        controversial=args.controversial, max_model_len=args.max_model_len,
    )
    out.result(*report(sections))


def cmd_review_export(args: argparse.Namespace, out: Output) -> None:
    from harness.review import export_sheet

    path = Path(args.out or f"review-{args.run_id[:8]}{'-' + args.suite if args.suite else ''}.csv")
    e = export_sheet(
        _client(args), args.run_id, path, suite=args.suite, banks=args.bank, sample=args.sample, seed=args.seed, blind=args.blind, force=args.force,
        undecided=args.undecided,
    )
    out.result(asdict(e), e.render())


def cmd_review_import(args: argparse.Namespace, out: Output) -> None:
    from harness.review import import_sheet

    r = import_sheet(_client(args), args.run_id, Path(args.file), reviewer=args.reviewer)
    out.result(r.as_dict(), r.render())


def _state_dir(args: argparse.Namespace):  # -> StateDir
    from harness.server.settings import StateDir, default_state_dir

    return StateDir(Path(args.state_dir) if args.state_dir else default_state_dir())


def cmd_server_init(args: argparse.Namespace, out: Output) -> None:
    from harness.server.control import init_server

    state = _state_dir(args)
    s = init_server(state, Path(args.config) if args.config else None, port=args.port, pg_port=args.pg_port, admin_password=os.environ.get("HARNESS_SERVER_ADMIN_PASSWORD"))
    out.result(asdict(s), f"initialised {state.root}\n{s.render()}\nstart it with `harness server start --state-dir {state.root}`")


def cmd_server_start(args: argparse.Namespace, out: Output) -> None:
    from harness.server.control import start_server

    s = start_server(_state_dir(args))
    out.result(asdict(s), f"{s.render()}\nclients: export MLFLOW_TRACKING_URI={s.tracking_uri} MLFLOW_TRACKING_USERNAME=... MLFLOW_TRACKING_PASSWORD=...")


def cmd_server_stop(args: argparse.Namespace, out: Output) -> None:
    from harness.server.control import stop_server

    s = stop_server(_state_dir(args))
    out.result(asdict(s), s.render())


def cmd_server_status(args: argparse.Namespace, out: Output) -> None:
    from harness.server.control import status

    s = status(_state_dir(args))
    out.result(asdict(s), s.render())


def _server_uri(args: argparse.Namespace) -> str:
    from harness.evidence.tracking import default_tracking_uri

    return args.tracking_uri or default_tracking_uri()


def cmd_admin_user(args: argparse.Namespace, out: Output) -> None:
    from harness.evidence.access import add_user, auth_client

    password = os.environ.get("HARNESS_NEW_USER_PASSWORD") or _read_password(args.password_file)
    role = add_user(auth_client(_server_uri(args)), args.username, password, args.kind, args.enterprise)
    out.result({"username": args.username, "kind": args.kind, "role": role}, f"user {args.username!r} created with role {role}; run `harness admin sync` to refresh grants")


def _read_password(path: str | None) -> str:
    if not path:
        raise InputError([Problem("--password-file", "", "no password given", "put the new user's password in a file (--password-file F) or in HARNESS_NEW_USER_PASSWORD")])
    from foundation.user_files import read_text

    return read_text(Path(path), "--password-file", "a readable file holding the new user's password").strip()


def cmd_admin_sync(args: argparse.Namespace, out: Output) -> None:
    from harness.evidence.access import as_json, auth_client, sync_permissions

    uri = _server_uri(args)
    grants, changed = sync_permissions(_client(args), auth_client(uri))
    text = "\n".join([f"{len(grants)} grants on {uri}; {len(changed)} added or corrected now", *(f"  + {g}" for g in changed)])
    out.result({"grants": as_json(grants), "changed": as_json(changed)}, text)


def cmd_sync(args: argparse.Namespace, out: Output) -> None:
    from harness.evidence.sync import sync_runs

    results = sync_runs(_client(args), progress=not args.json)
    text = "\n".join(str(r) for r in results) if results else "no runs kept locally"
    out.result([asdict(r) for r in results], text)


def _whole_number(minimum: int, maximum: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number from `minimum` (to `maximum`); argparse exits 2 naming the option."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum or (maximum is not None and value > maximum):
            span = f"from {minimum} to {maximum}" if maximum is not None else f"of {minimum} or more"
            raise argparse.ArgumentTypeError(f"{value} is out of range: give a whole number {span}")
        return value

    parse.__name__ = f"whole number >= {minimum}"  # what argparse names in its own messages
    return parse


POSITIVE = _whole_number(1)
NON_NEGATIVE = _whole_number(0)
PORT = _whole_number(1, 65535)


def cmd_scenario_check(args: argparse.Namespace, out: Output) -> None:
    from harness.scenarios import check_scenario

    spec, items = check_scenario(Path(args.file))
    counts = ", ".join(f"{n} {kind}" for kind, n in items.counts.items())
    document = {"name": spec.name, "owner": spec.owner.describe(), "sector": spec.sector, "digest": items.digest, "counts": items.counts}
    out.result(document, f"{args.file}: scenario set {spec.name} is valid: {counts}; owner {spec.owner.describe()}; sector {spec.sector}; digest {items.digest}")


def cmd_scenario_register(args: argparse.Namespace, out: Output) -> None:
    from harness.evidence.scenarios import register_scenario
    from harness.scenarios import check_scenario

    spec, items = check_scenario(Path(args.file))
    r = register_scenario(_client(args), spec, Path(args.file), items.digest, items.counts)
    state = "already registered" if r.existing else "registered"
    out.result(asdict(r), f"scenario set {r.name} {state}: digest {r.digest}, owner {r.owner}, registration run {r.run_id}")


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--tracking-uri", help="MLflow tracking URI (default: MLFLOW_TRACKING_URI, else the embedded local store)")
    common.add_argument("--json", action="store_true", help="print one JSON document on stdout; human text goes to stderr")
    parser = argparse.ArgumentParser(prog="harness", description="Register and evaluate Chinese vertical large models; evidence in MLflow.")
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, handler: Callable[[argparse.Namespace, Output], int | None], help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, parents=[common], help=help_text, description=help_text)
        p.set_defaults(handler=handler)
        return p

    p = command("demo", cmd_demo, "build the bundled tiny models, submit them, run the demo profile on each, print a comparison")
    p.add_argument("--engine", choices=("vllm", "hf"), help="engine for the runs (default: the profile's, vllm)")
    p.add_argument("--limit", type=POSITIVE, help="a seeded sample of N items per suite, for a quick look")
    p.add_argument("--rebuild", action="store_true", help="rebuild the demo checkpoints even when cached")

    from registry.checkpoint import Limits  # light (no mlflow, no torch); its defaults are the options' defaults

    p = command("submit", cmd_submit, "validate a submission manifest and its checkpoint, fingerprint it, register it")
    p.add_argument("manifest", help="the submission manifest (YAML); see registry/examples/submission.yaml and docs/submission.md")
    p.add_argument(
        "--allow-custom-code",
        action="store_true",
        help="administrators only: accept a checkpoint that ships its own code (auto_map, *.py); recorded on the version",
    )
    p.add_argument(
        "--reference", action="store_true",
        help="register it as a reference model: a public base model that vertical models name as model.base_registered (`harness uplift`)",
    )
    p.add_argument("--max-files", type=POSITIVE, default=Limits.max_files, help="most files a checkpoint may hold (default: %(default)s)")
    p.add_argument("--max-bytes", type=POSITIVE, default=Limits.max_bytes, help="most bytes a checkpoint may hold (default: %(default)s)")
    p.add_argument(
        "--max-header-bytes",
        type=POSITIVE,
        default=Limits.max_header_bytes,
        help="largest safetensors header or JSON file the intake parses (default: %(default)s)",
    )

    p = command("models", cmd_models, "registered models and versions with their fingerprints")
    p.add_argument("--enterprise", help="only this enterprise (legal name or USCC)")
    p.add_argument("--sector", help="only models that declare this sector code")
    models = p.add_subparsers(dest="models_command")
    p = models.add_parser("export-oms", parents=[common], help="the registered fingerprint as an OMS signature (evaluator's key), for `model_signing verify`")
    p.set_defaults(handler=cmd_models_export_oms)
    p.add_argument("model", metavar="NAME[/VERSION]")
    p.add_argument("--key", help="the evaluator's private key (default: the one `harness keys init` made)")
    p.add_argument("--out", help="the signature file to write (default: NAME-VERSION.sig)")

    p = command("keys", cmd_keys_init, "key pairs: the evaluating organisation's own, and enterprises' public keys for their model signatures")
    keys = p.add_subparsers(dest="keys_command", required=True)
    p = keys.add_parser("init", parents=[common], help="make the evaluating organisation's key pair (EC P-256, PEM; private key mode 0600)")
    p.set_defaults(handler=cmd_keys_init)
    p.add_argument("--dir", help="where to write evaluator.key and evaluator.pub (default: $HARNESS_HOME/keys)")
    p.add_argument("--force", action="store_true", help="replace an existing key pair (bundles signed with the old key then verify only with the old public key)")
    p = keys.add_parser("register", parents=[common], help="administrators: register an enterprise's public key under its USCC; intake then checks its model.sig")
    p.set_defaults(handler=cmd_keys_register)
    p.add_argument("uscc", metavar="USCC")
    p.add_argument("public_key", metavar="PUB", help="the enterprise's PEM public key (the pair of the key it signs checkpoints with)")

    p = command("run", cmd_run, "run a profile against a registered model version")
    p.add_argument("profile", help="a profile name under configs/ or a YAML file")
    p.add_argument("--model", required=True, help="NAME or NAME/VERSION of a registered model (latest version if omitted)")
    p.add_argument("--engine", choices=("vllm", "hf", "openai"), help="override the profile's engine")
    p.add_argument("--limit", type=POSITIVE, help="a seeded sample of N items per suite, for a quick look")
    data_help = ("a local copy of a suite's data (repeatable; offline, no hub): multiple choice in its release layout, a generation "
                 "suite's or scenario set's items file, a safety suite's folder of <bank>.jsonl|.csv files, or NAME.<bank>=FILE for one bank")
    p.add_argument("--data", action="append", default=[], metavar="NAME=PATH", help=data_help)
    p.add_argument(
        "--allow-endpoint-mismatch",
        action="store_true",
        help="--engine openai: score an endpoint that does not behave like the registered checkpoint, recording the mismatch on the run",
    )
    p.add_argument(
        "--max-retries", type=NON_NEGATIVE, metavar="N",
        help="--engine openai: tries after the first for a timed-out, dropped or 5xx request (default: HARNESS_ENGINE_MAX_RETRIES, else the profile's engine.max_retries, 5)",
    )
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="ask the model every request this run has not answered itself, instead of reusing identical requests of the same weights from other runs (the shared request cache)",
    )

    p = command("verify-endpoint", cmd_verify_endpoint, f"is this OpenAI-compatible endpoint serving the registered checkpoint? (exit {VERIFICATION_FAILED} when not)")
    p.add_argument("url", metavar="URL", help="the endpoint's OpenAI base URL, e.g. http://HOST:8000/v1")
    p.add_argument("--model", required=True, help="NAME or NAME/VERSION of a registered model (latest version if omitted)")
    p.add_argument("--served-model-name", help="the model name the endpoint serves it under (default: the endpoint's only model)")

    p = command("crosscheck", cmd_crosscheck, "per-item agreement of multiple-choice answers between scoring paths and between engines")
    p.add_argument("profile", help="a profile name under configs/ or a YAML file; its multiple-choice suites are checked")
    p.add_argument("--model", required=True, help="NAME or NAME/VERSION of a registered model (latest version if omitted)")
    p.add_argument("--engines", default="vllm,hf", help="engines to load in turn, comma-separated (default: %(default)s)")
    p.add_argument("--scorers", default="fast,lm-eval", help="scoring paths among fast, harness, lm-eval (default: %(default)s)")
    p.add_argument("--limit", type=POSITIVE, help="a seeded sample of N items per suite")
    p.add_argument("--data", action="append", default=[], metavar="NAME=PATH", help=data_help)

    p = command("compare", cmd_compare, "leaderboard of finished evaluation runs, with confidence intervals and verdicts")
    p.add_argument("--profile", help="only runs of this profile")
    p.add_argument("--format", choices=("table", "csv", "json", "html", "pdf"), default="table", help="html/pdf: the committee's report with charts (Chinese first)")
    p.add_argument("--out", metavar="FILE", help="html/pdf: the file to write (default: compare-<profile>.<format>)")
    p.add_argument(
        "--selection", metavar="NAME|FILE",
        help="rank each group on the committee's composite (configs/selection/NAME.yaml or a file): intervals, top-k probabilities, safety gate, neighbouring differences",
    )
    p.add_argument("--top-k", type=POSITIVE, metavar="K", help="with --selection: the k of P(top k) (default: the selection file's top_k, else 3)")

    p = command("uplift", cmd_uplift, "a vertical model against its registered base on identical items: per-suite gains with paired tests, and the safety delta")
    p.add_argument("model", metavar="NAME[/VERSION]", help="the vertical model (latest version if omitted)")
    p.add_argument("--profile", help="the profile both are compared on (default: the profile of the vertical model's latest full run)")
    p.add_argument("--base", metavar="NAME/VERSION", help="the base, for a version whose manifest named no model.base_registered")
    p.add_argument("--engine", choices=("vllm", "hf", "openai"), help="the engine for runs this command makes (default: the profile's)")
    p.add_argument("--limit", type=POSITIVE, help="compare --limit runs (a seeded sample per suite): a quick look, never evidence")
    p.add_argument("--data", action="append", default=[], metavar="NAME=PATH", help=data_help)
    p.add_argument("--rerun", action="store_true", help="make both runs again instead of reusing finished ones")
    p.add_argument("--format", choices=("table", "json", "html", "pdf"), default="table", help="html/pdf: a report file (Chinese first)")
    p.add_argument("--out", metavar="FILE", help="html/pdf: the file to write (default: uplift-NAME-VERSION.<format>)")

    p = command("store", cmd_store_migrate, "the checkpoint store engines load from (HARNESS_CHECKPOINT_STORE)")
    store = p.add_subparsers(dest="store_command", required=True)
    p = store.add_parser(
        "migrate", parents=[common],
        help="copy the files of versions registered before the store into it, each checked against its registered digest",
    )
    p.set_defaults(handler=cmd_store_migrate)
    p.add_argument("--model", help="only this NAME[/VERSION] (default: every version not yet in the store)")

    p = command("bank", cmd_bank_check, "safety banks of GB/T 45654-2025: check one against the standard, or import a public layout")
    bank = p.add_subparsers(dest="bank_command", required=True)
    p = bank.add_parser("check", parents=[common], help="size, coverage per risk or topic, duplicates, empty items, verdict for filing evidence")
    p.set_defaults(handler=cmd_bank_check)
    p.add_argument("files", nargs="+", metavar="FILE", help="a bank (JSONL or CSV, docs/banks.md); a second file is checked against the first for items in both refusal banks")
    p.add_argument("--kind", choices=tuple(_BANK_KINDS), help="which bank this is (default: detected from its fields and file name)")
    p.add_argument("--other", help="the opposite refusal bank, to find items present in both")
    p = bank.add_parser("import", parents=[common], help="convert a public bank layout into the project's JSONL bank format")
    p.set_defaults(handler=cmd_bank_import)
    p.add_argument("source", help="the file to convert")
    p.add_argument("output", help="the JSONL bank to write")
    p.add_argument("--kind", choices=tuple(_BANK_KINDS), required=True)
    p.add_argument(
        "--layout", choices=("auto", "chisafetybench", "flames", "do-not-answer", "category-map", "fields"), default="auto",
        help='the released layout (default: detected): CHiSafetyBench, Flames, Do-Not-Answer (incl. its Chinese set); category-map: JSON {"风险名": ["item", ...]}; fields: JSONL/CSV with other field names (docs/banks.md)',
    )
    p.add_argument("--map", action="append", default=[], metavar="LABEL=CODE", help="give a label the risk (code or name; a topic for --kind not-refuse) it stands for, or LABEL=skip to leave its items out (repeatable)")
    p.add_argument("--text-field", default="prompt", help="fields layout: the text's field (default: %(default)s)")
    p.add_argument("--label-field", default="risk", help="fields layout: the risk or topic field (default: %(default)s)")

    p = command("report", cmd_report, "the run's evaluation report in Chinese with English labels: results, verdicts, self-assessment, bank checks, judge validity")
    p.add_argument("run_id", metavar="RUN_ID")
    p.add_argument("--format", choices=("md", "html", "pdf"), default="md", help="md: the Markdown section (printed); html/pdf: the whole report with charts, to a file")
    p.add_argument("--out", help="the file to write (md: instead of printing it; html/pdf default: report-<run id prefix>.<format>)")
    p.add_argument("--log", action="store_true", help="also store it with the run, replacing report/self_assessment.md and report/report.html (and report/report.pdf with --format pdf)")

    p = command("bundle", cmd_bundle, "write a finished run's signed evidence bundle (OMS: Sigstore bundle, DSSE, in-toto) and store it with the run")
    p.add_argument("run_id", metavar="RUN_ID")
    p.add_argument("--key", help="the evaluator's private key (default: the one `harness keys init` made)")
    p.add_argument("--out", help="the bundle directory to write (default: bundle-RUN_ID)")

    p = command("verify", cmd_verify, f"check a run's evidence bundle: signature, every artifact, params, metrics and tags (exit {VERIFICATION_FAILED} when it does not verify)")
    p.add_argument("target", metavar="BUNDLE|RUN_ID", help="a bundle directory (or its evidence.sig), or a run id whose bundle is stored in the run")
    p.add_argument("--key", help="the evaluating organisation's public key (default: $HARNESS_HOME/keys/evaluator.pub)")
    p.add_argument("--offline", action="store_true", help="check a bundle directory against its signature only, without the tracking store")

    p = command("judge", cmd_judge, 'apply one judge to a JSONL of {"prompt", "response"}; with labels, its precision and recall')
    p.add_argument("name", help=f"{', '.join(MACHINE_JUDGES)}; or a chain of refusal judges, e.g. {','.join(CHAINABLE)} (the first that decides)")
    p.add_argument("file", help='JSONL; lines may carry boolean "refused" (refusal judges) or "unsafe" (content judges) as the human label')
    p.add_argument("--keywords", help="keyword judge: the keyword library (default: the project's sample)")
    p.add_argument("--model-path", help="model judge: the judge model's checkpoint directory (a guard or instruction model)")
    p.add_argument("--engine", choices=("vllm", "hf"), default="vllm", help="model judge: the engine that runs it")
    p.add_argument("--kind", choices=("guard", "rubric"), default="guard", help="model judge: a guard model's response moderation (Qwen3Guard-Gen) or an instruction model with the JSON rubric (default: %(default)s)")
    p.add_argument("--controversial", choices=("unsafe", "safe", "undecided"), default="undecided", help="model judge: what a guard's Controversial counts as (default: %(default)s)")
    p.add_argument("--max-model-len", type=int, default=2048, help="model judge: its context length; longer pairs are undecided (default: %(default)s)")

    p = command("scenario", cmd_scenario_check, "scenario sets of enterprises and committees (docs/scenarios.md): check one, register it")
    scenario = p.add_subparsers(dest="scenario_command", required=True)
    p = scenario.add_parser("check", parents=[common], help="validate a scenario set (its suite file and items): every problem named, nothing recorded")
    p.set_defaults(handler=cmd_scenario_check)
    p.add_argument("file", metavar="FILE", help="the scenario set's suite file (YAML, kind: scenario)")
    p = scenario.add_parser("register", parents=[common], help="check a scenario set, then register it with its digest and owner (once per digest)")
    p.set_defaults(handler=cmd_scenario_register)
    p.add_argument("file", metavar="FILE", help="the scenario set's suite file (YAML, kind: scenario)")

    p = command("review", cmd_review_export, "human review of a safety run: export a sheet of responses, import the filled verdicts into the run")
    review = p.add_subparsers(dest="review_command", required=True)
    p = review.add_parser("export", parents=[common], help="write a CSV sheet (UTF-8, opens in Excel) of a run's safety responses for reviewers to fill in")
    p.set_defaults(handler=cmd_review_export)
    p.add_argument("run_id", metavar="RUN_ID", help="a finished evaluation run with a safety suite")
    p.add_argument("--suite", help="only this safety suite (default: every safety suite of the run)")
    p.add_argument("--bank", action="append", choices=("generated", "should_refuse", "should_not_refuse"), help="only this bank (repeatable; default: all)")
    p.add_argument("--sample", type=POSITIVE, metavar="N", help="a seeded sample of N items per bank, stratified by risk or topic (default: every item)")
    p.add_argument("--seed", type=int, help="seed of --sample (default: the run's seed)")
    p.add_argument("--blind", action="store_true", help="leave the machine judge's decision and reason out of the sheet (no anchoring)")
    p.add_argument("--undecided", action="store_true", help="only the items the judges left undecided or disagree on (column open), banks whose verdict they could flip first")
    p.add_argument("--out", metavar="FILE", help="the sheet to write (default: review-<run id prefix>[-<suite>].csv)")
    p.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    p = review.add_parser("import", parents=[common], help="check a filled sheet against the run, then merge its verdicts into the run (human metrics, verdicts, judge agreement)")
    p.set_defaults(handler=cmd_review_import)
    p.add_argument("run_id", metavar="RUN_ID", help="the run the sheet was exported from")
    p.add_argument("file", metavar="FILE", help="the filled sheet (CSV)")
    p.add_argument("--reviewer", help="reviewer name for rows whose reviewer cell is blank")

    p = command("server", cmd_server_status, "the shared tracking server: mlflow server with PostgreSQL, served artifacts and basic-auth (docs/server.md)")
    server = p.add_subparsers(dest="server_command", required=True)
    state_help = "the server's state directory (default: HARNESS_SERVER_DIR, else .harness/server)"
    for name, handler, help_text in (
        ("init", cmd_server_init, "create the state directory: settings, secrets, a PostgreSQL cluster and its databases, the auth config"),
        ("start", cmd_server_start, "start PostgreSQL and mlflow server in the background; returns once the server answers"),
        ("stop", cmd_server_stop, "stop mlflow server and PostgreSQL"),
        ("status", cmd_server_status, "whether PostgreSQL and mlflow server run and answer"),
    ):
        p = server.add_parser(name, parents=[common], help=help_text, description=help_text)
        p.set_defaults(handler=handler)
        p.add_argument("--state-dir", help=state_help)
        if name == "init":
            p.add_argument("--config", help="deployment settings (YAML; default: the defaults of configs/server.yaml)")
            p.add_argument("--port", type=PORT, help="override the settings' mlflow server port")
            p.add_argument("--pg-port", type=PORT, help="override the settings' PostgreSQL port")

    p = command("admin", cmd_admin_sync, "users and permissions on the shared server (an administrator's credentials in MLFLOW_TRACKING_USERNAME/PASSWORD)")
    admin = p.add_subparsers(dest="admin_command", required=True)
    p = admin.add_parser("user", parents=[common], help="create a user of one kind: enterprise (with --enterprise USCC), evaluator or committee")
    p.set_defaults(handler=cmd_admin_user)
    p.add_argument("username", metavar="USERNAME")
    p.add_argument("--kind", required=True, choices=("enterprise", "evaluator", "committee"))
    p.add_argument("--enterprise", metavar="USCC", help="the enterprise whose models and runs the user reads (kind enterprise)")
    p.add_argument("--password-file", help="a file holding the new user's password (or set HARNESS_NEW_USER_PASSWORD)")
    p = admin.add_parser("sync", parents=[common], help="grant every role what the access rules say, for every experiment and registered model now on the server (idempotent)")
    p.set_defaults(handler=cmd_admin_sync)

    command("sync", cmd_sync, "upload the runs kept locally while the tracking server was unreachable (same harness run ids; idempotent)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Exit 0 on success, 2 on bad input (argparse's own errors, unusable paths and a tracking server's
    refusal included), 3 when verification fails, 4 when the engine fails; each with its `error:`
    lines. Anything else is a bug: like lm-eval's, MLflow's and vLLM's CLIs, the traceback is left for
    the report (exit 1)."""
    args = build_parser().parse_args(argv)
    _quiet_libraries()
    try:
        code = args.handler(args, Output(args.json))
    except InputError as e:
        _print_error(e, [f"error: {problem}" for problem in e.problems])
        return 2
    except EngineFailure as e:
        _print_error(e, [f"error: {e}"])
        return ENGINE_FAILED
    except OSError as e:
        if e.filename is None:
            raise
        # A path the user gave that cannot be written or read as asked (a directory where a file goes,
        # a link to nothing, no permission): one line, like cp's, not a traceback.
        where = f"{e.filename} -> {e.filename2}" if e.filename2 else str(e.filename)
        _print_error(e, [f"error: {where}: {e.strerror} (fix: give a path that can be used that way: a file in an existing directory, or a directory)"])
        return 2
    except RuntimeError as e:
        if not str(e).startswith("Symlink loop from "):
            raise
        # Path.resolve's way (before Python 3.13) of saying a link points back at itself.
        _print_error(e, [f"error: {str(e).removeprefix('Symlink loop from ')}: a symbolic link loop (fix: give the path of a real file or directory)"])
        return 2
    except Exception as e:
        refused = _refused_by_server(e)
        if refused is None:
            raise
        print(f"error: {refused}", file=sys.stderr)
        return 2
    return code or 0


def _refused_by_server(error: Exception) -> str | None:
    """A tracking server's 401/403 as one line naming the fix, instead of a traceback."""
    text = str(error)
    if type(error).__name__ not in ("MlflowException", "RestException"):
        return None
    if "401" in text or "not authenticated" in text.lower() or "UNAUTHENTICATED" in text:
        return "the tracking server wants credentials (fix: set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD to a user of that server)"
    if "403" in text or "PERMISSION_DENIED" in text:
        return f"the tracking server refused this user ({text.splitlines()[0][:200]}) (fix: ask its administrator for access: `harness admin`)"
    return None


def _print_error(error: Exception, lines: list[str]) -> None:
    # Notes say what happened to the run (harness.evaluate: FAILED, where its finished items are).
    print("\n".join(lines + [f"note: {note}" for note in getattr(error, "__notes__", [])]), file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
