"""The analyzer registry: every analyzer, in tie-break order (earlier wins among equal confidence).

Adding an analyzer is one import and one entry here. Order: explicit process declarations first
(Procfile, app.json, host configs), then packaging, then code reading, then heuristics.
"""

from __future__ import annotations

from analyzers import (
    app_json,
    appserver_config,
    cron,
    dotenv,
    fabric,
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
    python_version,
    requirements,
    pipenv,
    pyproject,
    setuptools,
    fabric,
    shell,
    makefile,
    python_code,
    python_entrypoints,
    python_writes,
    python_hosts,
    dotenv,
)
