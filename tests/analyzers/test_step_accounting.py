"""Every command of a deploy script lands in one bucket; what no rule knows is "unclassified: review"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from analyzers import makefile, shell, systemd
from analyzers.deploy import fabric
from analyzers.step_accounting import HEREDOC_WRITE_REASON, READS_ONLY_REASON, REASON
from migrator.model import Kind
from migrator.planner import analyze
from migrator.pr import body
from migrator.report import render_json, render_text

LEDGER_FABFILE = """\
    # Deploys the accounting app to the two app servers (Fabric 1, python2-era)
    from fabric.api import cd, env, prefix, run, sudo, task

    env.hosts = ["acct1.internal", "acct2.internal"]
    APP = "/srv/ledger"


    @task
    def deploy():
        with cd(APP):
            run("git pull origin master")
            with prefix("source venv/bin/activate"):
                run("pip install -r requirements.txt")
                run("python -m ledger.cli rebuild-balances")
                run("python manage.py migrate --noinput")
        sudo("systemctl restart ledger")
    """

BUCKETS = (Kind.PROCESS, Kind.RELEASE_STEP, Kind.BUILD_STEP, Kind.HOST_STEP, Kind.SCHEDULE, Kind.UNCLASSIFIED)


def test_fabric_command_between_pip_install_and_restart_is_unclassified(run_analyzer: Any) -> None:
    result = run_analyzer(fabric, {"fabfile.py": LEDGER_FABFILE})
    step = result.one(Kind.UNCLASSIFIED, "python -m ledger.cli rebuild-balances")
    assert (step.source.file, step.source.line) == ("fabfile.py", 14)
    assert step.fields["reason"] == REASON and step.fields["reason"].startswith("unclassified: review")
    assert step.fields["cwd"] == "/srv/ledger"
    # each of the other commands has exactly one bucket of its own
    commands = {"git pull origin master": Kind.HOST_STEP, "pip install -r requirements.txt": Kind.HOST_STEP,
                "python manage.py migrate --noinput": Kind.RELEASE_STEP, "systemctl restart ledger": Kind.HOST_STEP}
    for command, kind in commands.items():
        assert [f.kind for f in result.findings if f.kind in BUCKETS and f.key == command] == [kind], command
    assert len(result.of(Kind.UNCLASSIFIED)) == 1


def test_report_and_pr_body_count_and_list_the_unclassified(tree: Any) -> None:
    root = tree({"fabfile.py": LEDGER_FABFILE, "requirements.txt": "django==4.2\n",
                 "manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'ledger.settings')\n"})
    model = analyze(root)
    [step] = model.of(Kind.UNCLASSIFIED)
    text = render_text(model)
    assert "Unclassified deploy commands: review each one (1)" in text
    line = next(x for x in text.splitlines() if "python -m ledger.cli rebuild-balances" in x)
    assert "unclassified: review" in line and "fabfile.py:14" in line
    assert '"unclassified_steps": [' in render_json(model)

    from generators.spec import build_spec
    from migrator.config import GenerateSettings
    from migrator.generate import generate_from_model

    spec = build_spec(model, GenerateSettings())
    text = body.render(model, spec, generate_from_model(model, GenerateSettings()), body.BodyContext())
    assert "1 unclassified deploy command to review" in text.split("## Processes", 1)[0]
    section = text.split("## Unclassified deploy commands", 1)[1].split("## Open questions", 1)[0]
    assert "| `python -m ledger.cli rebuild-balances` | `fabfile.py:14` |" in section
    assert "1 command of the legacy deploy scripts matched no rule (unclassified: review)" in section


DEPLOY_SH = """\
    #!/bin/bash
    # deploy.sh: push the current checkout to the box and restart
    set -euo pipefail
    trap 'echo failed at $LINENO' ERR
    REV=$(git rev-parse --short HEAD)
    log() { echo "[$(date +%H:%M:%S)] $*"; }
    log "deploying $REV"
    rsync -az ./ deploy@app1:/srv/shop/
    ssh deploy@app1 bash <<'EOF'
    cd /srv/shop
    ./venv/bin/pip install -r requirements.txt
    ./venv/bin/python manage.py warm_cache --all
    kill -HUP "$(cat /run/shop.pid)"
    EOF
    ./scripts/notify.sh "deployed $REV"
    sleep 2
    curl -fsS -X POST https://hooks.example.com/deployed
    exit 0
    """
NOTIFY_SH = """\
    #!/bin/sh
    mail -s "shop: $1" ops@example.com < /dev/null
    """


def test_shell_script_control_words_and_substitutions_are_not_steps(tree: Any) -> None:
    model = analyze(tree({"deploy.sh": DEPLOY_SH, "scripts/notify.sh": NOTIFY_SH}))
    unclassified = {s.get("command"): [x.where() for x in s.sources] for s in model.of(Kind.UNCLASSIFIED)}
    assert unclassified == {
        "./venv/bin/python manage.py warm_cache --all": ["deploy.sh:12"],
        "curl -fsS -X POST https://hooks.example.com/deployed": ["deploy.sh:17"],
        'mail -s "shop: $1" ops@example.com': ["scripts/notify.sh:2"],
    }
    host = {s.get("command"): s.get("reason") for s in model.of(Kind.HOST_STEP)}
    # the repo's own script is read command by command: the call is accounted for, pointing there
    assert host['./scripts/notify.sh "deployed $REV"'].startswith("runs scripts/notify.sh of this repository")
    assert 'kill -HUP "$(cat /run/shop.pid)"' in host
    # what runs inside $(...) is a step too; reading the host changes nothing there
    assert host["git rev-parse --short HEAD"].startswith("version control on the deploying machine")
    assert host["cat /run/shop.pid"] == host["date +%H:%M:%S"] == READS_ONLY_REASON
    # the script's own control words and the bare bash reading the heredoc are in no bucket
    everything = [s.get("command") for k in BUCKETS for s in model.of(k)]
    for word in ("set -euo", "trap", "sleep", "exit 0", "echo", "log "):
        assert not any(str(c).startswith(word) for c in everything), word
    assert "bash" not in everything


def test_cat_fed_a_heredoc_writes_a_host_file(run_analyzer: Any) -> None:
    script = "#!/bin/sh\ncat > /etc/nginx/sites-enabled/shop <<'EOF'\nserver { listen 80; }\nEOF\n"
    result = run_analyzer(shell, {"deploy.sh": script})
    [step] = result.of(Kind.HOST_STEP)
    assert step.source.line == 2 and step.fields["reason"] == HEREDOC_WRITE_REASON
    assert not result.of(Kind.UNCLASSIFIED)


def test_a_script_run_by_a_schedule_is_the_workloads_own_work(tree: Any) -> None:
    files = {"crontab": "15 1 * * * /srv/shop/scripts/backup.sh\n",
             "deploy.sh": "#!/bin/sh\nrsync -az ./ app1:/srv/shop/\n",
             "scripts/backup.sh": "#!/bin/sh\npg_dump shop | gzip > /var/backups/shop.sql.gz\n"}
    model = analyze(tree(files))
    assert [s.get("command") for s in model.of(Kind.SCHEDULE)] == ["sh scripts/backup.sh"]
    assert model.of(Kind.UNCLASSIFIED) == ()


def test_makefile_run_target_is_a_process_not_unclassified(run_analyzer: Any) -> None:
    result = run_analyzer(makefile, {"Makefile": "run:\n\tgunicorn shop.wsgi --bind 0.0.0.0:8000\n"
                                                 "deploy:\n\tansible-playbook -i hosts site.yml\n"})
    assert result.keys(Kind.PROCESS) == ["web"]
    [step] = result.of(Kind.UNCLASSIFIED)
    assert (step.key, step.source.line) == ("ansible-playbook -i hosts site.yml", 4)


def test_a_foreground_server_in_a_deploy_script_says_it_may_be_a_process(run_analyzer: Any) -> None:
    result = run_analyzer(shell, {"deploy.sh": "#!/bin/sh\ncd /srv/shop\ngunicorn shop.wsgi -b :8000\n"})
    [step] = result.of(Kind.UNCLASSIFIED)
    assert step.source.line == 3 and "gunicorn started in the foreground" in str(step.fields["reason"])


def test_systemd_exec_start_pre_that_no_rule_knows(run_analyzer: Any) -> None:
    unit = """\
        [Service]
        ExecStartPre=/srv/shop/venv/bin/python manage.py migrate --noinput
        ExecStartPre=/usr/local/bin/fetch-geoip --edition city
        ExecStart=/srv/shop/venv/bin/gunicorn shop.wsgi -b 127.0.0.1:8000
        """
    result = run_analyzer(systemd, {"deploy/shop.service": unit})
    assert result.of(Kind.RELEASE_STEP)
    [step] = result.of(Kind.UNCLASSIFIED)
    assert (step.key, step.source.line) == ("/usr/local/bin/fetch-geoip --edition city", 3)


def test_an_unclassified_command_never_carries_a_secret(run_analyzer: Any, tmp_path: Path) -> None:
    result = run_analyzer(shell, {"deploy.sh": "#!/bin/sh\n./bin/sync --password=Hunter2Hunter2 --host db\n"})
    [step] = result.of(Kind.UNCLASSIFIED)
    assert "Hunter2Hunter2" not in step.key and "Hunter2Hunter2" not in str(step.fields)
    assert result.secrets
