"""Tests for analyzers/deploy/script_needs.py: what a script run by a workload needs in its pod, and the
planner keeping it only for such scripts."""

from __future__ import annotations

from typing import Any

from analyzers.deploy import script_needs
from migrator.config import GenerateSettings
from migrator.generate import generate_from_model
from migrator.model import Kind, Warning
from migrator.planner import analyze
from tests.generators.k8s_helpers import docs

BACKUP = """\
#!/bin/bash
# nightly dump; BACKUP_DIR may be overridden from cron
BACKUP_DIR=${BACKUP_DIR:-/srv/backups/db}
STAMP=$(date +%F)
mkdir -p "$BACKUP_DIR"
pg_dump --format=custom -f "$BACKUP_DIR/app-$STAMP.dump" "$DATABASE_URL"
case "$1" in
  --ship) aws s3 cp "$BACKUP_DIR" s3://bucket/db/ --recursive ;;
  *) : ;;
esac
find "$BACKUP_DIR" -mtime +7 -delete
echo "done $(date)" >> /var/log/app/backup.log 2>&1
tar -czf /var/cache/app/reports.tgz reports/ >/dev/null
gzip -9 /tmp/scratch.sql
curl -fsS "http://localhost:8000/internal/backup-done?at=$STAMP" || true
"""


def _packages(result: Any) -> dict[str, int | None]:
    return {f.key: f.source.line for f in result.of(Kind.SYSTEM_PACKAGE)}


def _volumes(result: Any) -> dict[str, tuple[str, str, str]]:
    return {f.key: (f.fields["purpose"], f.fields["storage"], f.fields["written_by"]) for f in result.of(Kind.VOLUME)}


def test_programs_the_slim_image_lacks_become_runtime_packages(run_analyzer: Any) -> None:
    result = run_analyzer(script_needs, {"bin/backup.sh": BACKUP})
    # date, mkdir, find, tar, gzip are in every slim image: never listed
    assert _packages(result) == {"postgresql-client": 6, "awscli": 8, "curl": 15}
    [pg] = [f for f in result.of(Kind.SYSTEM_PACKAGE) if f.key == "postgresql-client"]
    assert pg.fields["stage"] == "runtime" and pg.fields["needed_by"] == "bin/backup.sh"
    assert "pg_dump" in str(pg.fields["reason"])


def test_absolute_paths_it_writes_need_volumes_scratch_does_not(run_analyzer: Any) -> None:
    result = run_analyzer(script_needs, {"bin/backup.sh": BACKUP})
    assert _volumes(result) == {
        "/srv/backups/db": ("backups", "pvc", "mkdir in the script"),  # ${BACKUP_DIR:-...} default
        "/var/log/app": ("logs", "emptyDir", "an output redirection"),
        "/var/cache/app": ("scratch", "emptyDir", "tar in the script"),
    }  # /tmp is the pod's emptyDir already; reports/ is relative, /dev/null a device


def test_localhost_in_its_own_pod_is_a_scoped_warning(run_analyzer: Any) -> None:
    result = run_analyzer(script_needs, {"bin/backup.sh": BACKUP})
    [warning] = [w for w in result.items if isinstance(w, Warning)]
    assert (warning.file, warning.line, warning.scope) == ("bin/backup.sh", 15, "run_by_workload")
    assert "reaches localhost:8000" in warning.message and "Service" in warning.message


def test_redirections_and_tar_forms_from_both_parsers(run_analyzer: Any) -> None:
    # [[ ]] sends the script to tree-sitter-bash; the same lines without it go through bashlex
    body = ("tar cf /var/archive/a.tar src\ntar -c -f /var/archive2/b.tar src\ntar --create --file=/opt/x/c.tar s\n"
            "tar xzf /var/archive/a.tar -C /srv/restore\ncp a.txt b.txt /mnt/share/\nrsync -a src/ host:/srv/x\n"
            "wget -q -P /var/downloads https://example.org/f\nprintf x | tee -a /var/audit/trail\n")
    for text in (body, "[[ -n $X ]] && true\n" + body):
        result = run_analyzer(script_needs, {"ops/job.sh": "#!/bin/sh\n" + text})
        assert set(_volumes(result)) == {"/var/archive", "/var/archive2", "/opt/x", "/srv/restore", "/mnt/share",
                                         "/var/downloads", "/var/audit"}, text
        assert _packages(result) == {"rsync": 7 + text.count("[[") , "wget": 8 + text.count("[[")}


def test_planner_keeps_them_only_for_scripts_a_workload_runs(tree: Any) -> None:
    files = {"bin/backup.sh": BACKUP, "requirements.txt": "flask==3.0.3\n", "Procfile": "web: gunicorn app:app\n",
             "app.py": "from flask import Flask\napp = Flask(__name__)\n",
             "deploy.sh": "#!/bin/sh\nssh web1 'sudo systemctl restart app'\ncurl -f http://127.0.0.1:8000/health\n"}
    model = analyze(tree(files))
    assert not any(s.key in ("postgresql-client", "awscli") for s in model.of(Kind.SYSTEM_PACKAGE))
    assert not any("reaches" in w.message for w in model.warnings)  # deploy.sh runs on the host
    files["crontab"] = "30 2 * * * /srv/app/bin/backup.sh --ship\n"
    model = analyze(tree(files))
    assert {"postgresql-client", "awscli", "curl"} <= {s.key for s in model.of(Kind.SYSTEM_PACKAGE)}
    assert [w.line for w in model.warnings if "reaches" in w.message] == [15]
    out = {f.path: f.content for f in generate_from_model(model, GenerateSettings())}
    assert "postgresql-client" in out["deploy/image/Dockerfile"]
    [cron] = [d for n, t in out.items() if "cronjob-" in n for d in docs(t)]
    pod = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    mounts = {m["mountPath"] for m in pod["containers"][0]["volumeMounts"]}
    assert {"/srv/backups/db", "/var/log/app", "/var/cache/app"} <= mounts
