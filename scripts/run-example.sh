#!/usr/bin/env bash
# The project's main command (README "Set-up"): prepare everything, then compile
# the example operator with claimed-cwl.
#   1. scripts/setup.sh                              .venv with claimed-cwl[dev]
#   2. scripts/services.sh start docker registry     Docker engine + registry on loopback
#   3. scripts/base-images.sh python r               offline base images
#   4. claimed-cwl compile examples/hello/<operator> --out build/hello
# The services are left running (scripts/services.sh stop all stops them).
#
# Usage: scripts/run-example.sh
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

bash scripts/setup.sh
bash scripts/services.sh start docker registry
bash scripts/base-images.sh python r

# shellcheck source=/dev/null
source .venv/bin/activate
operator=
if [ -d examples/hello ]; then
    operator=$(find examples/hello -maxdepth 1 -type f \( -name '*.py' -o -name '*.ipynb' -o -name '*.R' \) \
        | LC_ALL=C sort | head -n 1)
fi
if [ -z "$operator" ]; then
    log "TODO: no example operator in examples/hello/ yet; nothing to compile"
    exit 0
fi
log "claimed-cwl compile $operator --out build/hello"
claimed-cwl compile "$operator" --out build/hello
