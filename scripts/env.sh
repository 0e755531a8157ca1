# shellcheck shell=bash
# Set up (if needed) and activate the project's environment. Sourced by the Makefile recipes
# and .ci/run:   source scripts/env.sh
# Idempotent: creates .venv with python3 if it is missing, and (re)installs requirements.txt
# plus the relubook package (`pip install -e .`) whenever requirements.txt or pyproject.toml
# changed since the last install (a hash of both files is kept in .venv/.requirements.installed).
# Written without `set -e` so that sourcing it from an interactive shell is harmless; every
# step that can fail returns non-zero, and the Makefile runs recipes with `-eu -o pipefail`.

cd "$(dirname "${BASH_SOURCE[0]}")/.." || return 1
VENV="${VENV:-.venv}"

if [ ! -x "$VENV/bin/python" ]; then
  echo "env.sh: creating $VENV" >&2
  python3 -m venv "$VENV" || return 1
fi

_relubook_stamp="$(cat requirements.txt pyproject.toml | sha256sum | cut -d' ' -f1)"
if [ "$_relubook_stamp" != "$(cat "$VENV/.requirements.installed" 2>/dev/null)" ]; then
  echo "env.sh: installing requirements.txt and relubook into $VENV" >&2
  "$VENV/bin/python" -m pip install -q --upgrade pip || return 1
  "$VENV/bin/python" -m pip install -q -r requirements.txt -e . || return 1
  echo "$_relubook_stamp" > "$VENV/.requirements.installed"
fi
unset _relubook_stamp

export PATH="$PWD/$VENV/bin:$PATH"
export VIRTUAL_ENV="$PWD/$VENV"

# With MPLBACKEND set (e.g. Agg) ipykernel does not switch to the inline backend and every
# figure silently disappears from the book; nbval still passes. Never inherit it.
unset MPLBACKEND
# Harmless insurance against debugpy / jupyter_core warnings on stderr (see toolchain notes).
export PYDEVD_DISABLE_FILE_VALIDATION=1 JUPYTER_PLATFORM_DIRS=1
# One thread everywhere: on the shared 2-core machines more threads were never reliably faster.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 NUMBA_NUM_THREADS=1
# Absolute: notebook kernels run with cwd chapters/, tests with cwd at the repo root.
export NUMBA_CACHE_DIR="$PWD/_build/numba_cache"
mkdir -p "$NUMBA_CACHE_DIR"
# Where relubook.check records the margins of the claims' checks (read by the claims ledger
# and printed at the end of `make test`); the portable stage sets one folder per configuration.
export RELUBOOK_MARGINS_DIR="${RELUBOOK_MARGINS_DIR:-$PWD/_build/margins/default}"
