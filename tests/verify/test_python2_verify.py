"""`migrate verify --backend docker` end to end on fixtures/python/fabric1-py27: a Python 2.7 Flask app (print
statements, ``except E, e`` in its own code) deployed by a Fabric 1 fabfile, gunicorn under supervisord,
and a cron.d job. It builds FROM the python:2.7-slim stand-in, which carries a real CPython 2.7.

Beyond the health answer: the running web container's interpreter is 2.7, and the HEALTHCHECK command the
Dockerfile wrote (Python 2 code: urllib2) succeeds inside it, so the image's own check works on 2.7 too.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from migrator.verify import cleanup_run, verify

from .test_fixtures_verify import _log_lines, _step, _why, generated

pytestmark = pytest.mark.docker


def test_fabric1_py27_boots_on_python_2_7(tmp_path: Path) -> None:
    import docker

    root = generated("fabric1-py27", tmp_path)
    dockerfile = (root / "deploy" / "image" / "Dockerfile").read_text()
    assert dockerfile.count("FROM python:2.7-slim") == 1
    report = verify(root, "docker", settle=3, timeout=240, keep=True)
    client = docker.from_env()
    try:
        assert report.outcome == "verified", _why(report)
        assert _step(report, "health check").detail == "GET http://fabric1-py27-web:8060/healthz -> 200"
        check = _step(report, "trigger cronjob fabric1-py27-check-links")
        assert check.status == "ok" and "WARNING: go/printers is not https" in _log_lines(check)

        web = client.containers.get(f"migrate-verify-{report.run_id}-fabric1-py27-web-web")
        version = web.exec_run(["python", "-c", "import sys; print(sys.version_info[:2])"], user="10001")
        assert (version.exit_code, version.output.decode().strip()) == (0, "(2, 7)")
        healthcheck = re.search(r"^  CMD (\[.*\])$", dockerfile, re.M)
        assert healthcheck is not None
        probe = web.exec_run(json.loads(healthcheck.group(1)), user="10001")
        assert probe.exit_code == 0, probe.output.decode()
    finally:
        cleanup_run(client, report.run_id)
