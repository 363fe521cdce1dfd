"""Tests for analyzers/deploy/deploy_commands.py: what one deploy-script command means."""

from __future__ import annotations

from analyzers.base import Src
from analyzers.deploy.deploy_commands import interpret
from migrator.model import Confidence, Finding, Kind, SecretFinding, Warning

SRC = Src("test", "deploy.sh", 12)


def run(command, background=False):
    return list(interpret(command, SRC, background=background))


def findings(items, kind):
    return [i for i in items if isinstance(i, Finding) and i.kind is kind]


def test_process_started_in_background_by_hand():
    items = run("nohup /srv/app/venv/bin/gunicorn app:app -b 0.0.0.0:8000 &", background=True)
    (proc,) = findings(items, Kind.PROCESS)
    assert proc.key == "web"
    assert proc.fields["command"] == "gunicorn app:app -b 0.0.0.0:8000"
    fields = (proc.fields["port"], proc.fields["app_server"], proc.fields["legacy_name"])
    assert fields == (8000, "gunicorn", "deploy.sh")
    assert (proc.source.line, proc.source.confidence) == (12, Confidence.INFERRED)


def test_default_port_is_a_separate_default_claim():
    items = run("uvicorn main:app &", background=True)
    procs = findings(items, Kind.PROCESS)
    assert [(p.fields.get("port"), p.source.confidence) for p in procs] == [
        (None, Confidence.INFERRED),
        (8000, Confidence.DEFAULT),
    ]


def test_daemon_flags_are_dropped_from_the_container_command():
    cases = {
        "gunicorn app:app --daemon -b :9000": ("web", "gunicorn app:app -b :9000"),
        "celery -A proj worker --detach": ("worker", "celery -A proj worker"),
        "uwsgi --ini uwsgi.ini --daemonize /var/log/uwsgi.log": ("web", "uwsgi --ini uwsgi.ini"),
        "uwsgi --ini uwsgi.ini --daemonize=/var/log/uwsgi.log": ("web", "uwsgi --ini uwsgi.ini"),
    }
    for command, (key, clean) in cases.items():
        (proc,) = findings(run(command), Kind.PROCESS)
        assert (proc.key, proc.fields["command"]) == (key, clean), command


def test_foreground_server_in_a_deploy_script_is_not_a_process():
    # a deploy script that runs gunicorn in the foreground would block: it is not how it was started
    assert findings(run("gunicorn app:app"), Kind.PROCESS) == []


def test_release_build_and_host_steps():
    (rel,) = findings(run("sudo -u app /srv/app/venv/bin/python manage.py migrate --noinput"), Kind.RELEASE_STEP)
    assert rel.key == "python manage.py migrate --noinput" and rel.source.confidence == Confidence.DECLARED
    (build,) = findings(run("/srv/venv/bin/python manage.py collectstatic --noinput"), Kind.BUILD_STEP)
    assert build.fields["command"] == "python manage.py collectstatic --noinput"
    (host,) = findings(run("git -C /srv/app pull"), Kind.HOST_STEP)
    assert host.fields["command"] == "git -C /srv/app pull" and "image" in host.fields["reason"]
    (act,) = findings(run("source /srv/venv/bin/activate"), Kind.HOST_STEP)
    assert act.source.line == 12
    assert run("echo deployed") == []
    assert run("   ") == []


def test_migrate_is_never_a_background_process():
    items = run("python manage.py migrate &", background=True)
    assert findings(items, Kind.PROCESS) == []
    assert [f.key for f in findings(items, Kind.RELEASE_STEP)] == ["python manage.py migrate"]


def test_apt_packages_services_and_stages():
    items = run("sudo apt-get install -y libpq-dev nginx redis-server python3-dev libjpeg62-turbo")
    pkgs = {f.key: f.fields["stage"] for f in findings(items, Kind.SYSTEM_PACKAGE)}
    # libpq5 is what a module compiled against libpq-dev links to: the runtime image needs it
    assert pkgs == {"libpq-dev": "build", "libpq5": "runtime", "libjpeg62-turbo": "runtime"}
    assert [f.key for f in findings(items, Kind.SERVICE)] == ["redis"]
    assert len(findings(items, Kind.HOST_STEP)) == 1


def test_ubuntu_versioned_names_are_mapped_and_servers_become_services():
    # a Vagrant provision script for Ubuntu: none of these names exists in Debian as written
    items = run("apt-get install -y postgresql-16 postgresql-client-16 postgresql-contrib-16 python3.8-dev "
                "libmysqlclient-dev mysql-server-8.0 memcached rabbitmq-server python3-psycopg2 libssl1.1")
    pkgs = {f.key: f for f in findings(items, Kind.SYSTEM_PACKAGE)}
    assert set(pkgs) == {"postgresql-client", "default-libmysqlclient-dev", "libmariadb3", "libssl3t64"}
    assert pkgs["postgresql-client"].fields["legacy_name"] == "postgresql-client-16"
    assert "pg_dump refuses a server newer" in str(pkgs["postgresql-client"].fields["note"])
    assert pkgs["default-libmysqlclient-dev"].fields["stage"] == "build"
    assert sorted({f.key for f in findings(items, Kind.SERVICE)}) == ["memcached", "mysql", "postgres", "rabbitmq"]
    # the distribution's Python is expected to go (no warning); a Python library from apt may be missed
    (left_out,) = [w.message for w in items if isinstance(w, Warning)]
    assert "python3-psycopg2: Python libraries come from the dependency files" in left_out


def test_yum_and_apk_names_are_mapped_to_debian():
    pkgs = {f.key for f in findings(run("yum install -y postgresql-devel openldap-devel gcc ImageMagick-devel"),
                                      Kind.SYSTEM_PACKAGE)}
    assert pkgs == {"libpq-dev", "libpq5", "libldap2-dev", "libldap2", "gcc"}
    apk = {f.key for f in findings(run("apk add --no-cache build-base postgresql-dev jpeg-dev"), Kind.SYSTEM_PACKAGE)}
    assert apk == {"build-essential", "libpq-dev", "libpq5", "libjpeg62-turbo-dev", "libjpeg62-turbo"}


def test_health_checks():
    (local,) = findings(run("curl -fsS http://127.0.0.1:8090/ping"), Kind.HEALTH_CHECK)
    assert (local.key, local.fields["port"], local.source.confidence) == ("/ping", 8090, Confidence.INFERRED)
    (remote,) = findings(run("curl -f https://shop.example.com/healthz"), Kind.HEALTH_CHECK)
    assert remote.fields["host"] == "shop.example.com" and "port" not in remote.fields
    assert findings(run("curl https://api.github.com/repos/x/y"), Kind.HEALTH_CHECK) == []


def test_a_download_that_is_no_health_check_is_left_to_the_step_rules():
    # NodeSource's setup script installs node on the old host (a host step, the node image replaces it);
    # a webhook no rule knows stays unclassified, for review
    (host,) = findings(run("curl -fsSL https://deb.nodesource.com/setup_18.x"), Kind.HOST_STEP)
    assert "node base image" in host.fields["reason"]
    assert findings(run("curl -X POST https://hooks.example.com/deployed"), Kind.UNCLASSIFIED) != []


def test_exports_and_secrets():
    items = run("export APP_ENV=production")
    assert [(f.key, f.fields.get("default")) for f in findings(items, Kind.ENV)] == [("APP_ENV", "production")]

    items = run("export DATABASE_URL=postgres://app:Pl4nted-Url-Pw@db/app")
    secrets = [i for i in items if isinstance(i, SecretFinding)]
    assert [(s.name, s.kind, s.line) for s in secrets] == [("DATABASE_URL", "credential_url", 12)]
    (env,) = findings(items, Kind.ENV)
    assert env.fields["secret"] is True and "default" not in env.fields

    items = run("export DB_PASSWORD=$VAULT_DB_PASSWORD")
    assert not [i for i in items if isinstance(i, SecretFinding)]
    assert findings(items, Kind.ENV)[0].fields["secret"] is True

    items = run("PGPASSWORD=Pl4nted-Inline-Pw psql -h db -c 'select 1'")
    assert [(s.name, s.kind) for s in items if isinstance(s, SecretFinding)] == [("PGPASSWORD", "password")]
    assert "Pl4nted" not in repr(items)


def test_copying_the_checkout_to_a_host_dir_names_the_legacy_app_dir():
    from analyzers.base import Src
    from analyzers.deploy.deploy_commands import interpret
    from migrator.model import Kind

    def app_dirs(command):
        return [
            f.fields["legacy_app_dir"] for f in interpret(command, Src("shell", "d.sh", 3)) if f.kind is Kind.RUNTIME
        ]

    assert app_dirs("rsync -az --delete --exclude .git ./ deploy@h:/opt/notes/") == ["/opt/notes"]
    assert app_dirs("scp -r . h:/srv/app") == ["/srv/app"]
    assert app_dirs("rsync -a build/ h:/var/www") == []  # not the checkout
    assert app_dirs("rsync -a ./ /tmp/x") == []  # a local copy
    assert app_dirs('rsync -a ./ "h:$APP_DIR"') == []  # unresolved
