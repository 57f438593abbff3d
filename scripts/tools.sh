#!/usr/bin/env bash
# Host tools the tests use besides the services: podman (a second container
# engine, daemon-less), Graphviz (`dot`, for `claimed-cwl viz`).
# Idempotent: installs only what is missing.
#
# Rootful podman here needs explicit ulimits (runc cannot raise them to the
# host's defaults inside this sandbox: "error setting rlimit ... operation not
# permitted"); they go into /etc/containers/containers.conf when it has none.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

t0=$(now)
apt_install podman graphviz
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
log "tools ready (podman $(podman --version | awk '{print $3}'), $(dot -V 2>&1)) in $(elapsed "$t0") s"
