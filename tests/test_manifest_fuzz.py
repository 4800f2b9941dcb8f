"""Property: whatever a manifest file holds, `load_manifest` returns or raises InputError, nothing else."""

import tempfile
from collections.abc import Callable
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from foundation.errors import InputError, Problem
from foundation.paths import REGISTRY_EXAMPLES_DIR
from registry.manifest import load_manifest, parse_manifest

EXAMPLE = yaml.safe_load((REGISTRY_EXAMPLES_DIR / "submission.yaml").read_text(encoding="utf-8"))
FIELDS = ["schema_version", "enterprise", "name", "uscc", "district", "contact", "email", "model", "sectors", "filings", "kind", "date", "checkpoint", "path"]

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30) | st.dates() | st.sampled_from(["Tianhe", "天河区", "91440106MA5D0K7A9M", "finance", "2026-02-30", "."])
keys = st.sampled_from(FIELDS) | st.text(max_size=10) | st.integers()
documents = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=6), max_leaves=30)
yaml_fragments = st.sampled_from(["", ":", "- ", "{", "}", "[", "]", "&a ", "*a", "!!python/object:os.system ", "%YAML 1.1\n", "---\n", "\t", "? ", "|", ">", "'", '"', "2026-02-30", "1e999", "~", "\n  "])
yaml_ish = st.lists(yaml_fragments | st.sampled_from(FIELDS) | st.text(max_size=8), max_size=25).map("".join)


def assert_returns_or_refuses(call: Callable[[], object]) -> None:
    try:
        call()
    except InputError as e:
        assert e.problems and all(isinstance(p, Problem) and p.file and p.field and p.fix for p in e.problems)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=yaml_ish | st.text(max_size=200))
def test_any_text(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "manifest.yaml"
        path.write_text(text, encoding="utf-8")
        assert_returns_or_refuses(lambda: load_manifest(path))


@settings(max_examples=300, deadline=None)
@given(document=documents)
def test_any_document(document: object) -> None:
    assert_returns_or_refuses(lambda: parse_manifest(document, Path("fuzz/manifest.yaml")))


@settings(max_examples=300, deadline=None)
@given(section=st.sampled_from(["enterprise", "model", "filings", "checkpoint", "schema_version"]), value=documents)
def test_the_example_with_one_section_replaced(section: str, value: object) -> None:
    """Near-valid manifests reach the field validators (USCC, district, sectors), not only the type checks."""
    assert_returns_or_refuses(lambda: parse_manifest(EXAMPLE | {section: value}, REGISTRY_EXAMPLES_DIR / "submission.yaml"))


@settings(max_examples=200, deadline=None)
@given(field=st.sampled_from(["name", "uscc", "district"]), value=scalars)
def test_the_example_with_one_enterprise_field_replaced(field: str, value: object) -> None:
    document = EXAMPLE | {"enterprise": EXAMPLE["enterprise"] | {field: value}}
    assert_returns_or_refuses(lambda: parse_manifest(document, REGISTRY_EXAMPLES_DIR / "submission.yaml"))
