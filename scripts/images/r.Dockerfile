# Offline stand-in for r-base:4.2.2, built by scripts/base-images.sh FROM the
# debootstrapped claimed-base/debian:bookworm. Debian bookworm's r-base-core is
# R 4.2.2 (R and Rscript in /usr/bin). CRAN is not reachable from this machine:
# R packages come from Debian's r-cran-* packages.
ARG BASE=claimed-base/debian:bookworm
FROM ${BASE}
ARG RECIPE=unset
LABEL org.opencontainers.image.description="claimed-cwl offline stand-in for r-base:4.2.2 (Debian bookworm r-base-core)" \
      claimed-cwl.base="r" \
      claimed-cwl.recipe="${RECIPE}"
ENV LANG=C.UTF-8 LC_ALL=C.UTF-8
COPY ca/ /usr/local/share/ca-certificates/
RUN set -eux; \
    export DEBIAN_FRONTEND=noninteractive; \
    apt-get update; \
    apt-get install -y --no-install-recommends ca-certificates r-base-core; \
    update-ca-certificates; \
    apt-get clean; rm -rf /var/lib/apt/lists/*; \
    Rscript --version
CMD ["R"]
