"""The analyzer registry: every analyzer, in tie-break order (earlier wins among equal confidence).

Adding an analyzer is one import and one entry here. Order: explicit process declarations first
(Procfile, app.json, host configs), then packaging, then code reading, then the repo's own Dockerfiles
and compose files (a development setup: the legacy production files and the code's own fallbacks win
their ties), then heuristics.
"""

from __future__ import annotations

from analyzers import (
    app_json,
    appserver_config,
    caddy,
    ci_python,
    compose,
    cron,
    dockerfile,
    dotenv,
    fabric,
    haproxy,
    makefile,
    nginx,
    pipenv,
    procfile,
    pyproject,
    python_code,
    python_entrypoints,
    python_hosts,
    python_version,
    python_writes,
    requirements,
    script_needs,
    secret_files,
    setuptools,
    shell,
    supervisor,
    systemd,
)
from analyzers.base import Analyzer

ANALYZERS: tuple[Analyzer, ...] = (
    procfile,
    app_json,
    appserver_config,
    systemd,
    supervisor,
    cron,
    nginx,
    caddy,
    haproxy,
    python_version,
    requirements,
    pipenv,
    pyproject,
    setuptools,
    ci_python,
    fabric,
    shell,
    script_needs,
    makefile,
    python_code,
    python_entrypoints,
    python_writes,
    python_hosts,
    dockerfile,
    compose,
    dotenv,
    secret_files,
)
