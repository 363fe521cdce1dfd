"""Python 2 sources give the analyzers the same facts, at the same lines, as their Python 3 twins.

Each case is one file written twice, line for line: once in Python 3, once in the Python 2 a legacy
repo has (print statements, ``except E, e``, ``raise E, V``, ``0755``, ``<>``, backticks, ``ur''``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from analyzers import appserver_config, python_code, python_version, setuptools
from analyzers.deploy import fabric
from migrator.model import Confidence, Finding, Kind, SecretFinding, Warning

FABFILE_PY3 = """\
    from fabric.api import cd, env, local, roles, run, sudo, task
    import sys

    env.user = "deploy"
    env.roledefs = {"web": ["web1.example.com", "web2.example.com"], "db": ["db1.example.com"]}
    APP_DIR = "/srv/guestbook"
    MODE = 0o755


    @task
    @roles("web")
    def deploy(branch="master"):
        print("Deploying %s" % branch)
        local("python -m compileall -q guestbook")
        with cd(APP_DIR):
            try:
                run("git pull origin %s" % branch)
            except Exception as e:
                print("pull failed: %s" % e, file=sys.stderr)
                raise SystemExit("abort")
            run("venv/bin/pip install -r requirements.txt")
            run("venv/bin/python manage.py migrate --noinput")
            sudo("chmod %o /srv/guestbook/uploads" % MODE)
            sudo("supervisorctl restart guestbook")
        if branch != "master":
            print(repr(branch))
        run("curl -fsS http://localhost:8000/healthz")
    """

FABFILE_PY2 = """\
    from fabric.api import cd, env, local, roles, run, sudo, task
    import sys

    env.user = "deploy"
    env.roledefs = {"web": ["web1.example.com", "web2.example.com"], "db": ["db1.example.com"]}
    APP_DIR = "/srv/guestbook"
    MODE = 0755


    @task
    @roles("web")
    def deploy(branch="master"):
        print "Deploying %s" % branch
        local("python -m compileall -q guestbook")
        with cd(APP_DIR):
            try:
                run("git pull origin %s" % branch)
            except Exception, e:
                print >>sys.stderr, "pull failed: %s" % e
                raise SystemExit, "abort"
            run("venv/bin/pip install -r requirements.txt")
            run("venv/bin/python manage.py migrate --noinput")
            sudo("chmod %o /srv/guestbook/uploads" % MODE)
            sudo("supervisorctl restart guestbook")
        if branch <> "master":
            print `branch`
        run("curl -fsS http://localhost:8000/healthz")
    """

APP_PY3 = """\
    import os
    from flask import Flask

    app = Flask(__name__)
    app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    DATABASE_URL = os.environ.get("DATABASE_URL", "postgres://db:5432/guestbook")
    UPLOAD_MODE = 0o644
    TITLE = os.getenv("GUESTBOOK_TITLE", r"Guest\\book")


    @app.route("/healthz")
    def healthz():
        try:
            return "ok"
        except IOError as e:
            print("health failed: %s" % e)
            raise


    if __name__ == "__main__":
        print("dev server")
        app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "5000")))
    """

APP_PY2 = """\
    import os
    from flask import Flask

    app = Flask(__name__)
    app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    DATABASE_URL = os.environ.get("DATABASE_URL", "postgres://db:5432/guestbook")
    UPLOAD_MODE = 0644
    TITLE = os.getenv("GUESTBOOK_TITLE", ur"Guest\\book")


    @app.route("/healthz")
    def healthz():
        try:
            return "ok"
        except IOError, e:
            print "health failed: %s" % e
            raise


    if __name__ == "__main__":
        print "dev server"
        app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "5000")))
    """

SETUP_PY3 = """\
    from setuptools import setup

    REQUIRES = ["Flask>=0.12,<1.1", "gunicorn==19.10.0"]
    try:
        long_description = open("README.md").read()
    except IOError as e:
        print("no README: %s" % e)
        long_description = ""
    setup(
        name="guestbook",
        install_requires=REQUIRES,
        entry_points={"console_scripts": ["guestbook-purge = guestbook.purge:main"]},
    )
    """

SETUP_PY2 = """\
    from setuptools import setup

    REQUIRES = ["Flask>=0.12,<1.1", "gunicorn==19.10.0"]
    try:
        long_description = open("README.md").read()
    except IOError, e:
        print "no README: %s" % e
        long_description = ""
    setup(
        name="guestbook",
        install_requires=REQUIRES,
        entry_points={"console_scripts": ["guestbook-purge = guestbook.purge:main"]},
    )
    """

GUNICORN_PY3 = """\
    import multiprocessing
    print("gunicorn config loaded")
    bind = "0.0.0.0:%d" % 8081
    workers = multiprocessing.cpu_count() * 2 + 1
    umask = 0o22
    timeout = 60
    """

GUNICORN_PY2 = """\
    import multiprocessing
    print "gunicorn config loaded"
    bind = "0.0.0.0:%d" % 8081
    workers = multiprocessing.cpu_count() * 2 + 1
    umask = 022
    timeout = 60
    """

Facts = list[tuple[Any, ...]]
Run = Callable[[Any, dict[str, str | bytes]], Any]


def facts(result: Any, *, drop_py2_version: bool = False) -> Facts:
    """Every finding, secret and warning as comparable tuples (line numbers included)."""
    out: Facts = []
    for item in result.items:
        if isinstance(item, Finding):
            if drop_py2_version and item.kind is Kind.RUNTIME and item.fields.get("version") == "2.7":
                continue
            out.append((item.kind.value, item.key, sorted(item.fields.items(), key=str), item.source.file,
                        item.source.line, item.source.confidence.label))
        elif isinstance(item, SecretFinding):
            out.append(("secret", item.file, item.line, item.name, item.kind))
        elif isinstance(item, Warning):
            out.append(("warning", item.file, item.line, item.message))
    return sorted(out, key=str)


def test_fabfile_tasks_hosts_and_commands_are_the_same(run_analyzer: Run) -> None:
    py3 = run_analyzer(fabric, {"fabfile.py": FABFILE_PY3})
    py2 = run_analyzer(fabric, {"fabfile.py": FABFILE_PY2})
    assert facts(py2) == facts(py3)
    assert not py2.warnings
    # the facts themselves, so the comparison cannot pass on two empty results
    assert py2.one(Kind.RELEASE_STEP, "python manage.py migrate --noinput").source.line == 22
    assert py2.one(Kind.HOST_STEP, "git pull origin master").source.line == 17
    assert py2.one(Kind.HOST_STEP, "chmod 755 /srv/guestbook/uploads").source.line == 23
    assert [f.source.line for f in py2.of(Kind.HEALTH_CHECK)] == [27]
    hint = [f for f in py2.of(Kind.PROCESS) if "replicas" in f.fields]
    assert [(f.fields["replicas"], f.source.line) for f in hint] == [(2, 5)]  # env.roledefs['web']


def test_fabfile_syntax_says_nothing_about_the_apps_python(run_analyzer: Run) -> None:
    py2 = run_analyzer(fabric, {"fabfile.py": FABFILE_PY2})
    assert not [f for f in py2.of(Kind.RUNTIME) if "version" in f.fields]


def test_app_code_gives_the_same_env_routes_and_app(run_analyzer: Run) -> None:
    py3 = run_analyzer(python_code, {"guestbook/__init__.py": "", "guestbook/app.py": APP_PY3})
    py2 = run_analyzer(python_code, {"guestbook/__init__.py": "", "guestbook/app.py": APP_PY2})
    assert facts(py2, drop_py2_version=True) == facts(py3)
    assert py2.keys(Kind.ENV) == ["DATABASE_URL", "GUESTBOOK_TITLE", "PORT", "SECRET_KEY"]
    assert py2.field(Kind.ENV, "GUESTBOOK_TITLE", "default") == "Guest\\book"
    assert [(h.key, h.source.line) for h in py2.of(Kind.HEALTH_CHECK)] == [("/healthz", 11)]
    assert py2.keys(Kind.SERVICE) == ["postgres"]


def test_python_2_app_code_is_inferred_evidence_for_2_7(run_analyzer: Run) -> None:
    py2 = run_analyzer(python_code, {"guestbook/__init__.py": "", "guestbook/app.py": APP_PY2})
    versions = [(f.fields["version"], f.source.file, f.source.line, f.source.confidence)
                for f in py2.of(Kind.RUNTIME) if "version" in f.fields]
    assert versions == [("2.7", "guestbook/app.py", 7, Confidence.INFERRED)]  # 0644, the first construct
    py3 = run_analyzer(python_code, {"guestbook/__init__.py": "", "guestbook/app.py": APP_PY3})
    assert not [f for f in py3.of(Kind.RUNTIME) if "version" in f.fields]


def test_a_python_2_module_without_other_facts_is_still_read_for_the_version(run_analyzer: Run) -> None:
    r = run_analyzer(python_code, {"util.py": "def shout(s):\n    print s.upper()\n"})
    assert [(f.fields["version"], f.source.file, f.source.line) for f in r.of(Kind.RUNTIME)] == [("2.7", "util.py", 2)]


def test_one_stale_python_2_script_in_a_python_3_app_decides_nothing(run_analyzer: Run) -> None:
    r = run_analyzer(python_code, {
        "app/views.py": 'def greet(name):\n    return f"hello {name}"\n',
        "scripts/old_import.py": "import os\nprint 'importing', os.environ.get('IMPORT_DIR')\n",
    })
    assert not [f for f in r.of(Kind.RUNTIME) if "version" in f.fields]
    assert [(w.file, w.line) for w in r.warnings] == [("scripts/old_import.py", 2)]
    assert "app/views.py:2 is Python 3 only" in r.warnings[0].message
    assert r.keys(Kind.ENV) == ["IMPORT_DIR"]  # the stale file is still read


def test_setup_py_keywords_are_the_same(run_analyzer: Run) -> None:
    py3 = run_analyzer(setuptools, {"setup.py": SETUP_PY3})
    py2 = run_analyzer(setuptools, {"setup.py": SETUP_PY2})
    assert facts(py2) == facts(py3)
    assert py2.keys(Kind.RUNTIME) == [""] and py2.field(Kind.RUNTIME, "", "console_scripts")


def test_python_2_only_classifiers_say_2_7(run_analyzer: Run) -> None:
    classifiers = """\
        from setuptools import setup
        setup(
            name="guestbook",
            classifiers=[
                "Framework :: Flask",
                "Programming Language :: Python :: 2",
                "Programming Language :: Python :: 2.7",
            ],
        )
        """
    r = run_analyzer(setuptools, {"setup.py": classifiers})
    found = [(f.fields["version"], f.source.line, f.source.confidence)
             for f in r.of(Kind.RUNTIME) if "version" in f.fields]
    assert found == [("2.7", 6, Confidence.INFERRED)]
    both = classifiers.replace('"Programming Language :: Python :: 2.7",', '"Programming Language :: Python :: 3.6",')
    r = run_analyzer(setuptools, {"setup.py": both})
    assert not [f for f in r.of(Kind.RUNTIME) if "version" in f.fields]


def test_setup_cfg_classifiers(run_analyzer: Run) -> None:
    r = run_analyzer(setuptools, {"setup.cfg": """\
        [metadata]
        name = guestbook
        classifiers =
            Programming Language :: Python :: 2 :: Only
        [options]
        install_requires = flask
        """})
    assert [(f.fields["version"], f.source.line) for f in r.of(Kind.RUNTIME) if "version" in f.fields] == [("2.7", 4)]


def test_gunicorn_config_is_the_same(run_analyzer: Run) -> None:
    py3 = run_analyzer(appserver_config, {"gunicorn.conf.py": GUNICORN_PY3})
    py2 = run_analyzer(appserver_config, {"gunicorn.conf.py": GUNICORN_PY2})
    assert facts(py2) == facts(py3)
    assert py2.field(Kind.PROCESS, "web", "port") == 8081


def test_python_2_interpreters_named_by_the_host(run_analyzer: Run) -> None:
    r = run_analyzer(python_version, {
        "deploy/guestbook.service": "[Service]\n# was python2 once\nExecStart=/usr/bin/python2.7 -m guestbook\n",
        "deploy/provision.sh": "apt-get install -y python-dev\nvirtualenv --python=python2 /srv/venv\n",
        "scripts/purge.py": "#!/usr/bin/env python2\nprint 'x'\n",
        "scripts/new.py": "#!/usr/bin/env python3\n# python2 compatible\n",
        "deploy/site.conf": "pythonpath = /usr/lib/python2.7/dist-packages\n",
    })
    found = sorted((f.source.file, f.source.line, f.fields["version"], f.source.confidence) for f in r.of(Kind.RUNTIME))
    assert found == [
        ("deploy/guestbook.service", 3, "2.7", Confidence.HEURISTIC),
        ("deploy/provision.sh", 2, "2.7", Confidence.HEURISTIC),
    ]


def test_python_2_shebangs_of_the_apps_scripts(run_analyzer: Run) -> None:
    r = run_analyzer(python_code, {
        "scripts/purge.py": "#!/usr/bin/env python2\nimport sys\nsys.exit(0)\n",
        "scripts/new.py": "#!/usr/bin/env python3\n# python2 compatible\n",
    })
    found = [(f.source.file, f.source.line, f.fields["version"], f.source.confidence) for f in r.of(Kind.RUNTIME)]
    assert found == [("scripts/purge.py", 1, "2.7", Confidence.HEURISTIC)]


def test_python_2_constraints() -> None:
    from analyzers.python_version import version_from_constraint

    assert version_from_constraint(">=2.7, <3") == ("2.7", Confidence.INFERRED)
    assert version_from_constraint(">=2.7") == ("2.7", Confidence.HEURISTIC)  # not 3.0, which has no image
    assert version_from_constraint(">=2.7, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*") == ("2.7", Confidence.HEURISTIC)
