"""`migrate verify --backend docker` end to end on the Node fixtures, through `migrate generate`: pm2-ops-api
(PM2 cluster app + mailer worker, knex migrations as the release Job on PostgreSQL, a crontab's npm script
as a CronJob, bcrypt compiled in a deps stage), nest-media-queue (a NestJS API built with tsc in a build
stage, a Bull worker on Redis, a loopback HOST default the ConfigMap overrides) and workspaces-monorepo (an
npm-workspaces monorepo whose API package is the app, its web bundle built in the build stage).

The images install from npm (reachable from builds here) onto the node:18/20/22-slim stand-ins; each test
asserts the health answer and what the release Job and CronJob did, not only the outcome.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from migrator.verify import cleanup_run, verify

from .test_fixtures_verify import _log_lines, _step, _why, generated

pytestmark = pytest.mark.docker


def test_pm2_ops_api_release_migrates_postgres_and_the_cron_runs_the_npm_script(tmp_path: Path) -> None:
    import docker

    root = generated("pm2-ops-api", tmp_path)
    dockerfile = (root / "deploy/image/Dockerfile").read_text()
    assert "FROM node:18-slim AS deps" in dockerfile and 'CMD ["tini", "--", "node", "server.js"]' in dockerfile
    report = verify(root, "docker", settle=5, timeout=300, keep=True)
    client = docker.from_env()
    try:
        assert report.outcome == "verified", _why(report)
        assert _step(report, "health check").detail == "GET http://pm2-ops-api-api:8080/healthz -> 200"
        ready = _step(report, "start deployments").detail
        assert "pm2-ops-api-api" in ready and "pm2-ops-api-mailer" in ready
        release = _step(report, "release job pm2-ops-api-release")
        assert release.status == "ok" and any("Using environment: production" in x for x in _log_lines(release))
        # knex ran both migrations against the throwaway PostgreSQL (the release Job's DATABASE_URL)
        pg = client.containers.get(f"migrate-verify-{report.run_id}-postgres")
        out = pg.exec_run(["psql", "-U", "verify", "-d", "verify", "-Atc", "select count(*) from knex_migrations"])
        assert out.exit_code == 0 and int(out.output.decode()) == 2
        nightly = _step(report, "trigger cronjob pm2-ops-api-report-nightly")
        assert nightly.status == "ok" and any("mails sent so far" in x for x in _log_lines(nightly))
    finally:
        cleanup_run(client, report.run_id)


def test_nest_media_queue_built_with_tsc_listens_on_every_interface(tmp_path: Path) -> None:
    root = generated("nest-media-queue", tmp_path)
    assert "HOST: 0.0.0.0" in (root / "deploy/k8s/base/configmap.yaml").read_text()
    report = verify(root, "docker", settle=5, timeout=300)
    assert report.outcome == "verified", _why(report)
    assert _step(report, "health check").detail == "GET http://nest-media-queue-media-api:4000/health -> 200"
    assert "redis" in _step(report, "start backing services").detail
    assert "nest-media-queue-media-worker" in _step(report, "start deployments").detail  # and it stayed up


def test_workspaces_monorepo_serves_its_api_package(tmp_path: Path) -> None:
    root = generated("workspaces-monorepo", tmp_path)
    dockerfile = (root / "deploy/image/Dockerfile").read_text()
    assert "COPY apps/api/package.json apps/api/" in dockerfile
    assert " npm run heroku-postbuild \\\n && npm prune --omit=dev" in dockerfile
    report = verify(root, "docker", settle=5, timeout=300)
    assert report.outcome == "verified", _why(report)
    assert _step(report, "health check").detail == "GET http://workspaces-monorepo-web:5000/healthz -> 200"
