"""Repo scripts run by CronJobs, Jobs and processes go through their interpreter, whatever their git mode."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from generators.image.dockerfile import DOCKERFILE
from migrator.config import GenerateSettings
from migrator.generate import generate_from_model
from migrator.model import Kind
from migrator.planner import analyze
from migrator.script_commands import candidates, interpreter, through_interpreter
from tests.generators.k8s_helpers import docs

HEADS = {"deploy/backup.sh": "#!/bin/bash", "scripts/cleanup.py": "#!/usr/bin/env python3",
         "bin/report": "#!/srv/app/venv/bin/python -u", "tools/plain.sh": "", "manage.py": "#!/usr/bin/env python",
         "bin/notes.rb": "#!/usr/bin/env ruby", "bin/blob": ""}


@pytest.mark.parametrize(("head", "path", "argv"), [
    ("#!/bin/bash", "x.sh", ["bash"]),
    ("#!/bin/sh -e", "x.sh", ["sh", "-e"]),
    ("#!/usr/bin/env bash", "x", ["bash"]),
    ("#!/usr/bin/python3", "x.py", ["python"]),  # the image has no /usr/bin/python3: its own python
    ("#!/usr/bin/env -S python3 -u", "x", ["python", "-u"]),
    ("#!/usr/bin/env PYTHONWARNINGS=ignore python2.7", "x", ["python"]),
    ("#!/srv/app/venv/bin/python", "x", ["python"]),
    ("#!/usr/bin/env ruby", "x.rb", ["ruby"]),
    ("", "x.sh", ["sh"]),
    ("", "x.bash", ["bash"]),
    ("", "x.py", ["python"]),
    ("", "x", None),
    ("#!", "x.sh", None),
])
def test_interpreter_from_the_shebang_or_the_suffix(head: str, path: str, argv: list[str] | None) -> None:
    assert interpreter(path, head) == argv


@pytest.mark.parametrize(("command", "expected"), [
    ("deploy/backup.sh", "bash deploy/backup.sh"),
    ("./deploy/backup.sh --full", "bash ./deploy/backup.sh --full"),
    ("/app/scripts/cleanup.py --days 30", "python /app/scripts/cleanup.py --days 30"),
    ("BACKUP_DIR=/tmp deploy/backup.sh", "BACKUP_DIR=/tmp bash deploy/backup.sh"),
    ("cd deploy && ./backup.sh", "cd deploy && bash ./backup.sh"),
    ("cd /app && scripts/cleanup.py", "cd /app && python scripts/cleanup.py"),
    ("cd /var/tmp && scripts/cleanup.py", "cd /var/tmp && scripts/cleanup.py"),  # not the repo's file there
    ("deploy/backup.sh && bin/report", "bash deploy/backup.sh && python -u bin/report"),
    ("bin/report | tools/plain.sh", "python -u bin/report | sh tools/plain.sh"),
    ("bash deploy/backup.sh", "bash deploy/backup.sh"),  # already through an interpreter
    ("python scripts/cleanup.py", "python scripts/cleanup.py"),
    ("manage.py clearsessions", "python manage.py clearsessions"),
    ("gunicorn app:app -c deploy/backup.sh", "gunicorn app:app -c deploy/backup.sh"),  # an argument, not run
    ("bin/blob", "bin/blob"),  # no shebang, no known suffix: left as written
    ("/usr/local/bin/backup.sh", "/usr/local/bin/backup.sh"),  # not a repo path
])
def test_commands_get_the_interpreter_in_program_position(command: str, expected: str) -> None:
    assert through_interpreter(command, HEADS)[0] == expected


def test_candidates_include_suffixes_of_legacy_paths() -> None:
    assert {"scripts/backup.sh", "backup.sh"} <= candidates("/srv/notes/scripts/backup.sh --now")
    assert candidates("gunicorn app:app") == set()


CRONTAB = """\
    # m h dom mon dow command (installed by deploy.sh into the deploy user's crontab)
    MAILTO=ops@example.com
    30 2 * * * /srv/ledger/deploy/backup.sh >> /var/log/ledger-backup.log 2>&1
    0 4 * * 0 /srv/ledger/scripts/cleanup.py --days 30
    """


def _repo(tree: Any) -> Path:
    root = tree({
        "crontab": CRONTAB,
        "deploy.sh": "#!/bin/sh\nrsync -az ./ deploy@ledger1:/srv/ledger/\n",
        "deploy/backup.sh": "#!/bin/bash\nset -euo pipefail\ntar -czf /tmp/ledger-backup.tgz var\n",
        "scripts/cleanup.py": "#!/usr/bin/env python3\nimport sys\nprint('cleaned', sys.argv[1:])\n",
        "requirements.txt": "flask==3.0.3\n",
    })
    for rel in ("deploy/backup.sh", "scripts/cleanup.py"):
        os.chmod(root / rel, 0o644)  # as in a git checkout of files never marked executable
    return root


def test_cron_scripts_of_mode_0644_run_through_their_interpreter(tree: Any) -> None:
    model = analyze(_repo(tree))
    commands = {s.key: s.get("command") for s in model.of(Kind.SCHEDULE)}
    assert sorted(commands.values()) == ["bash deploy/backup.sh", "python scripts/cleanup.py --days 30"]
    backup = next(s for s in model.of(Kind.SCHEDULE) if "backup" in str(s.get("command")))
    assert "run through the interpreter of deploy/backup.sh (#!/bin/bash)" in backup.facts["command"].reason

    files = {f.path: f.content for f in generate_from_model(model, GenerateSettings())}
    crons = [d for name, text in files.items() if "cronjob-" in name for d in docs(text)]
    argvs = sorted(c["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["command"] for c in crons)
    assert argvs == [["bash", "deploy/backup.sh"], ["python", "scripts/cleanup.py", "--days", "30"]]
    # nothing in the image depends on the mode: no chmod, no BuildKit-only COPY --chmod
    assert "chmod" not in files[DOCKERFILE]


def test_process_and_release_scripts_too(tree: Any) -> None:
    root = tree({
        "Procfile": "release: scripts/migrate.sh\nworker: bin/worker --queue mail\n",
        "scripts/migrate.sh": "#!/bin/sh\nset -e\npython manage.py migrate --noinput\n",
        "bin/worker": "#!/usr/bin/env python3\nimport time\nwhile True:\n    time.sleep(1)\n",
        "requirements.txt": "Django==4.2.16\n",
    })
    for rel in ("scripts/migrate.sh", "bin/worker"):
        os.chmod(root / rel, 0o644)
    model = analyze(root)
    assert {p.key: p.get("command") for p in model.processes} == {"worker": "python bin/worker --queue mail"}
    assert [s.get("command") for s in model.of(Kind.RELEASE_STEP)] == ["sh scripts/migrate.sh"]
    files = {f.path: f.content for f in generate_from_model(model, GenerateSettings())}
    [job] = docs(files["deploy/k8s/base/job-release.yaml"])
    assert job["spec"]["template"]["spec"]["containers"][0]["command"] == ["sh", "scripts/migrate.sh"]
    assert 'CMD ["python", "bin/worker", "--queue", "mail"]' in files[DOCKERFILE]
