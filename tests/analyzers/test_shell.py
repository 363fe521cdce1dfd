"""Tests for analyzers/shell.py (with analyzers/shellwalk.py and analyzers/shelltext.py)."""

from __future__ import annotations

from analyzers import shell, shelltext
from analyzers.base import Src
from analyzers.deploy_commands import interpret
from migrator.model import Confidence, Finding, Kind, SecretFinding

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
    assert [w.line for w in r.warnings] == [1]  # bashlex cannot parse the array: read line by line
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


def test_unparsable_case_is_read_line_by_line_and_the_rest_survives(run_analyzer):
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
    warns = [(w.file, w.line, w.message) for w in r.warnings]
    assert warns == [
        ("deploy.sh", 4, "bashlex could not parse lines 4-10 (a case statement); they were read line by line"),
        ("deploy.sh", 11, "bashlex could not parse lines 11-11 (an array); they were read line by line"),
    ]
    assert r.field(P, "worker", "command") == "celery -A proj worker"
    assert r.one(P, "worker").source.line == 6
    assert lines_of(r, Kind.RELEASE_STEP) == [("python manage.py migrate", 8)]
    assert lines_of(r, Kind.BUILD_STEP) == [("python manage.py collectstatic --noinput", 12)]
    assert r.one(Kind.HEALTH_CHECK, "/healthz").source.line == 13
    assert ("git pull", 3) in lines_of(r, HOST)


def test_double_bracket_and_arithmetic_fall_back_per_chunk(run_analyzer):
    r = run_analyzer(shell, {"deploy.sh": """\
        if [[ -n "$FORCE" && -f x ]]; then
          pip install -r requirements.txt
        fi
        n=$((n + 1))
        python manage.py migrate
        """})
    assert [w.line for w in r.warnings] == [1, 4]
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
