#!/usr/bin/env bash
# Install the CPU stack into .venv from pinned versions, without CUDA packages.
# Idempotent: a finished install leaves .venv/.installed-<lock digest> and is skipped next time.
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${HARNESS_VENV:-.venv}"
lock="requirements/cpu.lock"
stamp="$venv/.installed-$(cat "$lock" pyproject.toml packaging/vllm-metadata/pyproject.toml | sha256sum | cut -c1-16)"

# Debian packages first: cheap when present, and not covered by the venv's stamp.
bash scripts/install-system.sh

if [ -f "$stamp" ]; then
  exit 0
fi
start=$(date +%s)
python3.11 -m venv "$venv" 2>/dev/null || python3 -m venv "$venv"
pip=("$venv/bin/python" -m pip --disable-pip-version-check -q)
# This machine kind's pip.conf lists two extra local indexes; pip warns for every package missing
# from them. Those warnings are noise, everything else pip says is kept.
exec 2> >(grep -v --line-buffered "is neither a file nor a directory" >&2)
# torch==2.13.0+cpu resolves to the CPU wheel on local disk (pip's find-links); every package is
# pinned and installed with --no-deps, so nothing can pull a CUDA build of torch or triton.
"${pip[@]}" install --no-deps -r "$lock"
"${pip[@]}" install --no-deps --no-build-isolation ./packaging/vllm-metadata
"${pip[@]}" install --no-deps --no-build-isolation -e .
rm -f "$venv"/.installed-*
touch "$stamp"
echo "install: done in $(( $(date +%s) - start )) s, $(du -sh "$venv" | cut -f1) in $venv" >&2
