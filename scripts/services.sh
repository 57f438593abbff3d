#!/usr/bin/env bash
# Start, stop or report the local services the tests need, all on loopback:
#
#   docker    the Docker engine (Debian's docker.io), started as
#             dockerd --bridge=none --iptables=false --ip-masq=false, so a container
#             has only its own loopback unless it asks for the host network.
#   registry  an image registry (Debian's docker-registry) on 127.0.0.1:5000,
#             configuration and storage under .state/registry/.
#
# Usage: scripts/services.sh {start|stop|status|check} [docker|registry|all]...
#
# `check` proves each service works: the engine runs a container of
# claimed-base/debian:bookworm with --network none (when that image exists, see
# scripts/base-images.sh); the registry takes a push and gives back a pull of a
# tiny image made here.
#
# A service that already answers (started by hand, by the system, or by an
# earlier `start`) is reused. `stop` stops only what this script started: the
# pid of each daemon it starts is kept in .state/<service>.pid.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DOCKER_SOCK=/var/run/docker.sock
DOCKER_PID=$STATE_DIR/dockerd.pid
DOCKER_LOG=$STATE_DIR/dockerd.log
DOCKER_TIMEOUT=${CLAIMED_DOCKER_TIMEOUT:-60}
REGISTRY_ADDR=${CLAIMED_REGISTRY:-127.0.0.1:5000}
REGISTRY_DIR=$STATE_DIR/registry
REGISTRY_PID=$STATE_DIR/registry.pid
REGISTRY_LOG=$STATE_DIR/registry.log

docker_up() { timeout 10 docker info >/dev/null 2>&1; }
registry_up() { curl -fsS -m 3 "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1; }

# wait_for SECONDS PIDFILE WHAT CHECK...: poll CHECK every half second until it
# succeeds; fail at once when the process in PIDFILE has died, or after SECONDS.
wait_for() {
    local limit=$1 pidfile=$2 what=$3 t0
    shift 3
    t0=$(now)
    until "$@"; do
        if ! pid_alive "$pidfile"; then
            log "$what: the process exited"
            return 1
        fi
        if awk -v s="$t0" -v e="$(now)" -v l="$limit" 'BEGIN { exit !(e - s > l) }'; then
            return 1
        fi
        sleep 0.5
    done
    log "$what answered after $(elapsed "$t0") s"
}

# stop_pid PIDFILE NAME: SIGTERM the process we started, wait up to 30 s, then SIGKILL.
stop_pid() {
    local pidfile=$1 name=$2 pid i
    if ! [ -s "$pidfile" ]; then
        log "$name: not started by this script, left alone"
        return 0
    fi
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid"
        for i in $(seq 60); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.5
        done
        if kill -0 "$pid" 2>/dev/null; then
            log "$name (pid $pid) did not stop in 30 s: SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
        fi
        log "$name (pid $pid) stopped"
    else
        log "$name (pid $pid) was not running"
    fi
    rm -f "$pidfile"
}

docker_start() {
    if docker_up; then
        if pid_alive "$DOCKER_PID"; then
            log "docker: already running (started by this script, pid $(cat "$DOCKER_PID"))"
        else
            rm -f "$DOCKER_PID"
            log "docker: an engine already answers at $(docker context inspect -f '{{.Endpoints.docker.Host}}' 2>/dev/null || echo "$DOCKER_SOCK"): reusing it, will not stop it"
        fi
        return 0
    fi
    command -v dockerd >/dev/null || apt_install docker.io
    command -v docker >/dev/null || die "docker client missing after installing docker.io"
    local t0 args
    t0=$(now)
    args=(--host "unix://$DOCKER_SOCK" --bridge=none --iptables=false --ip-masq=false
          --pidfile "$STATE_DIR/dockerd.self.pid")
    # A pid file left by an engine that died would stop the new one from starting.
    rm -f "$STATE_DIR/dockerd.self.pid"
    # Default data root (/var/lib/docker), so base images survive between runs on one machine.
    [ -z "${CLAIMED_DOCKER_STORAGE_DRIVER:-}" ] || args+=(--storage-driver "$CLAIMED_DOCKER_STORAGE_DRIVER")
    log "docker: starting dockerd ${args[*]} (log: $DOCKER_LOG)"
    # setsid: the daemon must not die with the shell (or the CI step) that started it.
    setsid dockerd "${args[@]}" >>"$DOCKER_LOG" 2>&1 </dev/null &
    echo $! >"$DOCKER_PID"
    if ! wait_for "$DOCKER_TIMEOUT" "$DOCKER_PID" docker docker_up; then
        tail -n 20 "$DOCKER_LOG" >&2 || true
        die "docker: dockerd did not answer within $DOCKER_TIMEOUT s (see $DOCKER_LOG)"
    fi
    log "docker: engine $(docker version -f '{{.Server.Version}}'), storage driver $(docker info -f '{{.Driver}}'), started in $(elapsed "$t0") s"
}

registry_config() {
    mkdir -p "$REGISTRY_DIR/data"
    cat >"$REGISTRY_DIR/config.yml" <<EOF
# Written by scripts/services.sh: a throw-away registry for tests, on loopback only.
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $REGISTRY_DIR/data
  delete:
    enabled: true
http:
  addr: $REGISTRY_ADDR
EOF
}

registry_start() {
    if registry_up; then
        if pid_alive "$REGISTRY_PID"; then
            log "registry: already running at $REGISTRY_ADDR (started by this script, pid $(cat "$REGISTRY_PID"))"
        else
            rm -f "$REGISTRY_PID"
            log "registry: one already answers at $REGISTRY_ADDR: reusing it, will not stop it"
        fi
        return 0
    fi
    command -v docker-registry >/dev/null || apt_install docker-registry
    command -v curl >/dev/null || apt_install curl
    local t0
    t0=$(now)
    registry_config
    log "registry: starting docker-registry on $REGISTRY_ADDR (log: $REGISTRY_LOG)"
    setsid docker-registry serve "$REGISTRY_DIR/config.yml" >>"$REGISTRY_LOG" 2>&1 </dev/null &
    echo $! >"$REGISTRY_PID"
    if ! wait_for 30 "$REGISTRY_PID" registry registry_up; then
        tail -n 20 "$REGISTRY_LOG" >&2 || true
        die "registry: nothing answers at http://$REGISTRY_ADDR/v2/ after 30 s (see $REGISTRY_LOG)"
    fi
    log "registry: started in $(elapsed "$t0") s"
}

do_start() {
    case $1 in
        docker) docker_start ;;
        registry) registry_start ;;
    esac
}

do_stop() {
    case $1 in
        docker) stop_pid "$DOCKER_PID" docker ;;
        registry) stop_pid "$REGISTRY_PID" registry ;;
    esac
}

# do_status SERVICE: print one line; exit status 0 when the service answers.
do_status() {
    local up=down owner=""
    case $1 in
        docker)
            docker_up && up=up
            pid_alive "$DOCKER_PID" && owner=" (started by scripts/services.sh, pid $(cat "$DOCKER_PID"))"
            [ "$up" = down ] || owner+=", storage driver $(docker info -f '{{.Driver}}' 2>/dev/null)"
            ;;
        registry)
            registry_up && up=up
            pid_alive "$REGISTRY_PID" && owner=" (started by scripts/services.sh, pid $(cat "$REGISTRY_PID"))"
            owner+=" at $REGISTRY_ADDR"
            ;;
    esac
    echo "$1: $up$owner"
    [ "$up" = up ]
}

docker_check() {
    docker_up || die "docker: not running (scripts/services.sh start docker)"
    local image=claimed-base/debian:bookworm out
    if ! docker image inspect "$image" >/dev/null 2>&1; then
        log "docker: check skipped the container run: no $image yet (scripts/base-images.sh builds it)"
        return 0
    fi
    out=$(docker run --rm --network none "$image" sh -c 'echo ok; ls /sys/class/net')
    [ "$(head -n 1 <<<"$out")" = ok ] || die "docker: container of $image printed '$out'"
    log "docker: ran $image with --network none; its interfaces: $(tail -n +2 <<<"$out" | tr '\n' ' ')"
}

registry_check() {
    registry_up || die "registry: nothing answers at $REGISTRY_ADDR (scripts/services.sh start registry)"
    docker_up || die "registry: check needs the Docker engine (scripts/services.sh start docker)"
    local tag="$REGISTRY_ADDR/claimed-cwl/selftest:1" dir digest
    dir=$(mktemp -d)
    date -u +%FT%TZ >"$dir/made-at"
    tar -C "$dir" -c made-at | docker import - "$tag" >/dev/null
    rm -rf "$dir"
    docker push -q "$tag" >/dev/null || die "registry: docker push $tag failed"
    digest=$(docker image inspect -f '{{index .RepoDigests 0}}' "$tag")
    docker rmi -f "$tag" >/dev/null
    docker pull -q "$tag" >/dev/null || die "registry: docker pull $tag failed"
    docker rmi -f "$tag" >/dev/null
    log "registry: pushed and pulled back $digest"
}

main() {
    local action=${1:-}
    [ $# -gt 0 ] && shift
    local services=("$@") svc rc=0
    [ ${#services[@]} -gt 0 ] || services=(all)
    [ "${services[*]}" != all ] || services=(docker registry)
    for svc in "${services[@]}"; do
        case $svc in docker|registry) ;; *) die "unknown service '$svc' (docker, registry or all)" ;; esac
    done
    case $action in
        start) for svc in "${services[@]}"; do do_start "$svc"; done ;;
        stop)
            # Reverse order: the registry before the engine.
            for ((i = ${#services[@]} - 1; i >= 0; i--)); do do_stop "${services[$i]}"; done ;;
        status) for svc in "${services[@]}"; do do_status "$svc" || rc=1; done ;;
        check) for svc in "${services[@]}"; do "${svc}_check"; done ;;
        *) die "usage: $0 {start|stop|status|check} [docker|registry|all]..." ;;
    esac
    return $rc
}

main "$@"
