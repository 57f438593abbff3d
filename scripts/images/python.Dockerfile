# Offline stand-in for python:3.11-slim, built by scripts/base-images.sh FROM the
# debootstrapped claimed-base/debian:bookworm (no registry is reachable here).
# Debian bookworm's python3 is 3.11. `python`, `python3` and `pip` come from a
# virtual environment at /opt/venv that sees Debian's packages too
# (--system-site-packages), so a later `RUN python -m pip install PKG` works
# without --break-system-packages, and `apt-get install python3-xyz` is importable.
ARG BASE=claimed-base/debian:bookworm
FROM ${BASE}
ARG RECIPE=unset
LABEL org.opencontainers.image.description="claimed-cwl offline stand-in for python:3.11-slim (Debian bookworm python3)" \
      claimed-cwl.base="python" \
      claimed-cwl.recipe="${RECIPE}"
ENV LANG=C.UTF-8 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# Certificate authorities this machine trusts on top of Debian's (an empty folder elsewhere).
COPY ca/ /usr/local/share/ca-certificates/
RUN set -eux; \
    export DEBIAN_FRONTEND=noninteractive; \
    apt-get update; \
    apt-get install -y --no-install-recommends ca-certificates python3 python3-pip python3-venv python-is-python3; \
    update-ca-certificates; \
    python3 -m venv --system-site-packages /opt/venv; \
    apt-get clean; rm -rf /var/lib/apt/lists/*; \
    python --version; python -m pip --version
CMD ["python3"]
