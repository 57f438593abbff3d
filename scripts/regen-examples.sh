#!/usr/bin/env bash
# Regenerate every checked-in generated file of the example library:
#   cwl/<name>/         compiled artifacts of each example operator (claimed-cwl compile)
#   workflows/<stem>/   CWL of each example workflow, saved and packed (claimed-cwl workflow build --pack)
#   docs/img/           pictures of the example workflows (claimed-cwl viz; skipped with --no-images)
# cwl/collect_files/collect_files.cwl is hand-written and left alone.
#
# Images are named claimed/claimed-<operator name>:0.1.0 (EXAMPLES_REPOSITORY, EXAMPLES_VERSION).
# tests/test_examples.py runs this script with --out TMP and compares the result with the checked-in files.
#
# Usage: scripts/regen-examples.sh [--out ROOT] [--no-images]   (ROOT defaults to the repository)
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

out=$REPO_ROOT
images=1
while [ $# -gt 0 ]; do
    case $1 in
        --out) out=$(mkdir -p "$2" && cd "$2" && pwd); shift 2 ;;
        --no-images) images=0; shift ;;
        *) die "unknown argument $1 (usage: scripts/regen-examples.sh [--out ROOT] [--no-images])" ;;
    esac
done
repository=${EXAMPLES_REPOSITORY:-claimed}
version=${EXAMPLES_VERSION:-0.1.0}

if ! command -v claimed-cwl >/dev/null; then
    # shellcheck source=/dev/null
    source "$REPO_ROOT/.venv/bin/activate"
fi

# One operator per directory: the one source file (.py, .ipynb or .R) other than the copied launcher files.
for dir in cwl/*/; do
    name=$(basename "$dir")
    source_file=$(find "$dir" -maxdepth 1 -type f \( -name '*.py' -o -name '*.ipynb' -o -name '*.R' \) \
        ! -name 'claimed_launcher.*' ! -name 'claimed_notebook.py' | LC_ALL=C sort)
    [ -n "$source_file" ] || continue  # hand-written CWL only (collect_files)
    [ "$(printf '%s\n' "$source_file" | wc -l)" -eq 1 ] || die "$dir: more than one operator source"
    log "compile $source_file"
    # --force: the checked-in files are regenerated on purpose (git shows what changed)
    claimed-cwl compile "$source_file" --out "$out/cwl/$name" --force \
        --repository "$repository" --version "$version" >/dev/null
done

for pipeline in workflows/*.py; do
    stem=$(basename "$pipeline" .py)
    log "workflow build $pipeline"
    claimed-cwl workflow build "$pipeline" -o "$out/workflows/$stem" --pack >/dev/null
done

if [ "$images" = 1 ]; then
    mkdir -p "$out/docs/img"
    for pipeline in workflows/*.py; do
        stem=$(basename "$pipeline" .py)
        packed=$(find "$out/workflows/$stem" -maxdepth 1 -name '*.packed.cwl')
        log "viz $packed"
        claimed-cwl viz "$packed" -o "$out/docs/img/$stem.svg" >/dev/null
    done
    claimed-cwl viz "$(find "$out/workflows/quickstart" -maxdepth 1 -name '*.packed.cwl')" \
        -o "$out/docs/img/quickstart.png" >/dev/null
fi
log "done: $out"
