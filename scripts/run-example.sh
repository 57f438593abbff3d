#!/usr/bin/env bash
# The project's main command (README "Quick start"): on a fresh machine, set up
# everything, then compile, build and run the example operators and workflow on
# the embedded default (local Docker engine, cwltool):
#   1. scripts/setup.sh                             .venv with claimed-cwl[dev]
#   2. scripts/services.sh start docker registry    Docker engine (+ registry) on loopback
#   3. scripts/base-images.sh python r              offline base images
#      scripts/tools.sh graphviz                    Graphviz's `dot`, which `claimed-cwl viz` draws with
#   4. claimed-cwl build  cwl/generate_data/generate_data.py, cwl/plot_histogram/plot_histogram.py
#                                                   compile each operator and build its image
#   5. claimed-cwl run    cwl/generate_data/...     one operator on its own
#   6. claimed-cwl run    workflows/quickstart/quickstart.cwl   the two as a workflow
#   7. claimed-cwl viz    the workflow's graph
# Everything it writes goes to build/example/. The services are left running
# (scripts/services.sh stop all stops them).
#
# Usage: scripts/run-example.sh [ROWS]   (rows of synthetic data, default 500)
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"
rows=${1:-500}
out=build/example

bash scripts/setup.sh
bash scripts/services.sh start docker registry
bash scripts/base-images.sh python r
bash scripts/tools.sh graphviz
# shellcheck source=/dev/null
source .venv/bin/activate

t0=$(now)
for op in generate_data plot_histogram; do
    log "claimed-cwl build cwl/$op/$op.py"
    claimed-cwl build "cwl/$op/$op.py" --repository claimed --version 0.1.0 --out "$out/$op" >/dev/null
done
log "claimed-cwl run $out/generate_data/generate-data.cwl --rows 5"
claimed-cwl run --outdir "$out/single" "$out/generate_data/generate-data.cwl" --rows 5
log "claimed-cwl run workflows/quickstart/quickstart.cwl --rows $rows"
claimed-cwl run --parallel --outdir "$out/quickstart" workflows/quickstart/quickstart.cwl --rows "$rows"
claimed-cwl viz workflows/quickstart/quickstart.cwl -o "$out/quickstart.svg" >/dev/null
log "done in $(elapsed "$t0") s:"
log "  $out/single/data.csv              5 rows from one operator"
log "  $out/quickstart/data.csv          $rows rows"
log "  $out/quickstart/histogram.png     their histogram"
log "  $out/quickstart.svg               the workflow graph"
