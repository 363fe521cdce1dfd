"""Tests for analyzers/deploy/fabric/: Fabric 1, Fabric 2 and Invoke task files read through ast."""

from __future__ import annotations

from typing import Any

import pytest

from analyzers.deploy import fabric
from analyzers.shelltext import split_list
from migrator.model import Confidence, Finding, Kind

FAB1_CONTEXTS = """\
    from fabric.api import cd, env, hide, prefix, run, settings, shell_env, sudo, task
    import os

    APP = "shop"
    ROOT = "/srv/%s" % APP
    VENV = os.path.join(ROOT, "venv")
    CURRENT = ROOT + "/current"
    env.user = "deploy"
    env.hosts = ["web1.internal", "web2.internal"]
    env.path = CURRENT


    @task
    def deploy(branch="main"):
        release = "{root}/releases/{b}".format(root=ROOT, b=branch)
        with cd(env.path):
            run("git pull origin %(branch)s" % {"branch": branch})
            with prefix("source %s/bin/activate" % VENV):
                with settings(hide("running"), warn_only=True):
                    run(f"python manage.py migrate --noinput --settings={APP}.settings")
                with cd("static"):
                    run("npm run build")
        with shell_env(DJANGO_SETTINGS_MODULE="shop.settings.prod"):
            run("python manage.py collectstatic --noinput")
        sudo("nohup %s/bin/gunicorn shop.wsgi --bind 0.0.0.0:8000 &" % VENV, user="shop")
        run("cp -r build %s && tar xzf %s.tar.gz" % (release, archive_name()))
    """


def test_fabric1_nested_contexts_and_string_building(run_analyzer: Any) -> None:
    result = run_analyzer(fabric, {"fabfile.py": FAB1_CONTEXTS})

    migrate = result.one(Kind.RELEASE_STEP, "python manage.py migrate --noinput --settings=shop.settings")
    assert migrate.source.line == 20
    assert migrate.source.file == "fabfile.py"
    assert migrate.source.confidence is Confidence.DECLARED
    assert migrate.fields["cwd"] == "/srv/shop/current"

    build = result.one(Kind.BUILD_STEP, "npm run build")
    assert (build.source.line, build.fields["cwd"]) == (22, "/srv/shop/current/static")
    collect = result.one(Kind.BUILD_STEP, "python manage.py collectstatic --noinput")
    assert (collect.source.line, collect.fields.get("cwd")) == (24, None)  # outside the cd block

    pull = result.one(Kind.HOST_STEP, "git pull origin main")
    assert (pull.source.line, pull.fields["cwd"]) == (17, "/srv/shop/current")
    activate = result.one(Kind.HOST_STEP, "source /srv/shop/venv/bin/activate")
    assert activate.source.line == 18
    assert "virtualenv" in activate.fields["reason"]
    cp = result.one(Kind.HOST_STEP, "cp -r build /srv/shop/releases/main")
    assert cp.source.line == 26
    # unresolvable parts become ${name} placeholders instead of dropping the command
    assert result.one(Kind.HOST_STEP, "tar xzf ${archive_name}.tar.gz").source.line == 26

    env = result.one(Kind.ENV, "DJANGO_SETTINGS_MODULE")
    assert (env.fields["default"], env.source.line) == ("shop.settings.prod", 23)

    web = [f for f in result.of(Kind.PROCESS, "web") if "command" in f.fields]
    assert len(web) == 1
    assert web[0].fields["command"] == "gunicorn shop.wsgi --bind 0.0.0.0:8000"
    assert web[0].fields["port"] == 8000
    assert (web[0].source.line, web[0].source.confidence) == (25, Confidence.INFERRED)
    user = [f for f in result.of(Kind.PROCESS, "web") if "user" in f.fields]
    assert [(f.fields["user"], f.source.line, f.source.confidence) for f in user] == [
        ("shop", 25, Confidence.HEURISTIC)
    ]
    # a task that starts gunicorn on env.hosts: replicas hint from the host count
    hint = [f for f in result.of(Kind.PROCESS, "web") if "replicas" in f.fields]
    assert [(f.fields["replicas"], f.fields["replicas_hint_from"], f.source.line, f.source.confidence)
            for f in hint] == [(2, "2 hosts in env.hosts", 9, Confidence.HEURISTIC)]
    assert result.warnings == []


FAB1_EXECUTE = """\
    from fabric.api import env, execute, roles, run, sudo, task

    env.roledefs = {
        "web": ["w1", "w2", "w3"],
        "worker": ["q1"],
    }


    def manage(cmd):
        run("/srv/app/venv/bin/python manage.py %s" % cmd)


    @roles("worker")
    def restart_workers():
        sudo("supervisorctl restart celery")
        restart_workers()


    @roles("web")
    def restart_web():
        sudo("systemctl restart gunicorn")


    @task
    def deploy():
        manage("migrate")
        for command in ["createcachetable", "clearsessions"]:
            manage(command)
        execute(restart_workers)
        execute(restart_web)
        execute("cleanup")


    def cleanup():
        run("rm -rf /tmp/build")


    def never_called():
        run("python manage.py flush")
    """


def test_fabric1_helpers_execute_recursion_and_roledefs_hint(run_analyzer: Any) -> None:
    result = run_analyzer(fabric, {"fabfile.py": FAB1_EXECUTE})
    # the helper's command, reported at the helper's line, resolved with the caller's argument
    assert result.one(Kind.RELEASE_STEP, "python manage.py migrate").source.line == 10
    assert result.one(Kind.RELEASE_STEP, "python manage.py createcachetable").source.line == 10
    assert result.keys(Kind.RELEASE_STEP) == ["python manage.py createcachetable", "python manage.py migrate"]
    assert result.keys(Kind.HOST_STEP) == [
        "rm -rf /tmp/build",
        "supervisorctl restart celery",
        "systemctl restart gunicorn",
    ]
    assert result.one(Kind.HOST_STEP, "rm -rf /tmp/build").source.line == 35
    # the recursive helper is walked once
    assert len(result.of(Kind.HOST_STEP, "supervisorctl restart celery")) == 1
    # with @task in use, plain functions are not tasks: never_called() is not walked
    assert result.of(Kind.RELEASE_STEP, "python manage.py flush") == []
    hint = result.one(Kind.PROCESS, "web")
    assert hint.fields == {"role": "web", "replicas": 3, "replicas_hint_from": "3 hosts in env.roledefs['web']"}
    assert (hint.source.line, hint.source.confidence) == (4, Confidence.HEURISTIC)


def test_fabric1_without_task_decorator_every_public_function_is_a_task(run_analyzer: Any) -> None:
    result = run_analyzer(fabric, {"fabfile.py": """\
        from fabric.api import *

        def production():
            env.hosts = ["a", "b", "c", "d"]

        def _venv(cmd):
            return "source /srv/app/venv/bin/activate && %s" % cmd

        def migrate():
            run(_venv("python manage.py migrate"))

        def restart():
            sudo("service nginx reload")
        """})
    assert result.one(Kind.RELEASE_STEP, "python manage.py migrate").source.line == 10
    assert result.one(Kind.HOST_STEP, "source /srv/app/venv/bin/activate").source.line == 10
    assert result.one(Kind.HOST_STEP, "service nginx reload").source.line == 13
    hint = result.one(Kind.PROCESS, "web")
    assert (hint.fields["replicas"], hint.fields["replicas_hint_from"], hint.source.line) == (
        4, "4 hosts in env.hosts", 4)


def test_fabric1_idioms_contextmanager_helpers_prefix_cd_and_pty_false(run_analyzer: Any) -> None:
    result = run_analyzer(fabric, {"fabfile.py": """\
        import contextlib
        from fabric.api import *

        env.hosts = ["www1"]
        DIRS = {"prod": "~/webapps/shop"}
        venv = prefix("source ~/.virtualenvs/shop/bin/activate")

        @contextlib.contextmanager
        def project(version):
            with prefix("cd %s" % DIRS[version]):
                yield

        @task
        def deploy(version="prod"):
            with project(version):
                run("git pull --no-edit")
                with venv:
                    run("django-admin collectstatic --noinput")
            old = run("ls -x releases").split()[:-5]
            for release in old:
                run("rm -rf releases/%s" % release)
            run("gunicorn -c deploy/gunicorn.py shop.wsgi", pty=False)
            sudo("/etc/init.d/nginx reload")
        """})
    assert result.one(Kind.HOST_STEP, "git pull --no-edit").fields["cwd"] == "~/webapps/shop"
    assert result.one(Kind.HOST_STEP, "source ~/.virtualenvs/shop/bin/activate").source.line == 6
    collect = result.one(Kind.BUILD_STEP, "django-admin collectstatic --noinput")
    assert (collect.source.line, collect.fields["cwd"]) == (18, "~/webapps/shop")
    assert result.one(Kind.HOST_STEP, "rm -rf releases/${release}").source.line == 21
    started = [f for f in result.of(Kind.PROCESS, "web") if "command" in f.fields]
    assert [(f.fields["command"], f.source.line) for f in started] == [
        ("gunicorn -c deploy/gunicorn.py shop.wsgi", 22)]
    assert result.one(Kind.HOST_STEP, "/etc/init.d/nginx reload").source.line == 23
    hint = [f for f in result.of(Kind.PROCESS, "web") if "replicas" in f.fields]
    assert [(f.fields["replicas_hint_from"], f.source.line) for f in hint] == [("1 host in env.hosts", 4)]


def test_fabric1_files_deployed_to_hosts(run_analyzer: Any) -> None:
    result = run_analyzer(fabric, {
        "deploy/nginx.conf": "server {}\n",
        "deploy/templates/app.service.j2": "[Service]\n",
        "deploy/supervisor.conf": "[program:x]\n",
        "fabfile.py": """\
            import os
            from fabric.api import lcd, put, task
            from fabric.contrib.files import append, upload_template
            from fabric.contrib.project import rsync_project

            HERE = os.path.dirname(__file__)

            @task
            def configure():
                put(os.path.join(HERE, "deploy", "nginx.conf"), "/etc/nginx/sites-enabled/app")
                upload_template("app.service.j2", "/etc/systemd/system/app.service",
                                context={"user": "app"}, use_jinja=True, template_dir="deploy/templates")
                with lcd("deploy"):
                    put("supervisor.conf", "/etc/supervisor/conf.d/app.conf", use_sudo=True)
                put("missing.conf", "/etc/x.conf")
                rsync_project(remote_dir="/srv/app", local_dir="./", exclude=[".git"])
                append("/etc/environment", "APP_ENV=prod", use_sudo=True)
            """,
    })
    deployed = {f.fields.get("repo_file"): (f.fields["remote_path"], f.source.line)
                for f in result.of(Kind.HOST_STEP) if f.key.startswith(("put", "upload_template"))}
    assert deployed == {
        "deploy/nginx.conf": ("/etc/nginx/sites-enabled/app", 10),
        "deploy/templates/app.service.j2": ("/etc/systemd/system/app.service", 11),
        "deploy/supervisor.conf": ("/etc/supervisor/conf.d/app.conf", 14),
        None: ("/etc/x.conf", 15),
    }
    rsync = result.one(Kind.HOST_STEP, "rsync_project ./ /srv/app")
    assert rsync.source.line == 16
    assert result.one(Kind.HOST_STEP, "append /etc/environment").source.line == 17


FAB2 = """\
    from fabric import Connection, SerialGroup, task

    APP_DIR = "/srv/api"


    @task(hosts=["api1", "api2", "api3"])
    def deploy(c):
        with c.cd(APP_DIR):
            c.run("git pull")
            with c.prefix("source venv/bin/activate"):
                c.run("alembic upgrade head", env={"DATABASE_URL": "postgres://api:Fab2-Db-Pw-Planted@db/api"})
        c.sudo("systemctl restart api")


    @task
    def bootstrap(c):
        conn = Connection("deploy@api1")
        conn.put("deploy/api.service", "/etc/systemd/system/api.service")
        conn.run("nohup uvicorn api.main:app --port 9000 &")
        Connection("api2").sudo("apt-get install -y libxml2")
        for host in SerialGroup("a", "b"):
            host.run(f"curl -f http://localhost:9000/health")
    """


def test_fabric2_connection_and_context_run(run_analyzer: Any) -> None:
    result = run_analyzer(fabric, {"fabfile.py": FAB2, "deploy/api.service": "[Service]\n"})
    upgrade = result.one(Kind.RELEASE_STEP, "alembic upgrade head")
    assert (upgrade.source.line, upgrade.fields["cwd"]) == (11, "/srv/api")
    assert result.one(Kind.HOST_STEP, "git pull").fields["cwd"] == "/srv/api"
    assert result.one(Kind.HOST_STEP, "source venv/bin/activate").source.line == 10
    db = result.one(Kind.ENV, "DATABASE_URL")
    assert db.fields["secret"] is True and "default" not in db.fields
    assert [(s.name, s.line, s.kind) for s in result.secrets] == [("DATABASE_URL", 11, "credential_url")]

    put = result.one(Kind.HOST_STEP, "put deploy/api.service /etc/systemd/system/api.service")
    assert (put.fields["repo_file"], put.source.line) == ("deploy/api.service", 18)
    assert result.one(Kind.SYSTEM_PACKAGE, "libxml2").source.line == 20

    web = result.of(Kind.PROCESS, "web")
    started = [f for f in web if "command" in f.fields]
    assert [(f.fields["command"], f.fields["port"], f.source.line) for f in started] == [
        ("uvicorn api.main:app --port 9000", 9000, 19)
    ]
    assert [(f.fields["user"], f.source.line) for f in web if "user" in f.fields] == [("deploy", 19)]
    assert result.one(Kind.HEALTH_CHECK, "/health").fields["port"] == 9000
    hints = sorted((f.fields["replicas"], f.fields["replicas_hint_from"], f.source.line)
                   for f in web if "replicas" in f.fields)
    assert hints == [(2, "2 hosts in SerialGroup(...)", 21), (3, "3 hosts in @task(hosts=...)", 6)]
    assert "Fab2-Db-Pw-Planted" not in repr(result.items)


def test_fabric2_config_placeholder_and_prefix_export(run_analyzer: Any) -> None:
    result = run_analyzer(fabric, {"fabfile.py": """\
        from fabric import task

        @task
        def deploy(c):
            with c.cd(c.config.deploy.path), c.prefix("export DJANGO_SETTINGS_MODULE=app.settings.prod"):
                c.run("python manage.py migrate")
                c.run("export SENTRY_DSN=https://abc:Fab-Dsn-Planted@sentry.io/1 && python manage.py check")
        """})
    assert result.one(Kind.RELEASE_STEP, "python manage.py migrate").fields["cwd"] == "${c.config.deploy.path}"
    settings = result.one(Kind.ENV, "DJANGO_SETTINGS_MODULE")
    assert (settings.fields["default"], settings.source.line) == ("app.settings.prod", 5)
    dsn = result.one(Kind.ENV, "SENTRY_DSN")
    assert (dsn.fields["secret"], dsn.source.line, "default" in dsn.fields) == (True, 7, False)
    assert [(s.name, s.line) for s in result.secrets] == [("SENTRY_DSN", 7)]
    assert "Fab-Dsn-Planted" not in repr(result.items)


def test_fabric2_group_module_constant(run_analyzer: Any) -> None:
    result = run_analyzer(fabric, {"fabfile.py": """\
        from fabric import SerialGroup, task

        HOSTS = SerialGroup("rep1", "rep2", user="deploy")

        def _one(c):
            c.sudo("supervisorctl restart reports:*")

        @task
        def deploy(ctx):
            for conn in HOSTS:
                _one(conn)
        """})
    assert result.one(Kind.HOST_STEP, "supervisorctl restart reports:*").source.line == 6
    hint = result.one(Kind.PROCESS, "web")
    assert (hint.fields["replicas"], hint.fields["replicas_hint_from"], hint.source.line) == (
        2, "2 hosts in SerialGroup(...)", 3)


def test_invoke_tasks_run_locally(run_analyzer: Any) -> None:
    result = run_analyzer(fabric, {
        "tasks.py": """\
            from invoke import task

            @task
            def clean(c):
                c.run("rm -rf build")

            @task(pre=[clean])
            def build(c):
                c.run("npm run build && python manage.py collectstatic --noinput")
            """,
        # a Celery tasks.py is not an Invoke file
        "app/tasks.py": "from celery import shared_task\n\n@shared_task\ndef run():\n    return 1\n",
    })
    assert result.one(Kind.BUILD_STEP, "npm run build").fields == {
        "command": "npm run build", "runs_on": "local"}
    collect = result.one(Kind.BUILD_STEP, "python manage.py collectstatic --noinput")
    assert (collect.source.file, collect.source.line) == ("tasks.py", 9)
    assert result.one(Kind.HOST_STEP, "rm -rf build").fields["runs_on"] == "local"
    assert {f.source.file for f in result.findings} == {"tasks.py"}
    assert result.of(Kind.PROCESS) == []  # local tasks target no hosts: no replicas hint


def test_roledefs_update_and_invoke_module_run(run_analyzer: Any) -> None:
    result = run_analyzer(fabric, {
        "fabfile.py": """\
            from fabric.api import env, roles, sudo

            env.roledefs = {}
            env.roledefs.update({
                "web": ["w1"],
            })
            env.roledefs["web"].append("w2")


            @roles("web")
            def restart():
                sudo("supervisorctl restart site")
            """,
        "tasks.py": "from invoke import run, task\n\n@task\ndef assets():\n    run('npm run build')\n",
    })
    hint = result.one(Kind.PROCESS, "web")
    assert (hint.fields["replicas"], hint.fields["replicas_hint_from"], hint.source.line) == (
        2, "2 hosts in env.roledefs['web']", 5)
    build = result.one(Kind.BUILD_STEP, "npm run build")
    assert (build.source.file, build.source.line, build.fields["runs_on"]) == ("tasks.py", 5, "local")


def test_fabfile_package_and_deploy_dir(run_analyzer: Any) -> None:
    result = run_analyzer(fabric, {
        "fabfile/__init__.py": "from .deploy import *\nfrom . import db\n",
        "fabfile/deploy.py": """\
            from fabric.api import cd, run, task

            @task
            def deploy():
                with cd("/srv/app"):
                    run("python manage.py migrate")
            """,
        "fabfile/db.py": """\
            from fabric.api import *

            def backup():
                run("pg_dump app > /backups/app.sql")

            def upgrade():
                run("flask db upgrade")
            """,
        "deploy/remote.py": "from fabric.api import sudo\n\ndef restart():\n    sudo('supervisorctl restart all')\n",
        "scripts/tool.py": "from fabric.api import run\n\ndef x():\n    run('python manage.py migrate')\n",
    })
    migrate = result.one(Kind.RELEASE_STEP, "python manage.py migrate")
    assert (migrate.source.file, migrate.source.line, migrate.fields["cwd"]) == ("fabfile/deploy.py", 6, "/srv/app")
    upgrade = result.one(Kind.RELEASE_STEP, "flask db upgrade")
    assert (upgrade.source.file, upgrade.source.line) == ("fabfile/db.py", 7)
    restart = result.one(Kind.HOST_STEP, "supervisorctl restart all")
    assert (restart.source.file, restart.source.line) == ("deploy/remote.py", 4)


def test_fabfile_package_shares_env_and_sibling_constants(run_analyzer: Any) -> None:
    result = run_analyzer(fabric, {
        "fabfile/__init__.py": """\
            from fabric.api import env
            from .config import *
            from . import deploy

            env.roledefs = {"app": ["a1", "a2"]}
            env.password = PASSWORD
            """,
        "fabfile/config.py": """\
            APP_DIR = "/srv/shop"
            VENV = APP_DIR + "/venv"
            PASSWORD = "Fab-Pkg-Pass-Planted"
            """,
        "fabfile/deploy.py": """\
            from fabric.api import cd, env, roles, run, sudo, task
            from .config import APP_DIR, VENV as V

            @task
            @roles("app")
            def deploy():
                with cd(APP_DIR):
                    run("%s/bin/python manage.py migrate" % V)
                sudo("systemctl restart shop")
                run("echo %s" % env.password)
            """,
    })
    migrate = result.one(Kind.RELEASE_STEP, "python manage.py migrate")
    assert (migrate.source.file, migrate.source.line, migrate.fields["cwd"]) == ("fabfile/deploy.py", 8, "/srv/shop")
    hint = result.one(Kind.PROCESS, "web")
    assert (hint.source.file, hint.source.line) == ("fabfile/__init__.py", 5)
    assert (hint.fields["replicas"], hint.fields["replicas_hint_from"]) == (2, "2 hosts in env.roledefs['app']")
    assert [(s.file, s.line, s.name) for s in result.secrets] == [("fabfile/config.py", 3, "PASSWORD")]
    assert "Fab-Pkg-Pass-Planted" not in repr(result.items)


def test_syntax_error_is_one_warning_and_other_files_go_on(run_analyzer: Any) -> None:
    result = run_analyzer(fabric, {
        "fabfile.py": """\
            from fabric.api import run

            def deploy(:
                run("git pull")
            """,
        "deploy/fab_tasks.py": """\
            from fabric.api import run

            def migrate():
                run("python manage.py migrate")
            """,
    })
    assert [(w.file, w.line) for w in result.warnings] == [("fabfile.py", 3)]
    assert "cannot parse" in result.warnings[0].message
    assert result.one(Kind.RELEASE_STEP, "python manage.py migrate").source.file == "deploy/fab_tasks.py"


SECRETS = """\
    from fabric.api import env, run, settings, shell_env, sudo, task

    env.hosts = ["billing1"]
    env.user = "deploy"
    env.password = "Fab-Env-Pass-Planted"
    env.passwords = {"deploy@billing1:22": "Fab-Host-Pass-Planted"}
    DB_PASSWORD = "Fab-Db-Pass-Planted"


    @task
    def reindex():
        with shell_env(API_TOKEN="Fab-Api-Token-Planted", APP_ENV="prod"):
            run("/srv/billing/venv/bin/python -m billing.reindex")
        run("echo %s | sudo -S true" % env.password)
        run("mysql -uroot -pFab-Mysql-Planted billing < schema.sql")
        run("PGPASSWORD=%s psql -h db billing -c 'select 1'" % DB_PASSWORD)
        with settings(user="billing"):
            run("nohup celery -A billing worker --detach")
        run("sudo -u app gunicorn billing.wsgi --daemon")
    """
PLANTED = ["Fab-Env-Pass-Planted", "Fab-Host-Pass-Planted", "Fab-Db-Pass-Planted", "Fab-Api-Token-Planted",
           "Fab-Mysql-Planted"]


def test_secrets_are_located_never_copied(run_analyzer: Any) -> None:
    result = run_analyzer(fabric, {"fabfile.py": SECRETS})
    located = sorted((s.name, s.line, s.kind) for s in result.secrets)
    assert ("env.password", 5, "password") in located
    assert ("env.passwords", 6, "password") in located
    assert ("DB_PASSWORD", 7, "password") in located
    assert ("API_TOKEN", 12, "token") in located
    assert any(line == 15 for _, line, _ in located)  # mysql -p<password>
    assert any(line == 16 for _, line, _ in located)  # PGPASSWORD=<resolved> on the command line
    token = result.one(Kind.ENV, "API_TOKEN")
    assert token.fields == {"secret": True, "set_by": "fabric shell_env"}
    assert result.field(Kind.ENV, "APP_ENV", "default") == "prod"
    for secret in PLANTED:
        assert secret not in repr(result.items)
        assert secret not in repr(result.warnings)


def test_key_file_committed_to_the_repo_is_a_secret(run_analyzer: Any) -> None:
    result = run_analyzer(fabric, {
        "deploy/id_rsa": "-----BEGIN OPENSSH PRIVATE KEY-----\n",
        "fabfile.py": """\
            from fabric.api import env
            from fabric import Connection

            env.key_filename = ["deploy/id_rsa", "~/.ssh/id_rsa"]
            c = Connection("h", connect_kwargs={"key_filename": "deploy/id_rsa"})
            """,
    })
    assert sorted((s.name, s.line, s.kind) for s in result.secrets) == [
        ("env.key_filename", 4, "private_key"), ("key_filename", 5, "private_key")]


def test_run_as_user_from_settings_and_sudo_u(run_analyzer: Any) -> None:
    result = run_analyzer(fabric, {"fabfile.py": SECRETS})
    worker = result.of(Kind.PROCESS, "worker")
    assert [(f.fields["user"], f.source.line) for f in worker if "user" in f.fields] == [("billing", 18)]
    assert [f.fields["command"] for f in worker if "command" in f.fields] == [
        "celery -A billing worker"]
    web = result.of(Kind.PROCESS, "web")
    assert [(f.fields["user"], f.source.line) for f in web if "user" in f.fields] == [("app", 19)]
    # --daemon/--detach are dropped: in a container the process stays in the foreground
    assert [f.fields["command"] for f in web if "command" in f.fields] == ["gunicorn billing.wsgi"]
    # env.user is who runs a process started with plain run() outside settings()
    hint = [f for f in web if "replicas" in f.fields]
    assert [(f.fields["replicas"], f.source.line) for f in hint] == [(1, 3)]


def test_env_user_is_the_user_of_run(run_analyzer: Any) -> None:
    result = run_analyzer(fabric, {"fabfile.py": """\
        from fabric.api import env, run

        env.user = "app"

        def start():
            run("nohup /srv/app/venv/bin/gunicorn app:app -b :9000 &")
        """})
    users = [(f.fields["user"], f.source.line, f.source.confidence)
             for f in result.of(Kind.PROCESS, "web") if "user" in f.fields]
    assert users == [("app", 6, Confidence.HEURISTIC)]


def test_bad_inputs_never_raise(run_analyzer: Any) -> None:
    result = run_analyzer(fabric, {
        "fabfile.py": """\
            from fabric.api import env, execute, run, task
            import os

            env.hosts = os.environ["HOSTS"].split(",")
            env.roledefs = load_roles()

            @task
            def weird(*args, **kwargs):
                run()
                run(None)
                run(["ls"])
                execute(undefined_thing)
                execute(lambda: run("x"))
                cmd = "%s %d %(x)s" % ("a",)
                run(cmd + 5)
                run("{0} {missing} {1[2]}".format("a"))
                run(f"{undefined!r:>10}")
                run("a" * 3)
                [run(c) for c in ("ls", "pwd")]
                weird()
                while True:
                    run("sleep 1")
            """,
        "deploy/binary.py": b"\x00\x01from fabric.api import run",
    })
    assert result.warnings == [w for w in result.warnings if w.file == "deploy/binary.py"]
    assert all(isinstance(f, Finding) for f in result.findings)


@pytest.mark.parametrize(
    ("command", "parts"),
    [
        ("a && b; c || d", [("a", False), ("b", False), ("c", False), ("d", False)]),
        ("nohup gunicorn x & echo started", [("nohup gunicorn x", True), ("echo started", False)]),
        ("echo 'a && b' \"c; d\"", [("echo 'a && b' \"c; d\"", False)]),
        ("cmd > log 2>&1 &", [("cmd > log 2>&1", True)]),
        ("x=$(cat a; cat b) && y", [("x=$(cat a; cat b)", False), ("y", False)]),
        ("ps aux | grep gunicorn", [("ps aux | grep gunicorn", False)]),
        ("a\nb", [("a", False), ("b", False)]),
    ],
)
def test_split_commands(command: str, parts: list[tuple[str, bool]]) -> None:
    assert split_list(command) == parts


def test_helper_explosion_and_deep_nesting_become_warnings(run_analyzer: Any) -> None:
    helpers = "".join(f"def h{i}():\n    h{i + 1}()\n    h{i + 1}()\n" for i in range(22))
    explosive = f"from fabric.api import run, task\n\n@task\ndef deploy():\n    run('git pull')\n    h0()\n\n{helpers}"
    chain = " + ".join(['"a"'] * 3000)
    result = run_analyzer(fabric, {
        "fabfile.py": explosive,
        "deploy/fab_deep.py": f"from fabric.api import run\n\ndef t():\n    run({chain})\n",
    })
    messages = {w.file: w.message for w in result.warnings}
    assert "stopped after 20000 statements" in messages["fabfile.py"]
    assert "fabfile not analyzed" in messages["deploy/fab_deep.py"]
    # what was found before the budget ran out is kept
    assert result.one(Kind.HOST_STEP, "git pull").source.line == 5
