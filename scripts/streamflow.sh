#!/usr/bin/env bash
# StreamFlow, a second CWL engine, in its own virtualenv (.state/streamflow): it
# pins its own cwl-utils, so it cannot share .venv. The tests run the example
# workflows under its `cwl-runner` and compare the outputs with cwltool's
# (tests/test_streamflow.py); docs/engines.md says how to use it yourself.
# Idempotent: installs only when the pinned version is missing.
#
# Usage: scripts/streamflow.sh        prints the path of StreamFlow's cwl-runner
#
# 0.2.0rc3 is the first StreamFlow whose Docker translation takes a `command`
# and a `user` for the container it starts (runners/streamflow/streamflow.yml
# needs both); 0.1.6, the last final release, has neither.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

version=0.2.0rc3
venv=$STATE_DIR/streamflow
runner=$venv/bin/cwl-runner
installed() { [ -x "$runner" ] && "$venv/bin/python" -c "
import importlib.metadata, sys
sys.exit(importlib.metadata.version('streamflow') != '$version')" 2>/dev/null; }

if ! installed; then
    t0=$(now)
    python=$(command -v python3.11 || command -v python3) || die "no python3 to create $venv"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    log "pip install streamflow==$version into $venv (log: $STATE_DIR/streamflow-pip.log)"
    if ! "$venv/bin/pip" install --quiet "streamflow==$version" >"$STATE_DIR/streamflow-pip.log" 2>&1; then
        tail -n 20 "$STATE_DIR/streamflow-pip.log" >&2
        die "pip install streamflow==$version failed"
    fi
    installed || die "$runner missing after the install"
    log "StreamFlow $version installed in $(elapsed "$t0") s"
fi
echo "$runner"
