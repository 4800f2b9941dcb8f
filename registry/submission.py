"""A submission read whole before anything is stored or registered: the manifest and its checkpoint,
every problem of both at once."""

from pathlib import Path

from foundation.errors import InputError, Problem
from registry.checkpoint import FileSink, Inspection, Limits, inspect_checkpoint
from registry.manifest import Manifest, ManifestError, load_manifest


def validate_submission(
    manifest_path: Path, *, limits: Limits, allow_custom_code: bool, sink: FileSink | None = None
) -> tuple[Manifest, Path, Inspection]:
    """The manifest, its checkpoint directory and the inspection; or every problem of both at once.
    The checkpoint's files go to `sink` only when the manifest is sound (nothing copied in vain)."""
    problems: list[Problem] = []
    manifest = inspection = None
    checkpoint: Path | None
    try:
        manifest, checkpoint = load_manifest(manifest_path)
    except ManifestError as e:
        problems, checkpoint = list(e.problems), e.checkpoint
    if checkpoint is not None:
        try:
            inspection = inspect_checkpoint(checkpoint, limits=limits, allow_custom_code=allow_custom_code, sink=None if problems else sink)
        except InputError as e:
            problems += e.problems
    if problems:
        raise InputError(problems)
    assert manifest is not None and checkpoint is not None and inspection is not None  # no problems: all three were read
    return manifest, checkpoint, inspection
