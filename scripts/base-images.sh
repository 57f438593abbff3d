#!/usr/bin/env bash
# Build the base images offline: no image registry is reachable from this machine,
# so nothing is pulled. Debian bookworm is bootstrapped with debootstrap (from
# Debian's package mirror) and imported; the others are built FROM it with
# `docker build --network host` (apt and pip reach their registries from inside).
#
# Usage: scripts/base-images.sh [python|r|conformance|all]...   (default: python r)
#
#   (always)     claimed-base/debian:bookworm   debootstrap --variant=minbase bookworm
#   python       claimed-base/python:3.11       Debian python3 3.11 + pip, venv at /opt/venv
#                 and python:3.11-slim          the compiler's default base image
#   r            claimed-base/r:4.2             Debian r-base-core 4.2.2 (Rscript)
#                 and r-base:4.2.2
#   conformance  the images the CWL v1.2 conformance tests name: docker.io/debian:stable-slim,
#                docker.io/python:3-slim, docker.io/bash:4.4, docker.io/alpine:latest
#
# python:3.11-slim, r-base:4.2.2 and the conformance names are LOCAL OFFLINE
# STAND-INS made from Debian packages, not the images of those names on Docker
# Hub; a name that already holds an image not made here is left alone.
#
# An image is reused when it exists with the same recipe (a hash of its
# Dockerfile, its base image and the certificates added) in its label
# claimed-cwl.recipe; otherwise it is rebuilt. The debootstrapped root file
# system is cached as a tarball under /var/cache/claimed-cwl/ when that folder
# can be written; the cache only saves time, it is never required.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

IMAGES_DIR=$REPO_ROOT/scripts/images
CACHE_DIR=${CLAIMED_CACHE_DIR:-/var/cache/claimed-cwl}
DEBIAN_MIRROR=${CLAIMED_DEBIAN_MIRROR:-http://deb.debian.org/debian}
DEBIAN_IMAGE=claimed-base/debian:bookworm
DEBIAN_RECIPE=debian-bookworm-minbase-v1
PYTHON_IMAGE=claimed-base/python:3.11
R_IMAGE=claimed-base/r:4.2
# The legacy builder: the Docker client here may have no buildx plugin, and the
# engine's own builder needs none.
export DOCKER_BUILDKIT=0

WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/claimed-base.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

label() { docker image inspect -f "{{index .Config.Labels \"$2\"}}" "$1" 2>/dev/null || true; }
image_id() { docker image inspect -f '{{.Id}}' "$1"; }

# seed NAME SOURCE: tag SOURCE as NAME unless NAME holds an image that was not made here.
seed() {
    local name=$1 source=$2
    if docker image inspect "$name" >/dev/null 2>&1 && [ -z "$(label "$name" claimed-cwl.base)" ]; then
        log "$name exists and was not made here: left alone (not replaced by $source)"
        return 0
    fi
    docker tag "$source" "$name"
    log "$name -> $source (local offline stand-in, not the Docker Hub image)"
}

# debootstrap_tarball OUT: write a tarball of a fresh minbase bookworm root file system.
debootstrap_tarball() {
    local out=$1 root=$WORK/rootfs t0
    command -v debootstrap >/dev/null || apt_install debootstrap
    t0=$(now)
    log "debootstrap --variant=minbase bookworm from $DEBIAN_MIRROR (log: $STATE_DIR/debootstrap.log)"
    if ! debootstrap --variant=minbase bookworm "$root" "$DEBIAN_MIRROR" >"$STATE_DIR/debootstrap.log" 2>&1; then
        tail -n 20 "$STATE_DIR/debootstrap.log" >&2
        die "debootstrap failed (see $STATE_DIR/debootstrap.log)"
    fi
    cat >"$root/etc/apt/sources.list" <<EOF
deb $DEBIAN_MIRROR bookworm main
deb $DEBIAN_MIRROR bookworm-updates main
deb ${DEBIAN_MIRROR%/debian}/debian-security bookworm-security main
EOF
    # This machine's apt accepts Release files whatever their dates (its clock runs
    # past the mirror's Valid-Until); give the image's apt the same settings.
    if apt-config dump | grep -q 'Acquire::Check-Valid-Until "false"'; then
        printf 'Acquire::Check-Valid-Until "false";\nAcquire::Check-Date "false";\n' \
            >"$root/etc/apt/apt.conf.d/99claimed-cwl-dates"
    fi
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    tar --numeric-owner -C "$root" -cf "$out" .
    rm -rf "$root"
    log "debootstrap: root file system in $(elapsed "$t0") s ($(du -h "$out" | cut -f1))"
}

build_debian() {
    if [ "$(label "$DEBIAN_IMAGE" claimed-cwl.recipe)" = "$DEBIAN_RECIPE" ]; then
        log "$DEBIAN_IMAGE: present, reused"
        return 0
    fi
    local cached=$CACHE_DIR/$DEBIAN_RECIPE.tar tarball t0
    tarball=$cached
    if ! [ -s "$cached" ]; then
        tarball=$WORK/rootfs.tar
        debootstrap_tarball "$tarball"
        if mkdir -p "$CACHE_DIR" 2>/dev/null && cp "$tarball" "$cached.part" 2>/dev/null; then
            mv "$cached.part" "$cached"
            log "cached the root file system as $cached"
        fi
    else
        log "using the cached root file system $cached"
    fi
    t0=$(now)
    if ! docker import \
        --change "LABEL claimed-cwl.base=debian claimed-cwl.recipe=$DEBIAN_RECIPE" \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8' \
        --change 'CMD ["bash"]' \
        "$tarball" "$DEBIAN_IMAGE" >/dev/null; then
        [ "$tarball" != "$cached" ] || { rm -f "$cached"; log "removed the unusable cache $cached"; }
        die "docker import of the Debian root file system failed"
    fi
    log "$DEBIAN_IMAGE: imported in $(elapsed "$t0") s"
}

# build NAME DOCKERFILE: build NAME FROM $DEBIAN_IMAGE unless its recipe is unchanged.
build() {
    local name=$1 dockerfile=$IMAGES_DIR/$2 ctx recipe t0 logfile
    ctx=$WORK/ctx-${2%.Dockerfile}
    mkdir -p "$ctx/ca"
    cp "$dockerfile" "$ctx/Dockerfile"
    # Certificate authorities added to this machine (such as a TLS-inspecting proxy's),
    # so that pip and apt over https trust what the host trusts.
    find /usr/local/share/ca-certificates -maxdepth 1 -name '*.crt' -exec cp {} "$ctx/ca/" \; 2>/dev/null || true
    recipe=$( (image_id "$DEBIAN_IMAGE"; cd "$ctx" && find . -type f | LC_ALL=C sort | xargs sha256sum) \
        | sha256sum | cut -c1-16)
    if [ "$(label "$name" claimed-cwl.recipe)" = "$recipe" ]; then
        log "$name: present, reused"
        return 0
    fi
    t0=$(now)
    logfile=$STATE_DIR/build-${2%.Dockerfile}.log
    log "$name: docker build --network host (log: $logfile)"
    if ! docker build --network host --build-arg "BASE=$DEBIAN_IMAGE" --build-arg "RECIPE=$recipe" \
        -t "$name" "$ctx" >"$logfile" 2>&1; then
        tail -n 30 "$logfile" >&2
        die "$name: docker build failed (see $logfile)"
    fi
    log "$name: built in $(elapsed "$t0") s ($(docker image inspect -f '{{.Size}}' "$name" | awk '{ printf "%.0f MB", $1 / 1e6 }'))"
}

# smoke NAME COMMAND...: run COMMAND in NAME as a CWL runner would: no network, a
# non-root user, a read-only root and a fresh /tmp (R needs one even for `Rscript -e`).
smoke() {
    local name=$1 out
    shift
    out=$(docker run --rm --network none --read-only --tmpfs /tmp --user 1000:1000 "$name" "$@" 2>&1) \
        || die "$name: '$*' failed in a container: $out"
    log "$name: $(head -n 1 <<<"$out")"
}

build_python() {
    build "$PYTHON_IMAGE" python.Dockerfile
    smoke "$PYTHON_IMAGE" python -c 'import sys; print("python", sys.version.split()[0], "at", sys.executable)'
    seed python:3.11-slim "$PYTHON_IMAGE"
}

build_r() {
    build "$R_IMAGE" r.Dockerfile
    smoke "$R_IMAGE" Rscript -e 'cat(R.version.string, "\n")'
    seed r-base:4.2.2 "$R_IMAGE"
}

build_conformance() {
    build_python
    build claimed-base/bash:4.4 bash.Dockerfile
    # shellcheck disable=SC2016 # expanded by bash in the container
    smoke claimed-base/bash:4.4 -c 'echo bash $BASH_VERSION at $(command -v bash)'
    seed docker.io/debian:stable-slim "$DEBIAN_IMAGE"
    seed docker.io/alpine:latest "$DEBIAN_IMAGE"
    seed docker.io/python:3-slim "$PYTHON_IMAGE"
    seed docker.io/bash:4.4 claimed-base/bash:4.4
}

main() {
    local targets=("$@") target t0
    [ ${#targets[@]} -gt 0 ] || targets=(python r)
    [ "${targets[*]}" != all ] || targets=(python r conformance)
    for target in "${targets[@]}"; do
        case $target in python|r|conformance) ;; *) die "unknown target '$target' (python, r, conformance or all)" ;; esac
    done
    timeout 10 docker info >/dev/null 2>&1 || die "the Docker engine is not running: scripts/services.sh start docker"
    t0=$(now)
    build_debian
    for target in "${targets[@]}"; do "build_$target"; done
    log "base images ready (${targets[*]}) in $(elapsed "$t0") s"
}

main "$@"
