# The migrate CLI's own image: what `migrate fleet emit kubernetes` runs (and anyone can `docker run`).
# Python CLI + git. For `verify` it needs a Docker or kind endpoint from outside (a socket or a context);
# the image carries neither and runs as a non-root user with a read-only root filesystem in mind:
# everything it writes goes to HOME=/tmp, --workdir and --records (volumes).
FROM python:3.11-slim AS build
WORKDIR /src
# the dependencies first, read from pyproject.toml: a change to the sources alone reuses this layer
COPY pyproject.toml README.md ./
RUN python -m venv /opt/migrate \
    && python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
       > /tmp/requirements.txt \
    && /opt/migrate/bin/pip install --no-cache-dir --disable-pip-version-check -r /tmp/requirements.txt
COPY migrator ./migrator
COPY analyzers ./analyzers
COPY generators ./generators
RUN /opt/migrate/bin/pip install --no-cache-dir --disable-pip-version-check --no-deps . \
    && /opt/migrate/bin/pip uninstall --yes pip

FROM python:3.11-slim
# git: shallow clones for `migrate fleet`, branches for `migrate pr`; ca-certificates for HTTPS remotes
RUN apt-get update \
    && apt-get install -y --no-install-recommends git ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 10001 migrate \
    && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /tmp --shell /usr/sbin/nologin migrate
COPY --from=build /opt/migrate /opt/migrate
ENV PATH=/opt/migrate/bin:$PATH \
    HOME=/tmp \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    GIT_TERMINAL_PROMPT=0
WORKDIR /work
USER 10001:10001
ENTRYPOINT ["migrate"]
CMD ["--help"]
