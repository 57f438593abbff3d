#!/usr/bin/env bash
# The project's test command (README "Running the tests"; CI runs it through .ci/run):
#   1. scripts/setup.sh                              .venv with claimed-cwl[dev]
#   2. scripts/services.sh start docker registry     Docker engine + registry on loopback
#   3. scripts/base-images.sh python r               offline base images
#   4. ruff check . ; mypy ; pytest [ARGS...]
# Every check runs even when an earlier one fails; the exit status is non-zero when
# any failed. pytest's exit status 5 (no test collected) counts as a failure.
# Services this script started are stopped when it ends; services that were
# already running are left running.
#
# Usage: scripts/test.sh [PYTEST ARGS...]
#   Runs every test, as CI does. QUICK=1 deselects the tests marked slow
#   (-m "not slow") for a faster local loop, unless the arguments choose markers.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

started=()
stop_started() {
    local rc=$?
    if [ ${#started[@]} -gt 0 ]; then
        bash scripts/services.sh stop "${started[@]}" || true
    fi
    exit "$rc"
}
trap stop_started EXIT

bash scripts/setup.sh
for svc in docker registry; do
    bash scripts/services.sh status "$svc" >/dev/null || started+=("$svc")
done
bash scripts/services.sh start docker registry
bash scripts/base-images.sh python r
bash scripts/tools.sh

# shellcheck source=/dev/null
source .venv/bin/activate

pytest_args=("$@")
chooses_markers=false
for arg in "$@"; do
    case $arg in -m*) chooses_markers=true ;; esac
done
if [ "${QUICK:-}" = 1 ] && [ "$chooses_markers" = false ]; then
    pytest_args=(-m "not slow" "${pytest_args[@]}")
    log "QUICK=1: tests marked slow are deselected (not run); the default and CI run them all"
fi

failed=()
run_check() {
    local name=$1 rc=0 t0
    shift
    t0=$(now)
    log "running: $*"
    "$@" || rc=$?
    if [ "$name" = pytest ] && [ "$rc" -eq 5 ]; then
        log "pytest collected no test: counted as a failure"
    fi
    if [ "$rc" -ne 0 ]; then
        failed+=("$name")
    fi
    log "$name: exit status $rc after $(elapsed "$t0") s"
}
run_check ruff ruff check .
run_check mypy mypy
run_check pytest python -m pytest "${pytest_args[@]}"

if [ ${#failed[@]} -gt 0 ]; then
    log "FAILED: ${failed[*]}"
    exit 1
fi
log "all checks passed (ruff, mypy, pytest)"
