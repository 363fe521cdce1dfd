"""Tests for analyzers/deploy/shell.py (with analyzers/deploy/shellwalk.py and analyzers/lib/shelltext.py)."""

from __future__ import annotations

import textwrap

import pytest

from analyzers.base import Src
from analyzers.deploy import shell
from analyzers.deploy.deploy_commands import interpret
from analyzers.lib import shelltext
from migrator.model import Confidence, Finding, Kind, SecretFinding
from tests.conftest import fixture_path

P = Kind.PROCESS
HOST = Kind.HOST_STEP


def lines_of(r, kind):
    return sorted((f.key, f.source.line) for f in r.of(kind))


DEPLOY = """\
    #!/bin/bash
    set -euo pipefail
    APP_DIR=/srv/app
    PORT=8081
    readonly VENV=$APP_DIR/venv
    export DJANGO_SETTINGS_MODULE=app.settings PATH=$VENV/bin:$PATH LC_ALL=C.UTF-8

    cd $APP_DIR && git pull origin main
    $VENV/bin/pip install -r requirements.txt
    $VENV/bin/python manage.py migrate --noinput
    $VENV/bin/python manage.py collectstatic --noinput | tee /tmp/log
    nohup $VENV/bin/gunicorn -b 0.0.0.0:${PORT} -w 4 app.wsgi > /var/log/app.log 2>&1 &
    sleep 2; curl -f http://127.0.0.1:${PORT:-8000}/healthz || exit 1
    sudo apt-get install -y libpq-dev libjpeg62-turbo
    """


def test_deploy_script_steps_values_and_lines(run_analyzer):
    r = run_analyzer(shell, {"deploy.sh": DEPLOY})
    assert lines_of(r, Kind.RELEASE_STEP) == [("python manage.py migrate --noinput", 10)]
    assert lines_of(r, Kind.BUILD_STEP) == [("python manage.py collectstatic --noinput", 11)]
    hosts = lines_of(r, HOST)
    assert ("git pull origin main", 8) in hosts
    assert ("/srv/app/venv/bin/pip install -r requirements.txt", 9) in hosts
    assert ("sudo apt-get install -y libpq-dev libjpeg62-turbo", 14) in hosts

    web = [f for f in r.of(P, "web") if "command" in f.fields]
    assert len(web) == 1
    assert web[0].fields["command"] == "gunicorn -b 0.0.0.0:8081 -w 4 app.wsgi"  # $VENV, ${PORT} substituted
    assert web[0].fields["port"] == 8081 and web[0].fields["role"] == "web"
    assert (web[0].source.file, web[0].source.line, web[0].source.confidence) == ("deploy.sh", 12, Confidence.INFERRED)

    health = r.one(Kind.HEALTH_CHECK, "/healthz")
    assert health.fields["port"] == 8081 and health.source.line == 13
    assert r.one(Kind.ENV, "DJANGO_SETTINGS_MODULE").fields["default"] == "app.settings"
    assert r.one(Kind.ENV, "DJANGO_SETTINGS_MODULE").source.line == 6
    assert r.keys(Kind.ENV) == ["DJANGO_SETTINGS_MODULE"]  # PATH, LC_ALL: the host shell's, not the app's
    pkgs = {(f.key, f.fields["stage"], f.source.line) for f in r.of(Kind.SYSTEM_PACKAGE)}
    assert pkgs == {("libpq-dev", "build", 14), ("libpq5", "runtime", 14), ("libjpeg62-turbo", "runtime", 14)}
    assert not r.warnings and not r.secrets


def test_ssh_strings_and_heredocs_are_reparsed_with_their_own_lines(run_analyzer):
    r = run_analyzer(shell, {"deploy.sh": """\
        APP=/srv/app
        ssh -p 2222 -i ~/.ssh/id deploy@web1 "cd $APP && git pull && sudo systemctl restart myapp"
        ssh web1 'cd /srv/app &&
          ./venv/bin/python manage.py migrate'
        ssh deploy@web1 <<EOF
        cd $APP
        ./venv/bin/alembic upgrade head
        curl -fsS http://localhost:8000/health
        EOF
        ssh web2 bash -s <<'REMOTE'
        /srv/app/venv/bin/python manage.py collectstatic --noinput
        REMOTE
        sudo -u app bash <<'LOCAL'
        nohup celery -A proj beat &
        LOCAL
        cat > /etc/app.conf <<EOF
        pip install nothing-here
        EOF
        grep -q x <<< "git pull"
        echo done
        """})
    beat = r.one(P, "beat")
    assert (beat.fields["command"], beat.source.line) == ("celery -A proj beat", 14)
    assert r.field(P, "beat", "user") == "app"
    assert not any("nothing-here" in f.key or f.key == "git pull" and f.source.line == 19 for f in r.findings)
    assert ("git pull", 2) in lines_of(r, HOST)
    assert ("sudo systemctl restart myapp", 2) in lines_of(r, HOST)
    assert lines_of(r, Kind.RELEASE_STEP) == [("alembic upgrade head", 7), ("python manage.py migrate", 4)]
    assert r.one(Kind.HEALTH_CHECK, "/health").source.line == 8
    assert r.one(Kind.HEALTH_CHECK, "/health").fields["port"] == 8000
    assert lines_of(r, Kind.BUILD_STEP) == [("python manage.py collectstatic --noinput", 11)]
    # the ssh command itself is not a finding: only what runs on the host
    assert not any("ssh" in f.key for f in r.findings)


def test_tab_indented_dash_heredoc(run_analyzer):
    script = "#!/bin/sh\nif true; then\n\tssh app1 <<-EOF\n\t\tcd /srv && git pull\n\tEOF\nfi\nrsync -a ./ app1:/srv/\n"
    r = run_analyzer(shell, {"scripts/release.sh": script.encode()})
    assert lines_of(r, HOST) == [("git pull", 4), ("rsync -a ./ app1:/srv/", 7)]
    assert not r.warnings


def test_bash_c_su_c_and_sudo_user(run_analyzer):
    r = run_analyzer(shell, {"bin/restart.sh": """\
        #!/usr/bin/env bash
        sudo -u app bash -c "cd /srv/app && nohup ./venv/bin/celery -A proj worker -Q mail &"
        su - app -c "/srv/app/venv/bin/python manage.py migrate"
        sh -c 'pip install -r requirements.txt'
        su app -c "/srv/app/venv/bin/gunicorn app:app -b :8001" &
        """})
    web = r.one(P, "web")
    assert (web.fields["command"], web.fields["user"], web.source.line) == ("gunicorn app:app -b :8001", "app", 5)
    worker = [f for f in r.of(P, "worker-mail") if "command" in f.fields]
    assert [(f.key, f.fields["command"], f.source.line) for f in worker] == [
        ("worker-mail", "celery -A proj worker -Q mail", 2)
    ]
    assert r.field(P, "worker-mail", "user") == "app"
    assert lines_of(r, Kind.RELEASE_STEP) == [("python manage.py migrate", 3)]
    assert ("pip install -r requirements.txt", 4) in lines_of(r, HOST)


def test_functions_loops_conditionals_and_subshells(run_analyzer):
    r = run_analyzer(shell, {"deploy.sh": """\
        #!/bin/bash
        APP_DIR=/srv/app
        restart_web() {
          ( cd $APP_DIR && setsid ./venv/bin/gunicorn app:app --bind 127.0.0.1:$1 ) &
        }
        function migrate {
          if [ -f manage.py ]; then
            python manage.py migrate
          elif true; then echo; else echo; fi
        }
        while ! curl -sf http://localhost:9000/ping; do sleep 1; done
        for svc in web worker; do
          systemctl restart app-$svc
        done
        restart_web 9000
        """})
    web = [f for f in r.of(P, "web") if "command" in f.fields]
    assert [(f.fields["command"], f.fields["port"], f.source.line) for f in web] == [
        ("gunicorn app:app --bind 127.0.0.1:9000", 9000, 4)
    ]
    assert lines_of(r, Kind.RELEASE_STEP) == [("python manage.py migrate", 8)]  # never called, still walked
    assert r.one(Kind.HEALTH_CHECK, "/ping").source.line == 11
    assert ("systemctl restart app-$svc", 13) in lines_of(r, HOST)  # loop var kept as written
    assert not any(f.fields.get("replicas") for f in r.of(P))  # not a loop over hosts


def test_host_loops_give_replicas_hint(run_analyzer):
    r = run_analyzer(shell, {"deploy.sh": """\
        for h in web1 web2 web3; do
          ssh deploy@$h "cd /srv/app && git pull"
        done
        """, "bin/roll.sh": """\
        for n in node{1..5}.dc; do scp app.tgz "$n:/tmp/"; done
        """, "scripts/push.sh": """\
        SERVERS="app1.example.com app2.example.com"
        for host in $SERVERS; do rsync -az ./ ${host}:/srv/app; done
        """})
    hints = sorted((f.source.file, f.source.line, f.fields["replicas"], f.source.confidence)
                   for f in r.of(P, "web") if "replicas" in f.fields)
    assert hints == [("bin/roll.sh", 1, 5, Confidence.HEURISTIC),
                     ("deploy.sh", 1, 3, Confidence.HEURISTIC),
                     ("scripts/push.sh", 1, 2, Confidence.HEURISTIC),
                     ("scripts/push.sh", 2, 2, Confidence.HEURISTIC)]
    loop = [f for f in r.of(P, "web") if f.source.file == "deploy.sh"][0]
    assert loop.fields["replicas_hint_from"] == "deploy loop over hosts web1, web2, web3"


def test_host_arrays_and_hosts_reached_through_a_function(run_analyzer):
    r = run_analyzer(shell, {"deploy.sh": """\
        WEB_HOSTS=(app1 app2 app3 app4)
        push() {
          ssh "$1" 'sudo systemctl restart app'
        }
        for h in "${WEB_HOSTS[@]}"; do
          push "$h"
        done
        """})
    assert not r.warnings  # bashlex cannot parse the array: tree-sitter-bash reads it
    hints = sorted((f.source.line, f.fields["replicas"]) for f in r.of(P, "web"))
    assert hints == [(1, 4), (5, 4)]
    assert [(f.key, f.source.line) for f in r.of(HOST)] == [("sudo systemctl restart app", 3)]


def test_unknown_variables_stay_as_written_and_defaults_apply(run_analyzer):
    r = run_analyzer(shell, {"deploy.sh": """\
        REV=$(git rev-parse HEAD)
        ROOT=${DEPLOY_ROOT:-/opt/app}
        PORT=${APP_PORT:-8005}
        exec $ROOT/venv/bin/gunicorn --bind 0.0.0.0:$PORT app:app --name $REV
        tar czf /tmp/$REV.tgz ${UNSET_DIR} $ROOT
        exec rq worker --url "${REDIS_URL:-redis://localhost:6379/0}" default
        """})
    web = [f for f in r.of(P, "web") if "command" in f.fields][0]
    # an assignment's default is the script's intent
    assert web.fields["command"] == "gunicorn --bind 0.0.0.0:8005 app:app --name $REV"
    assert web.source.line == 4
    assert ("tar czf /tmp/$REV.tgz ${UNSET_DIR} /opt/app", 5) in lines_of(r, HOST)
    # in a command, an unset variable is read at run time: kept as written
    assert r.field(P, "worker", "command") == "rq worker --url ${REDIS_URL:-redis://localhost:6379/0} default"


def test_case_and_arrays_parse_through_tree_sitter_with_their_lines(run_analyzer):
    r = run_analyzer(shell, {"deploy.sh": """\
        #!/bin/bash
        APP=/srv/app
        git pull
        case "$1" in
          start)
            nohup celery -A proj worker &
            ;;
          migrate) cd $APP && python manage.py migrate ;;
          *) echo "usage: $0 start|migrate"; exit 1 ;;
        esac
        ARR=(one two)
        python manage.py collectstatic --noinput
        curl -f http://127.0.0.1:8000/healthz
        """})
    assert not r.warnings  # bashlex cannot parse either: tree-sitter-bash reads them, nothing is skipped
    assert r.field(P, "worker", "command") == "celery -A proj worker"
    assert r.one(P, "worker").source.line == 6
    assert lines_of(r, Kind.RELEASE_STEP) == [("python manage.py migrate", 8)]
    assert lines_of(r, Kind.BUILD_STEP) == [("python manage.py collectstatic --noinput", 12)]
    assert r.one(Kind.HEALTH_CHECK, "/healthz").source.line == 13
    assert ("git pull", 3) in lines_of(r, HOST)


def test_double_bracket_and_arithmetic_fall_back_per_statement(run_analyzer):
    r = run_analyzer(shell, {"deploy.sh": """\
        if [[ -n "$FORCE" && -f x ]]; then
          pip install -r requirements.txt
        fi
        n=$((n + 1))
        python manage.py migrate
        """})
    assert not r.warnings
    assert ("pip install -r requirements.txt", 2) in lines_of(r, HOST)
    assert lines_of(r, Kind.RELEASE_STEP) == [("python manage.py migrate", 5)]


def test_secrets_are_found_and_never_in_any_finding(run_analyzer):
    r = run_analyzer(shell, {"deploy.sh": """\
        export PGPASSWORD=Sup3rS3cretPw
        DB_PASSWORD=Hunter2Hunter2
        readonly API_TOKEN=tok_9f8e7d6c5b4a
        mysql -u root -pMyS3cretPw -e "create database app"
        ./manage.py createsuperuser --password=AdminPw1234 --noinput
        psql postgres://app:UrlPw9876@db/app -c 'select 1'
        export DATABASE_URL="postgres://app:$DB_PASSWORD@db/app"
        nohup gunicorn app:app --env DB_PASSWORD=$DB_PASSWORD &
        echo $DB_PASSWORD | docker login -u me --password-stdin
        PGPASSWORD=$(cat /run/secrets/pg) pg_dump app
        export API_KEY=`vault read -field=key secret/app`
        """})
    found = sorted((s.line, s.name, s.kind) for s in r.secrets)
    assert found == [
        (1, "PGPASSWORD", "password"),
        (2, "DB_PASSWORD", "password"),
        (3, "API_TOKEN", "token"),
        (4, "mysql -p", "password"),
        (5, "manage.py --password", "password"),
        (6, "psql", "credential_url"),
    ]
    assert r.one(Kind.ENV, "PGPASSWORD").fields == {"secret": True}
    text = repr(r.items) + repr(r.warnings)
    for value in ("Sup3rS3cretPw", "Hunter2Hunter2", "tok_9f8e7d6c5b4a", "MyS3cretPw", "AdminPw1234", "UrlPw9876"):
        assert value not in text
    # the secret variable is not substituted into later commands
    assert r.field(P, "web", "command") == "gunicorn app:app --env DB_PASSWORD=$DB_PASSWORD"


def test_which_files_are_scripts(run_analyzer):
    r = run_analyzer(shell, {
        "deploy.sh": "git pull\n",
        "ops/x/update.bash": "git pull\n",
        "bin/deploy": "#!/usr/bin/env bash\ngit pull\n",
        "scripts/release": "#!/bin/sh\ngit pull\n",
        "tools/migrate": "#!/usr/bin/env python3\nimport os\n",
        "scripts/python.sh": "#!/usr/bin/python3\nprint('x')\n",
        "bin/plain": "git pull\n",
        "node_modules/x/install.sh": "git pull\n",
        "README.md": "git pull\n",
    })
    files = sorted(f.source.file for f in r.of(HOST))
    assert files == ["bin/deploy", "deploy.sh", "ops/x/update.bash", "scripts/release"]


def test_bad_inputs_never_raise(run_analyzer):
    r = run_analyzer(shell, {
        "empty.sh": "",
        "comments.sh": "#!/bin/bash\n# nothing here\n",
        "broken.sh": 'echo "unterminated\nfoo() {\n  if then fi }}\n((\ngit pull\n',
        "binary.sh": b"\x00\x01\x02",
        "latin.sh": b"echo \xe9t\xe9\ngit pull\n",
        "deep.sh": "bash -c 'sh -c \"bash -c \\\"git pull\\\"\"'\n",
        "eof.sh": "ssh host <<EOF\ngit pull\n",
    })
    assert ("git pull", 2) in {(f.key, f.source.line) for f in r.of(HOST) if f.source.file == "latin.sh"}
    assert ("git pull", 2) in {(f.key, f.source.line) for f in r.of(HOST) if f.source.file == "eof.sh"}
    assert any(f.source.file == "deep.sh" for f in r.of(HOST))
    assert any(w.file == "binary.sh" for w in r.warnings)


def test_huge_scripts_are_skipped_with_a_warning(run_analyzer):
    r = run_analyzer(shell, {"install.sh": "git pull\n" * (shell.MAX_SCRIPT_CHARS // 9 + 1), "deploy.sh": "git pull\n"})
    assert [(f.source.file, f.source.line) for f in r.of(HOST)] == [("deploy.sh", 1)]
    assert [(w.file, w.line) for w in r.warnings] == [("install.sh", None)]
    assert "larger than 200 kB" in r.warnings[0].message


def test_interpret_command_line_secrets_and_setsid():
    src = Src("t", "f.sh", 3)

    def secrets(cmd):
        return [(i.name, i.kind, i.line) for i in interpret(cmd, src) if isinstance(i, SecretFinding)]

    assert secrets("mysqldump -uroot -pS3cretPw app") == [("mysqldump -p", "password", 3)]
    assert secrets("mysql -p -u root") == []  # -p alone prompts
    assert secrets("app --password=$DB_PASSWORD") == []
    assert secrets("cli --token abcdef123456") == [("cli --token", "token", 3)]
    procs = [i for i in interpret("setsid gunicorn app:app -b :8000", src, background=True) if isinstance(i, Finding)]
    assert procs and procs[0].fields["command"] == "gunicorn app:app -b :8000"


def test_shelltext_helpers():
    clean, docs = shelltext.blank_heredocs("cat <<A; x\nbody $X\nA\necho 'a <<B'\n", 5)
    assert len(clean) == len("cat <<A; x\nbody $X\nA\necho 'a <<B'\n")
    assert [(d.line, d.delimiter, d.body, d.body_line, d.quoted) for d in docs[5]] == [(5, "A", "body $X", 6, False)]
    assert 6 not in docs and 8 not in docs  # '<<B' inside quotes is not a heredoc
    got = shelltext.substitute("a $X '$X' \"${X}\" ${Y:-d} ${X:+set} $Z", {"X": "1"})
    assert got == "a 1 '$X' \"1\" ${Y:-d} set $Z"
    assert shelltext.substitute("A=${Y:-d}", {}, defaults=True) == "A=d"
    assert shelltext.split_operators("a && b 2>&1 | c; d & e") == [("a", False), ("b 2>&1", False), ("c", False),
                                                                    ("d", True), ("e", False)]
    text = "if x; then\n  y\nfi\nz \\\n  w\n"
    assert [text[s:e] for s, e in shelltext.chunks(text)] == ["if x; then\n  y\nfi", "z \\\n  w"]
    assert shelltext.strip_keywords("  start) nohup x & ;;") == "nohup x &"
    assert shelltext.strip_keywords("esac") == ""
    assert shelltext.brace_expand("web{1..3}.prod") == ["web1.prod", "web2.prod", "web3.prod"]
    assert shelltext.brace_expand("app{08..10}") == ["app08", "app09", "app10"]
    assert shelltext.brace_expand("{a,b}-x") == ["a-x", "b-x"] and shelltext.brace_expand("${X}") == ["${X}"]
    _, docs = shelltext.blank_heredocs("bash <<'EOF' # x\ny\nEOF\n# cat <<NOT\n")
    assert [(d.delimiter, d.body, d.quoted) for d in docs[1]] == [("EOF", "y", True)] and 4 not in docs


CASE_DEPLOY = """\
    #!/usr/bin/env bash
    set -euo pipefail
    APP_DIR=/srv/shop
    HOSTS=(web1.prod web2.prod web3.prod)
    ENV=${ENV:-staging}

    function banner {
      [[ -t 1 ]] && echo "== $*" || echo "$*"
    }

    restart() {
      for h in "${HOSTS[@]}"; do
        ssh deploy@$h "sudo systemctl restart shop-web"
      done
    }

    case "${1:-}" in
      deploy|rollback)
        banner "deploying to $ENV"
        if [[ $ENV == prod && -f .release ]]; then
          cd $APP_DIR && git fetch --tags && git checkout "$(cat .release)"
        fi
        (( RETRIES = 3 ))
        sudo -u shop ./venv/bin/python manage.py migrate --noinput
        ;;
      start)
        nohup ./venv/bin/gunicorn shop.wsgi -b 0.0.0.0:8081 -w 4 &
        ;;
      restart) restart ;;
      *)
        echo "usage: $0 deploy|rollback|start|restart" >&2; exit 64 ;;
    esac
    select opt in a b; do echo "$opt"; break; done
    while read -r line; do echo "$line"; done < <(ls /etc)
    grep -q x <<< "${APP_DIR//shop/x}"
    curl -fsS http://127.0.0.1:8081/healthz
    """


def test_commands_inside_case_branches_and_after_double_bracket_tests_keep_their_lines(run_analyzer):
    r = run_analyzer(shell, {"deploy.sh": CASE_DEPLOY})
    assert not r.warnings  # nothing skipped: tree-sitter-bash reads what bashlex cannot
    # every command has a bucket; reading the host (cat, ls, grep -q) is a host step with nothing to migrate
    assert lines_of(r, HOST) == [("cat .release", 21), ("git checkout \"$(cat .release)\"", 21),
                                 ("git fetch --tags", 21), ("grep -q x", 35), ("ls /etc", 34),
                                 ("sudo systemctl restart shop-web", 13)]
    assert not r.of(Kind.UNCLASSIFIED)
    migrate = r.one(Kind.RELEASE_STEP)
    assert (migrate.key, migrate.source.line, migrate.fields["cwd"]) == ("python manage.py migrate --noinput", 24,
                                                                         "/srv/shop")
    web = [f for f in r.of(P, "web") if "command" in f.fields]
    assert [(f.fields["command"], f.fields["port"], f.source.line) for f in web] == [
        ("gunicorn shop.wsgi -b 0.0.0.0:8081 -w 4", 8081, 27)]
    assert "cwd" not in web[0].fields  # the cd was in the deploy arm: the start arm does not run after it
    hints = sorted((f.source.line, f.fields["replicas"], f.fields["replicas_hint_from"]) for f in r.of(P, "web")
                   if "replicas" in f.fields)
    assert hints == [(4, 3, "HOSTS lists 3 hosts"), (12, 3, "deploy loop over hosts web1.prod, web2.prod, web3.prod")]
    assert r.one(Kind.HEALTH_CHECK, "/healthz").source.line == 36


def test_bash_only_constructs_each_parse(run_analyzer):
    r = run_analyzer(shell, {
        "a.sh": "function up {\n  [[ -d /srv ]] && git pull\n}\nup\n",
        "b.sh": "until [[ -f /tmp/ready ]]; do sleep 1; done\npip install -r requirements.txt\n",
        "c.sh": "for ((i = 0; i < 3; i++)); do\n  python manage.py migrate\ndone\n",
        "d.sh": "x=$(( 1 + 2 ))\nDIR=${APP//old/new}\nrsync -a ./ host:/srv/app/\n",
        "e.sh": "diff <(ls a) <(git pull)\ncat <<< \"$(systemctl restart app)\"\n",
        "f.sh": "select h in a b; do break; done\ncoproc nohup celery -A proj worker\n",
        "g.sh": "declare -a SERVERS=(s1 s2)\nexport -n X\nreadonly Y=(1 2)\nnpm run build\n",
    })
    assert not r.warnings
    found = sorted((f.source.file, f.key, f.source.line) for f in r.findings
                   if f.kind is not Kind.RUNTIME and (f.kind is not P or "command" in f.fields))
    assert found == [
        ("a.sh", "git pull", 2),
        ("b.sh", "pip install -r requirements.txt", 2),
        ("c.sh", "python manage.py migrate", 2),
        ("d.sh", "rsync -a ./ host:/srv/app/", 3),
        ("e.sh", "cat", 2),  # reads the here-string: a host step with nothing to migrate
        ("e.sh", "diff <(ls a) <(git pull)", 1),
        ("e.sh", "git pull", 1),
        ("e.sh", "ls a", 1),
        ("e.sh", "systemctl restart app", 2),
        ("f.sh", "worker", 2),
        ("g.sh", "npm run build", 4),
    ]
    assert r.one(P, "worker").fields["command"] == "celery -A proj worker"  # coproc: in the background


def test_cd_is_followed_into_steps_and_processes(run_analyzer):
    r = run_analyzer(shell, {"deploy.sh": """\
        cd /srv/app
        ./venv/bin/python manage.py collectstatic --noinput
        ( cd releases/current && python manage.py migrate )
        python manage.py compilemessages
        ssh web1 "cd /opt/other && ./venv/bin/alembic upgrade head"
        ssh web1 "./venv/bin/flask db upgrade"
        pushd src
        nohup gunicorn app:app &
        cd -
        nohup celery -A proj beat &
        """})
    steps = {(f.key, f.source.line, f.fields.get("cwd")) for f in r.of(Kind.RELEASE_STEP) + r.of(Kind.BUILD_STEP)}
    assert steps == {
        ("python manage.py collectstatic --noinput", 2, "/srv/app"),
        ("python manage.py migrate", 3, "/srv/app/releases/current"),
        ("python manage.py compilemessages", 4, "/srv/app"),  # the subshell's cd ended with it
        ("alembic upgrade head", 5, "/opt/other"),
        ("flask db upgrade", 6, None),  # ssh starts in the remote login's home
    }
    assert r.field(P, "web", "cwd") == "/srv/app/src"
    assert "cwd" not in next(f for f in r.of(P, "beat") if "command" in f.fields).fields  # cd -: unknown


def test_runner_options_are_noted_on_the_step(run_analyzer):
    r = run_analyzer(shell, {"deploy.sh": """\
        uv run --extra dev pybabel compile -d app/translations
        poetry run python manage.py migrate
        """})
    build = r.one(Kind.BUILD_STEP)
    assert (build.key, build.fields["note"]) == ("pybabel compile -d app/translations",
                                                 "uv run --extra dev: needs extra dev")
    assert "note" not in r.one(Kind.RELEASE_STEP).fields
    assert r.one(Kind.RELEASE_STEP).key == "python manage.py migrate"


def test_a_genuinely_broken_stretch_is_warned_with_its_line_and_the_rest_is_read(run_analyzer):
    r = run_analyzer(shell, {"deploy.sh": """\
        #!/bin/bash
        git pull
        case "$1" in
          start) nohup celery -A proj worker & ;;
        esac

        if [[ -f x ]]; then
          pip install -r requirements.txt
        done
        fi fi )

        python manage.py migrate
        curl -f http://127.0.0.1:8000/healthz
        """})
    assert [(w.line, w.message.split(" as shell")[0]) for w in r.warnings] == [(7, "could not parse lines 7-10")]
    assert "a syntax error at line" in r.warnings[0].message
    assert ("git pull", 2) in lines_of(r, HOST)
    assert r.one(P, "worker").source.line == 4
    assert ("pip install -r requirements.txt", 8) in lines_of(r, HOST)  # read line by line
    assert lines_of(r, Kind.RELEASE_STEP) == [("python manage.py migrate", 12)]
    assert r.one(Kind.HEALTH_CHECK, "/healthz").source.line == 13


def test_without_tree_sitter_bash_regions_are_read_line_by_line(run_analyzer, monkeypatch):
    from analyzers.lib import treesitter

    def unavailable(name: str) -> None:
        raise treesitter.Unavailable("not installed")

    monkeypatch.setattr(treesitter, "language", unavailable)
    r = run_analyzer(shell, {"deploy.sh": """\
        git pull
        case "$1" in
          migrate) python manage.py migrate ;;
        esac
        """})
    assert [(w.line, w.message) for w in r.warnings] == [
        (2, "could not parse lines 2-4 as shell (bashlex: a case statement; tree-sitter-bash is not installed); "
            "they were read line by line")]
    assert lines_of(r, Kind.RELEASE_STEP) == [("python manage.py migrate", 3)]
    assert ("git pull", 1) in lines_of(r, HOST)


def _all_scripts():
    scripts = [DEPLOY, CASE_DEPLOY]
    scripts += [
        'APP=/srv/app\nssh -p 2222 deploy@web1 "cd $APP && git pull"\nssh deploy@web1 <<EOF\ncd $APP\n'
        "./venv/bin/alembic upgrade head\nEOF\nsudo -u app bash <<'L'\nnohup celery -A proj beat &\nL\n",
        'sudo -u app bash -c "cd /srv/app && nohup ./venv/bin/celery -A proj worker -Q mail &"\n'
        'su - app -c "/srv/app/venv/bin/python manage.py migrate"\nsu app -c "gunicorn app:app -b :8001" &\n',
        "restart_web() {\n  ( cd /srv && setsid ./venv/bin/gunicorn app:app --bind 127.0.0.1:$1 ) &\n}\n"
        "for h in web1 web2; do ssh deploy@$h 'git pull'; done\nrestart_web 9000\n",
        "export PGPASSWORD=Sup3rS3cretPw\nREV=$(git rev-parse HEAD)\n"
        "exec gunicorn --bind 0.0.0.0:${PORT:-8005} app:app\n",
        "a && nohup gunicorn x:y &\nb; c & d\n{ git pull; pip install x; } > /tmp/log 2>&1\n",
    ]
    return scripts


@pytest.mark.parametrize("script", _all_scripts(), ids=lambda s: s.split("\n")[0][:30])
def test_bashlex_and_tree_sitter_give_the_same_findings(script, monkeypatch):
    """One walker over one syntax tree: whichever parser read a script, the findings are the same."""
    from analyzers.deploy import shellwalk
    from analyzers.lib import shell_bashlex

    def walk() -> list[str]:
        walker = shellwalk.ShellWalker(Src("shell", "deploy.sh"))
        walker.walk_text(textwrap.dedent(script))
        return sorted(repr(i) for i in walker.finish())

    by_bashlex = walk()
    monkeypatch.setattr(shell_bashlex, "parse", lambda text: None)
    by_tree_sitter = walk()
    assert by_tree_sitter == by_bashlex
    assert by_bashlex and not any("Warning(" in i for i in by_bashlex)


def test_tree_sitter_is_imported_only_when_a_script_needs_it(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    probe = ("import sys; from analyzers.deploy import shell; from migrator.repo import RepoView; "
             "list(shell.analyze(RepoView(sys.argv[1]))); print('tree_sitter' in sys.modules)")
    root = Path(__file__).resolve().parents[3]

    def imported(script: str) -> str:
        repo = tmp_path / str(abs(hash(script)))
        repo.mkdir()
        (repo / "deploy.sh").write_text(script)
        out = subprocess.run([sys.executable, "-c", probe, str(repo)], cwd=root, capture_output=True, text=True,
                             timeout=60, check=True)
        return out.stdout.strip()

    assert imported("git pull && python manage.py migrate\n") == "False"
    assert imported('case "$1" in migrate) python manage.py migrate ;; esac\n') == "True"


def test_a_brace_before_a_four_byte_character_does_not_crash_tree_sitter(tmp_path):
    # found by the property tests: tree-sitter-bash 0.25.1 reads past its tables (SIGSEGV, so this
    # runs in a child process) on "{" + a 4-byte UTF-8 character, e.g. an emoji in a deploy message
    import subprocess
    import sys
    from pathlib import Path

    script = tmp_path / "deploy.sh"
    script.write_text('{\U000ff199${\ncase "$1" in\n  go) echo "{\U0001f680 deploying"; git pull ;;\nesac\n',
                      encoding="utf-8")
    probe = ("import sys; from analyzers.base import Src; from analyzers.deploy.shellwalk import ShellWalker\n"
             "from analyzers.lib import shell_treesitter\n"
             "for _ in range(3000):\n"  # the crash reads unmapped memory only now and then: repeat
             "    shell_treesitter.parse(b'{\\xf3\\xbf\\x86\\x99')\n"
             "w = ShellWalker(Src('shell', 'deploy.sh')); w.walk_text(open(sys.argv[1], encoding='utf-8').read())\n"
             "print(sorted((i.key, i.source.line) for i in w.finish() if hasattr(i, 'key')))")
    out = subprocess.run([sys.executable, "-c", probe, str(script)], cwd=Path(__file__).resolve().parents[3],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[('git pull', 3)]"


def test_words_keep_their_non_ascii_characters_through_tree_sitter(run_analyzer):
    r = run_analyzer(shell, {"deploy.sh": """\
        case "$1" in
          start) nohup gunicorn app:app --name "café-🚀" -b :8000 & ;;
        esac
        """})
    web = next(f for f in r.of(P, "web") if "command" in f.fields)
    assert (web.fields["command"], web.source.line) == ("gunicorn app:app --name 'café-🚀' -b :8000", 2)


def test_tree_sitter_bash_is_never_fed_a_byte_above_ascii(monkeypatch):
    # the deterministic half of the crash test above: the mitigation itself
    from analyzers.lib import shell_treesitter, treesitter

    seen: list[bytes] = []
    real = treesitter.parse
    monkeypatch.setattr(treesitter, "parse", lambda name, data, *a: seen.append(data) or real(name, data, *a))
    data = 'case x in\n  a) echo "{\U0001f680 é"; git pull ;;\nesac\n'.encode()
    tree = shell_treesitter.parse(data)
    assert seen and max(seen[0]) < 0x80 and len(seen[0]) == len(data)
    assert tree is not None and not tree.root_node.has_error


def test_echo_and_printf_print_their_words_and_run_nothing(run_analyzer):
    r = run_analyzer(shell, {"deploy.sh": """\
        echo "usage: $0 {deploy|crontab|migrate}" >&2
        printf '%s\\n' "run: python manage.py migrate, then systemctl restart app"
        echo "mirror: postgres://app:EchoPw9876@db/app"
        echo "$(git pull)"
        """})
    assert lines_of(r, HOST) == [("git pull", 4)]  # the substitution runs; the printed words do not
    assert not r.of(Kind.RELEASE_STEP)
    assert [(s.line, s.kind) for s in r.secrets] == [(3, "credential_url")]
    assert "EchoPw9876" not in repr(r.items)


def test_the_case_deploy_fixture_is_read_from_its_case_arms():

    from migrator.repo import RepoView

    repo = RepoView(fixture_path("shell-case-deploy"))
    items = list(shell.analyze(repo))
    assert not [i for i in items if not isinstance(i, Finding | SecretFinding)]  # no warning: nothing skipped
    found = {(f.kind, f.key, f.source.line) for f in items if isinstance(f, Finding) and f.kind is not P}
    assert {(Kind.RELEASE_STEP, "alembic upgrade head", 56), (Kind.RELEASE_STEP, "alembic upgrade head", 77),
            (HOST, "git checkout \"$REV\"", 46), (HOST, "git pull --ff-only origin \"master\"", 48),
            (Kind.HEALTH_CHECK, "/healthz", 30), (Kind.HEALTH_CHECK, "/healthz", 87)} <= found
    web = [f for f in items if isinstance(f, Finding) and f.kind is P and "command" in f.fields]
    assert [(f.source.line, f.fields["port"], f.fields["cwd"]) for f in web] == [(68, 8070, "/srv/stockroom")]


def test_bashlex_reads_each_statement_about_once_in_a_script_it_cannot_parse_whole(monkeypatch):
    # halving the whole text at every failure re-parsed a 200 kB script ~15 times (a minute of bashlex)
    from analyzers.deploy import shellwalk
    from analyzers.lib import shell_bashlex

    parsed: list[int] = []
    real = shell_bashlex.parse
    monkeypatch.setattr(shell_bashlex, "parse", lambda text: parsed.append(len(text)) or real(text))
    script = ("git pull\npython manage.py migrate\n" * 20 + 'case "$1" in\n  a) pip install x ;;\nesac\n') * 30
    walker = shellwalk.ShellWalker(Src("shell", "deploy.sh"))
    walker.walk_text(script)
    items = walker.finish()
    assert sum(parsed) <= 1.2 * len(script)
    assert not [i for i in items if not isinstance(i, Finding)]
    assert {(f.key, f.source.line) for f in items if f.kind is HOST and f.key.startswith("pip")} == {
        ("pip install x", 42 + 43 * k) for k in range(30)}


def test_heredocs_users_env_prefixes_and_nested_shells_inside_case_arms(run_analyzer):
    r = run_analyzer(shell, {"deploy.sh": """\
        APP=/srv/app
        case "$1" in
          release)
            ssh deploy@web1 <<EOF
        cd $APP
        DJANGO_SETTINGS_MODULE=proj.prod ./venv/bin/python manage.py migrate
        EOF
            ;;
          workers)
            sudo -u app bash -c "cd $APP && nohup ./venv/bin/celery -A proj worker -Q mail &"
            su - app -c "[[ -d $APP ]] && $APP/venv/bin/python manage.py collectstatic --noinput"
            ;;
          beat) sudo -u app bash <<'LOCAL'
        if [[ -f /etc/app/beat.on ]]; then nohup celery -A proj beat & fi
        LOCAL
            ;;
        esac
        """})
    assert not r.warnings
    release = r.one(Kind.RELEASE_STEP)
    assert (release.key, release.source.line, release.fields["cwd"]) == ("python manage.py migrate", 6, "/srv/app")
    worker = next(f for f in r.of(P, "worker-mail") if "command" in f.fields)
    assert (worker.fields["command"], worker.fields["user"], worker.fields["cwd"], worker.source.line) == (
        "celery -A proj worker -Q mail", "app", "/srv/app", 10)
    assert lines_of(r, Kind.BUILD_STEP) == [("python manage.py collectstatic --noinput", 11)]
    beat = next(f for f in r.of(P, "beat") if "command" in f.fields)
    assert (beat.fields["command"], beat.fields["user"], beat.source.line) == ("celery -A proj beat", "app", 14)
