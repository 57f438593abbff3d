# shellcheck shell=bash
# Shared helpers for the scripts in this folder. Source it; do not run it.
#
# Sets REPO_ROOT (the repository) and STATE_DIR (REPO_ROOT/.state, git-ignored:
# pids, logs, config and storage of the services we start).

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE_DIR=${CLAIMED_STATE_DIR:-$REPO_ROOT/.state}
export REPO_ROOT STATE_DIR
mkdir -p "$STATE_DIR"

# log MESSAGE...: one line on stderr, prefixed with the calling script's name.
log() { printf '[%s] %s\n' "$(basename "$0" .sh)" "$*" >&2; }

# die MESSAGE...: log and exit 1.
die() { log "ERROR: $*"; exit 1; }

# now: seconds since the epoch with a fraction, for timings.
now() { date +%s.%N; }

# elapsed START: seconds since START, one decimal.
elapsed() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.1f", e - s }'; }

# apt_install PACKAGE...: install Debian packages that are missing, running
# `apt-get update` once per machine boot (stamp in /run) or when apt knows no candidate.
apt_install() {
    local missing=() pkg
    for pkg in "$@"; do
        [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" = 'install ok installed' ] || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    [ "$(id -u)" -eq 0 ] || die "need root to install ${missing[*]} (apt-get install -y ${missing[*]})"
    local policy_out
    policy_out=$(apt-cache policy "${missing[@]}" 2>/dev/null || true)
    if [ ! -e /run/claimed-cwl-apt-updated ] || ! grep -q 'Candidate: [0-9]' <<<"$policy_out"; then
        log "apt-get update"
        apt-get update -q >>"$STATE_DIR/apt.log" 2>&1 || { tail -n 20 "$STATE_DIR/apt.log" >&2; die "apt-get update failed"; }
        touch /run/claimed-cwl-apt-updated 2>/dev/null || true
    fi
    local t0 rc=0 policy=/usr/sbin/policy-rc.d made_policy=
    t0=$(now)
    # Packages such as docker.io start their daemon from postinst (with the default
    # bridge network): forbid that, we start our own on loopback only.
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && made_policy=1
    fi
    log "apt-get install -y ${missing[*]} (log: $STATE_DIR/apt.log)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" \
        >>"$STATE_DIR/apt.log" 2>&1 || rc=$?
    [ -z "$made_policy" ] || rm -f "$policy"
    if [ "$rc" -ne 0 ]; then
        tail -n 20 "$STATE_DIR/apt.log" >&2
        die "apt-get install ${missing[*]} failed"
    fi
    log "installed ${missing[*]} in $(elapsed "$t0") s"
}

# pid_alive PIDFILE: true when PIDFILE names a running process.
pid_alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
