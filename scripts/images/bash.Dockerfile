# Offline stand-in for docker.io/bash:4.4 (used by the CWL v1.2 conformance tests),
# built by scripts/base-images.sh FROM claimed-base/debian:bookworm (bash 5.2).
# Like the real image: bash at /usr/local/bin/bash, and an entrypoint that runs
# bash when the first argument is an option (`docker run bash:4.4 -c 'echo'`).
ARG BASE=claimed-base/debian:bookworm
FROM ${BASE}
ARG RECIPE=unset
LABEL org.opencontainers.image.description="claimed-cwl offline stand-in for bash:4.4 (Debian bookworm bash)" \
      claimed-cwl.base="bash" \
      claimed-cwl.recipe="${RECIPE}"
RUN set -eux; \
    ln -s /bin/bash /usr/local/bin/bash; \
    printf '%s\n' '#!/bin/sh' 'set -e' 'if [ "${1#-}" != "$1" ]; then set -- bash "$@"; fi' 'exec "$@"' \
        > /usr/local/bin/docker-entrypoint.sh; \
    chmod 755 /usr/local/bin/docker-entrypoint.sh
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["bash"]
