"""`migrate verify --backend docker` end to end on the repo's fixtures, through `migrate generate`:
flask-gunicorn (web + RQ worker), pipenv-celery (Flask + Celery worker + beat schedule), heroku-django
(release runs migrate on PostgreSQL), fabric2-supervisor (uWSGI + Celery worker/beat + a CronJob),
fabric1-systemd (release migrate on PostgreSQL + timer and cron CronJobs), shell-deployed (waitress +
a CronJob whose script needs curl, a /backup volume, and pings localhost), shell-case-deploy (a
deploy.sh of case arms and [[ ]] tests: gunicorn, alembic on PostgreSQL, a CronJob), compose-django
(its own Dockerfile is never built: deploy/image/Dockerfile is), supervisor-caddy (supervisord's caddy
becomes the Ingress, not a workload), uv-workspace-app (uv from its lock, with a path package inside the
repo), poetry-fastapi (poetry from its lock), django-sqlite-systemd (SQLite on a claim, a log file on an
emptyDir, an env-built ALLOWED_HOSTS, a cron script of mode 0644; and its control without the log volume).
The rollout drill (``--drill``) runs inside the flask-gunicorn boot, and twice on wsgiref-dashboard (a
server that drops requests at SIGTERM, then the migrate.toml fix the report suggests), the two runs
sharing cached image layers.

Each test asserts the health answer, not only the outcome. The images build with pip from PyPI, so
these are the slowest tests; the broken variant reuses the cached layers of the Django build.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from migrator import writer
from migrator.cli import main
from migrator.generate import generate
from migrator.verify import cleanup_run, verify
from migrator.verify.report import VerifyReport, render

from ..conftest import FIXTURES, fixture_path

pytestmark = pytest.mark.docker


def generated(name: str, tmp: Path) -> Path:
    """A copy of fixtures/NAME with `migrate generate`'s output written into it."""
    root = tmp / name
    shutil.copytree(fixture_path(name), root)
    writer.write(generate(root), root)
    return root


def _step(report: VerifyReport, prefix: str) -> Any:
    return next(s for s in report.steps if s.name.startswith(prefix))


def _log_lines(step: Any) -> list[str]:
    """Every container's last log lines of a step (``logs`` maps container name -> lines)."""
    return [line for lines in step.logs.values() for line in lines]


def _why(report: VerifyReport) -> list[Any]:
    return [(s.name, s.status, s.detail, s.logs) for s in report.steps if s.status != "ok"] + report.notes


def _drill(report: VerifyReport, name: str) -> dict[str, Any]:
    assert report.drill is not None, _why(report)
    found: dict[str, Any] = next(s for s in report.drill.steps if s["name"] == name)
    return found


def test_flask_gunicorn_with_worker_and_the_rollout_drill(tmp_path: Path) -> None:
    # the drill runs in this boot (no second image build): gunicorn and the RQ worker keep every promise
    report = verify(generated("flask-gunicorn", tmp_path), "docker", settle=5, timeout=180, drill=True)
    assert report.outcome == "verified", _why(report)
    assert _step(report, "health check").detail == "GET http://flask-gunicorn-web:8000/health -> 200"
    assert "redis" in _step(report, "start backing services").detail
    assert "flask-gunicorn-worker" in _step(report, "start deployments").detail  # and it stayed up (settle)
    assert [s.status for s in report.steps if s.name.startswith("drill: ")] == ["ok"] * 4, _why(report)
    rolling = _drill(report, "rolling update")
    assert set(rolling["rollout_s"]) == {"flask-gunicorn-web", "flask-gunicorn-worker"}
    assert rolling["load"]["sent"] > 0 and rolling["load"]["failed"] == 0
    broken = _drill(report, "broken revision")
    assert broken["stalled"] and not broken["took_traffic"] and broken["load"]["failed"] == 0
    assert "ProgressDeadlineExceeded" in broken["detail"]
    assert _drill(report, "rollback")["load"]["failed"] == 0
    stops = _drill(report, "graceful stop")["stops"]
    assert {s["workload"] for s in stops} == {"flask-gunicorn-web", "flask-gunicorn-worker"}
    assert not any(s["killed"] for s in stops), stops  # gunicorn and rq stop on SIGTERM
    assert report.drill is not None and report.drill.advice == []
    assert "drill (a simulation on plain containers" in render(report)


def test_wsgiref_dashboard_drops_requests_at_sigterm_until_the_suggested_pre_stop_sleep(tmp_path: Path) -> None:
    import re

    root = generated("wsgiref-dashboard", tmp_path)
    report = verify(root, "docker", settle=1, timeout=180, drill=True)
    assert report.outcome == "failed"
    assert _step(report, "drill: graceful stop").status == "failed", _why(report)
    graceful = _drill(report, "graceful stop")
    assert graceful["in_flight"] >= 1 and graceful["dropped"] == graceful["in_flight"]  # the slow "/" pages
    for name in ("drill: broken revision does not take traffic", "drill: rollback"):
        assert _step(report, name).status == "ok", _why(report)
    assert report.drill is not None
    advice = next(a for a in report.drill.advice if "at SIGTERM" in a)
    wanted = re.search(r"`\[processes\.web\] pre_stop_sleep = (\d+)` in migrate.toml", advice)
    assert wanted, advice
    # the fix, as the report words it, in the migrate.toml that generate wrote; generate again
    toml = root / "migrate.toml"
    fix = f"[processes.web]\npre_stop_sleep = {wanted.group(1)}\n"
    toml.write_text(toml.read_text().replace("[processes.web]\n", fix))
    writer.write(generate(root), root)
    assert "- sleep" in (root / "deploy/k8s/base/deployment-web.yaml").read_text()
    fixed = verify(root, "docker", settle=1, timeout=180, drill=True)
    assert fixed.outcome == "verified", _why(fixed)
    graceful = _drill(fixed, "graceful stop")
    assert graceful["in_flight"] >= 1 and graceful["dropped"] == 0
    assert _drill(fixed, "rolling update")["load"]["failed"] == 0
    assert fixed.drill is not None and fixed.drill.advice == []


def test_pipenv_celery_flask_with_worker_and_schedule(tmp_path: Path) -> None:
    import docker

    report = verify(generated("pipenv-celery", tmp_path), "docker", settle=8, timeout=180, keep=True)
    client = docker.from_env()
    try:
        assert report.outcome == "verified", _why(report)
        assert _step(report, "health check").detail == "GET http://pipenv-celery-web:5000/health -> 200"
        prefix = f"migrate-verify-{report.run_id}-pipenv-celery"
        worker = client.containers.get(f"{prefix}-worker-worker").logs().decode()
        beat = client.containers.get(f"{prefix}-beat-beat").logs().decode()
        # both reached the throwaway Redis through the wired CELERY_BROKER_URL and stayed up (settle)
        assert "Connected to redis://verify-redis:6379/0" in worker
        assert "broker -> redis://verify-redis:6379/0" in beat and "beat: Starting..." in beat
    finally:
        cleanup_run(client, report.run_id)


def test_heroku_django_release_migrates_postgres(tmp_path: Path) -> None:
    import docker

    report = verify(generated("heroku-django", tmp_path), "docker", settle=5, timeout=180, keep=True)
    client = docker.from_env()
    try:
        assert report.outcome == "verified", _why(report)
        assert _step(report, "health check").detail.endswith(" -> 200")
        release = _step(report, "release job heroku-django-release")
        assert release.status == "ok"
        # the release step ran `manage.py migrate` against the throwaway PostgreSQL, not SQLite
        pg = client.containers.get(f"migrate-verify-{report.run_id}-postgres")
        out = pg.exec_run(["psql", "-U", "verify", "-d", "verify", "-Atc", "select count(*) from django_migrations"])
        assert out.exit_code == 0 and int(out.output.decode()) > 0
    finally:
        cleanup_run(client, report.run_id)


def test_fabric2_supervisor_uwsgi_celery_and_cron(tmp_path: Path) -> None:
    # Flask under uWSGI (the legacy ini, rebound to 0.0.0.0), a Celery worker and beat from supervisord,
    # and a CronJob from an /etc/cron.d file: the issue-3 fixture, booted as its manifests describe
    report = verify(generated("fabric2-supervisor", tmp_path), "docker", settle=5, timeout=180)
    assert report.outcome == "verified", _why(report)
    assert _step(report, "health check").detail == "GET http://fabric2-supervisor-web:9090/health -> 200"
    ready = _step(report, "start deployments").detail
    assert all(f"fabric2-supervisor-{p}" in ready for p in ("web", "worker", "beat"))
    purge = _step(report, "trigger cronjob fabric2-supervisor-purge")
    assert purge.status == "ok" and "expired 0 report(s)" in _log_lines(purge)


def test_fabric1_systemd_django_release_and_timers(tmp_path: Path) -> None:
    # gunicorn from a systemd unit, migrate from the fabfile as the release Job against PostgreSQL,
    # a systemd timer and a cron.d job as CronJobs
    report = verify(generated("fabric1-systemd", tmp_path), "docker", settle=3, timeout=180)
    assert report.outcome == "verified", _why(report)
    assert _step(report, "health check").detail == "GET http://fabric1-systemd-web:8081/healthz -> 200"
    release = _step(report, "release job fabric1-systemd-release")
    assert release.status == "ok" and any("Applying items.0001_initial... OK" in x for x in _log_lines(release))
    reminders = _step(report, "trigger cronjob fabric1-systemd-send-reminders")
    assert reminders.status == "ok" and "0 item(s) low on stock" in _log_lines(reminders)
    assert _step(report, "trigger cronjob fabric1-systemd-clearsessions").status == "ok"


def test_shell_deployed(tmp_path: Path) -> None:
    # scripts/backup.sh (the nightly CronJob) calls curl and writes /backup: the image has curl and the
    # pod a volume there, so tar and curl both run; its last line pings 127.0.0.1:8090, which in the
    # job's own pod is nothing: verify fails on it, as the analysis warned, until the user marks it
    root = generated("shell-deployed", tmp_path)
    report = verify(root, "docker", settle=3, timeout=180)
    assert _step(report, "health check").detail == "GET http://shell-deployed-web:8090/ping -> 200"
    assert report.outcome == "failed"
    backup = _step(report, "trigger cronjob shell-deployed-backup")
    assert backup.status == "failed" and "exited with code 7" in backup.detail, _why(report)
    logs = "\n".join(_log_lines(backup))
    assert "Failed to connect to 127.0.0.1 port 8090" in logs
    assert "command not found" not in logs and "Cannot open" not in logs
    with (root / "migrate.toml").open("a") as toml:
        toml.write('\n[offline_jobs.backup]\nreason = "pings the web process on 127.0.0.1 (see MIGRATION.md)"\n')
    report = verify(root, "docker", settle=1, timeout=180)
    assert report.outcome == "verified", _why(report)
    assert _step(report, "trigger cronjob shell-deployed-backup").status == "warning"


def test_shell_case_deploy_from_case_arms_and_double_bracket_tests(tmp_path: Path) -> None:
    # every workload comes from inside a case arm bashlex cannot parse: gunicorn from start),
    # alembic from the ssh string of deploy|rollback), the crontab it installs
    import docker

    report = verify(generated("shell-case-deploy", tmp_path), "docker", settle=3, timeout=240, keep=True)
    client = docker.from_env()
    try:
        assert report.outcome == "verified", _why(report)
        assert _step(report, "health check").detail == "GET http://shell-case-deploy-web:8070/healthz -> 200"
        assert _step(report, "release job shell-case-deploy-release").status == "ok"
        prune = _step(report, "trigger cronjob shell-case-deploy-prune")
        assert prune.status == "ok" and "pruned 0 reservation(s) older than 30 days" in _log_lines(prune)
        # the health answer itself: the app read the items table the release Job created
        web = client.containers.get(f"migrate-verify-{report.run_id}-shell-case-deploy-web-web")
        code, body = web.exec_run(["python", "-c", "import urllib.request; print(urllib.request.urlopen("
                                   "'http://127.0.0.1:8070/healthz').read().decode())"])
        assert code == 0 and json.loads(body) == {"items": 0, "status": "ok"}
    finally:
        cleanup_run(client, report.run_id)


def test_django_sqlite_logs_allowed_hosts_and_a_0644_cron_script(tmp_path: Path) -> None:
    # the release Job migrates SQLite on a claim with LOGGING's file handler on an emptyDir; the app
    # allows only env.list("ALLOWED_HOSTS") hosts; the nightly backup script is not executable in git
    import docker

    assert (fixture_path("django-sqlite-systemd") / "deploy/backup.sh").stat().st_mode & 0o111 == 0
    root = generated("django-sqlite-systemd", tmp_path)
    assert (root / "deploy/backup.sh").stat().st_mode & 0o111 == 0  # the build context keeps the mode
    report = verify(root, "docker", settle=3, timeout=240, keep=True)
    client = docker.from_env()
    try:
        assert report.outcome == "verified", _why(report)
        release = _step(report, "release job django-sqlite-systemd-release")
        assert release.status == "ok" and any("Applying catalog.0001_initial... OK" in x for x in _log_lines(release))
        # ALLOWED_HOSTS allows library.example.com only: any other Host header would get 400
        assert _step(report, "health check").detail == "GET http://django-sqlite-systemd-web:8020/healthz -> 200"
        backup = _step(report, "trigger cronjob django-sqlite-systemd-backup")
        assert backup.status == "ok", _why(report)
        assert any(x.startswith("backup written to var/backups/library-") for x in _log_lines(backup))
        web = client.containers.get(f"migrate-verify-{report.run_id}-django-sqlite-systemd-web-web")
        code, body = web.exec_run(["python", "-c", "import urllib.request as u; print(u.urlopen(u.Request("
                                   "'http://127.0.0.1:8020/healthz', headers={'Host': 'library.example.com'}))"
                                   ".read().decode())"])
        assert code == 0 and json.loads(body) == {"status": "ok", "books": 0}
        # the debug log went to the pod's emptyDir, the database and the dump to the claim
        code, out = web.exec_run(["sh", "-c", "ls /app/logs /app/var /app/var/backups"])
        listing = out.decode()
        assert code == 0 and "debug.log" in listing and "library.sqlite3" in listing and "library-" in listing
    finally:
        cleanup_run(client, report.run_id)


def test_without_the_log_volume_the_release_job_dies_on_the_read_only_root(tmp_path: Path) -> None:
    # the control: the same release Job minus the logs emptyDir fails as the issue reported
    from ruamel.yaml import YAML

    root = generated("django-sqlite-systemd", tmp_path)
    path = root / "deploy/k8s/base/job-release.yaml"
    yaml = YAML()
    job = yaml.load(path.read_text())
    pod = job["spec"]["template"]["spec"]
    pod["volumes"] = [v for v in pod["volumes"] if v["name"] != "django-sqlite-systemd-logs"]
    main = pod["containers"][0]
    main["volumeMounts"] = [m for m in main["volumeMounts"] if m["name"] != "django-sqlite-systemd-logs"]
    with path.open("w") as fh:
        yaml.dump(job, fh)
    report = verify(root, "docker", settle=1, timeout=120)
    assert report.outcome == "failed"
    release = _step(report, "release job django-sqlite-systemd-release")
    assert release.status == "failed"
    assert any("/app/logs/debug.log" in x and ("PermissionError" in x or "OSError" in x)
               for x in _log_lines(release)), release.logs


def test_broken_start_command_exit_2_names_container_and_logs(tmp_path: Path) -> None:
    root = generated("heroku-django", tmp_path)
    web = root / "deploy/k8s/base/deployment-web.yaml"
    web.write_text(web.read_text().replace("- proj.wsgi", "- proj.wsgi_typo"))
    result = CliRunner().invoke(main, ["verify", str(root), "--backend", "docker", "--format", "json",
                                       "--timeout", "90"])
    assert result.exit_code == 2, result.output
    report = json.loads(result.stdout)
    failed = [s for s in report["steps"] if s["status"] == "failed"]
    assert len(failed) == 1
    name = f"migrate-verify-{report['run_id']}-heroku-django-web-web"
    assert name in failed[0]["logs"], failed[0]
    assert any("No module named 'proj.wsgi_typo'" in line for line in failed[0]["logs"][name])


def _planted(fixture: str) -> list[str]:
    lines = (FIXTURES / "SECRETS.txt").read_text().splitlines()
    return [v for f, v in (line.split("\t", 1) for line in lines if "\t" in line and not line.startswith("#"))
            if f == fixture]


def _image_files(client: Any, tag: str) -> dict[str, bytes]:
    """Every file under /app in the image and its content, read without running the image."""
    import io
    import tarfile

    container = client.containers.create(tag, entrypoint=[""], command=["/nonexistent"])
    try:
        stream, _ = container.get_archive("/app")
        data = io.BytesIO(b"".join(stream))
    finally:
        container.remove(force=True)
    with tarfile.open(fileobj=data) as tar:
        return {m.name.split("/", 1)[1]: tar.extractfile(m).read()  # type: ignore[union-attr]
                for m in tar.getmembers() if m.isfile()}


def test_planted_secrets_image_holds_no_planted_file_and_the_log_no_planted_value(tmp_path: Path) -> None:
    import docker

    values = _planted("planted-secrets")
    root = generated("planted-secrets", tmp_path)
    planted_files = sorted(
        str(p.relative_to(fixture_path("planted-secrets"))) for p in (fixture_path("planted-secrets")).rglob("*")
        if p.is_file() and any(v in p.read_text(errors="replace") for v in values))
    assert {"deploy/id_rsa", "k8s/secret.yaml", "sub/.env", "sub/server.key", "sub/cert.pem", ".env",
            "fabfile.py", "deploy.sh", "billing/local_settings.py"} <= set(planted_files)
    progress: list[str] = []
    report = verify(root, "docker", settle=3, timeout=180, keep=True, progress=progress.append)
    client = docker.from_env()
    try:
        assert report.outcome == "verified", _why(report)
        scan = _step(report, "scan image for secrets")
        assert scan.status == "ok" and "no private key, dotenv file or hard-coded secret" in scan.detail
        files = _image_files(client, f"migrate-verify/planted-secrets:{report.run_id}")
        assert "billing/app.py" in files and "billing/settings.py" in files  # the app is there ...
        assert not set(planted_files) & set(files)  # ... and none of the planted files
        for rel, content in files.items():
            for value in values:
                assert value.encode() not in content, f"{value!r} is in the image, in {rel}"
        log = "\n".join(progress) + render(report, "text") + render(report, "json")
        for value in values:
            assert value not in log, f"{value!r} is in the verify log"
    finally:
        cleanup_run(client, report.run_id)


def test_uv_project_with_a_path_dependency(tmp_path: Path) -> None:
    # uv installs from uv.lock in the build stage, libs/shared (a [tool.uv.sources] path package) copied
    # first; the health answer names the shared package's version, so it proves the package is installed
    import docker

    report = verify(generated("uv-workspace-app", tmp_path), "docker", settle=3, timeout=240, keep=True)
    client = docker.from_env()
    try:
        assert report.outcome == "verified", _why(report)
        assert _step(report, "health check").detail == "GET http://uv-workspace-app-web:8070/healthz -> 200"
        web = client.containers.get(f"migrate-verify-{report.run_id}-uv-workspace-app-web-web")
        code = "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:8070/healthz').read().decode())"
        out = web.exec_run(["python", "-c", code])
        assert out.exit_code == 0 and json.loads(out.output) == {"status": "ok", "shared_money": "0.4.1"}
    finally:
        cleanup_run(client, report.run_id)


def test_compose_django_builds_the_generated_dockerfile_not_its_own(tmp_path: Path) -> None:
    # the repo's own Dockerfile is FROM python:3.12-slim-bookworm (not on this machine) with an entrypoint
    # that waits for a host called db: building it would fail; verify builds deploy/image/Dockerfile
    root = generated("compose-django", tmp_path)
    own = (root / "Dockerfile").read_text()
    messages: list[str] = []
    report = verify(root, "docker", settle=5, timeout=240, progress=messages.append)
    assert report.outcome == "verified", _why(report)
    assert (root / "Dockerfile").read_text() == own
    build = _step(report, "build image")
    assert build.detail.startswith("deploy/image/Dockerfile -> migrate-verify/compose-django:")
    assert any("building deploy/image/Dockerfile (context ., ignore file deploy/image/Dockerfile.dockerignore)" in m
               for m in messages)
    assert _step(report, "health check").detail == "GET http://compose-django-web:8000/healthz/ -> 200"
    release = _step(report, "release job compose-django-release")
    assert release.status == "ok" and any("Applying rooms.0001_initial... OK" in x for x in _log_lines(release))
    assert "compose-django-worker" in _step(report, "start deployments").detail
    assert {"postgres", "redis"} <= set(_step(report, "start backing services").detail.split(";")[0].split(", "))


def test_supervisor_caddy_boots_without_caddy(tmp_path: Path) -> None:
    # supervisord ran caddy beside gunicorn and a mailer: caddy becomes the Ingress, not a workload
    root = generated("supervisor-caddy", tmp_path)
    report = verify(root, "docker", settle=5, timeout=180)
    assert report.outcome == "verified", _why(report)
    assert _step(report, "build image").detail.startswith("deploy/image/Dockerfile -> ")
    assert _step(report, "health check").detail == "GET http://supervisor-caddy-web:8000/healthz -> 200"
    ready = _step(report, "start deployments").detail
    assert ready == "supervisor-caddy-mailer, supervisor-caddy-web ready"  # no caddy Deployment
    assert "redis" in _step(report, "start backing services").detail


def test_poetry_fastapi_installs_with_poetry_from_its_lock(tmp_path: Path) -> None:
    # poetry itself (from PyPI) installs poetry.lock's main group into the venv the runtime stage copies
    report = verify(generated("poetry-fastapi", tmp_path), "docker", settle=3, timeout=240)
    assert report.outcome == "verified", _why(report)
    assert _step(report, "health check").detail == "GET http://poetry-fastapi-web:8000/healthz -> 200"
