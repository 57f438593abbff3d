#!/usr/bin/env bash
# Host tools besides the services: podman (a second container engine,
# daemon-less; the tests use it), Graphviz (`dot`, for `claimed-cwl viz`; the
# example and the tests use it), and a browser: Debian's Chromium and its
# chromedriver (the run report tests open reports in it, headless).
# Idempotent: installs only what is missing.
#
# Usage: scripts/tools.sh [podman] [graphviz] [browser]     (no argument: all three)
#
# Rootful podman here needs explicit ulimits (runc cannot raise them to the
# host's defaults inside this sandbox: "error setting rlimit ... operation not
# permitted"); they go into /etc/containers/containers.conf when it has none.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

t0=$(now)
wanted=("$@")
[ ${#wanted[@]} -gt 0 ] || wanted=(podman graphviz browser)
packages=()
for tool in "${wanted[@]}"; do
    case $tool in
        podman | graphviz) packages+=("$tool") ;;
        browser) packages+=(chromium chromium-driver) ;;
        *) die "unknown tool $tool: expected podman, graphviz or browser" ;;
    esac
done
apt_install "${packages[@]}"
versions=()
if [[ " ${wanted[*]} " == *" graphviz "* ]]; then
    versions+=("$(dot -V 2>&1)")
fi
if [[ " ${wanted[*]} " == *" browser "* ]]; then
    versions+=("$(chromium --version 2>/dev/null | head -n 1)")
fi
if [[ " ${wanted[*]} " != *" podman "* ]]; then
    log "tools ready (${versions[*]}) in $(elapsed "$t0") s"
    exit 0
fi
conf=/etc/containers/containers.conf
if ! grep -qs '^default_ulimits' "$conf"; then
    mkdir -p "$(dirname "$conf")"
    if grep -qs '^\[containers\]' "$conf"; then
        sed -i '/^\[containers\]/a default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]' "$conf"
    else
        printf '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]\n' >> "$conf"
    fi
    log "podman: default ulimits written to $conf"
fi
versions=("podman $(podman --version | awk '{print $3}')" "${versions[@]}")
log "tools ready ($(IFS=,; echo "${versions[*]}" | sed 's/,/, /g')) in $(elapsed "$t0") s"
