#!/usr/bin/env bash
# Create the project's virtual environment .venv (Python 3.11) if it is missing,
# and install the package in it, editable, with its dev extras:
#     pip install -e '.[dev]'
# The install is skipped when pyproject.toml has not changed since the last one
# (its hash is kept in .venv/claimed-cwl-pyproject.sha256) and the package imports.
#
# Usage: scripts/setup.sh            then: source .venv/bin/activate
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

VENV=$REPO_ROOT/.venv
STAMP=$VENV/claimed-cwl-pyproject.sha256

find_python() {
    local candidate
    for candidate in ${PYTHON:-} python3.11 python3; do
        command -v "$candidate" >/dev/null 2>&1 || continue
        if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    die "no Python 3.11 or newer found (set PYTHON=/path/to/python3.11)"
}

main() {
    local t0 python want
    t0=$(now)
    if [ -x "$VENV/bin/python" ]; then
        log "virtualenv $VENV exists ($("$VENV/bin/python" --version))"
    else
        python=$(find_python)
        log "creating virtualenv $VENV with $python ($("$python" --version))"
        "$python" -m venv "$VENV"
    fi
    want=$(sha256sum "$REPO_ROOT/pyproject.toml" | cut -d' ' -f1)
    if [ "$(cat "$STAMP" 2>/dev/null)" = "$want" ] \
        && (cd /tmp && "$VENV/bin/python" -c 'import claimed_cwl') 2>/dev/null; then
        log "claimed-cwl[dev] is installed and pyproject.toml is unchanged: nothing to do"
    else
        log "pip install -e '.[dev]' (log: $STATE_DIR/pip.log)"
        if ! (cd "$REPO_ROOT" && "$VENV/bin/python" -m pip install -e '.[dev]') >"$STATE_DIR/pip.log" 2>&1; then
            tail -n 30 "$STATE_DIR/pip.log" >&2
            die "pip install -e '.[dev]' failed (see $STATE_DIR/pip.log)"
        fi
        echo "$want" >"$STAMP"
        log "installed claimed-cwl[dev] in $(elapsed "$t0") s"
    fi
    log "ready: source .venv/bin/activate"
}

main "$@"
