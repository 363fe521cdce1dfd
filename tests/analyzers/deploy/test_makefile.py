"""Tests for analyzers/deploy/makefile.py."""

from __future__ import annotations

from analyzers.base import Src
from analyzers.deploy import makefile
from migrator.model import Confidence, Kind

P = Kind.PROCESS


def mk(*lines: str) -> str:
    """A Makefile from lines (recipe lines start with a real tab)."""
    return "\n".join(lines) + "\n"


MAKEFILE = mk(
    "PYTHON ?= venv/bin/python",                       # 1
    "PORT := 8002",                                    # 2
    "export DJANGO_SETTINGS_MODULE = proj.settings",   # 3
    "APP = proj",                                      # 4
    "APP += extra",                                    # 5
    "export PATH := $(PWD)/venv/bin:$(PATH)",          # 6 (host plumbing: not an app env var)
    ".PHONY: run deploy migrate",                      # 7
    "run:",                                            # 8
    "\t@$(PYTHON) -m gunicorn proj.wsgi -b 0.0.0.0:$(PORT) -w 3",  # 9
    "",                                                # 10
    "migrate: ## apply migrations",                    # 11
    "\t-$(PYTHON) manage.py migrate --noinput",        # 12
    "",                                                # 13
    "deploy: build",                                   # 14
    "\tgit pull && \\",                                # 15
    "\t  pip install -r requirements.txt",             # 16
    "\t$(MAKE) migrate",                               # 17
    "\tsudo systemctl restart $(APP)",                 # 18
    "",                                                # 19
    "build: ; npm run build",                          # 20
    "test:",                                           # 21
    "\tpytest -x",                                     # 22
    "clean:",                                          # 23
    "\trm -rf build/",                                 # 24
)


def test_targets_recipes_and_lines(run_analyzer):
    r = run_analyzer(makefile, {"Makefile": MAKEFILE})
    web = r.one(P, "web")
    assert web.fields["command"] == "python -m gunicorn proj.wsgi -b 0.0.0.0:8002 -w 3"
    assert (web.fields["role"], web.fields["port"], web.fields["workers"]) == ("web", 8002, 3)
    assert web.fields["legacy_name"] == "make run"
    assert (web.source.file, web.source.line, web.source.confidence) == ("Makefile", 9, Confidence.DECLARED)

    step = r.one(Kind.RELEASE_STEP)
    assert (step.key, step.source.line) == ("python manage.py migrate --noinput", 12)
    build = r.one(Kind.BUILD_STEP)
    assert (build.key, build.source.line) == ("npm run build", 20)
    hosts = sorted((f.key, f.source.line) for f in r.of(Kind.HOST_STEP))
    # a continued recipe line keeps the line of each command; clean/test targets are not deployment
    assert hosts == [
        ("git pull", 15), ("pip install -r requirements.txt", 16), ("sudo systemctl restart proj extra", 18)
    ]
    assert r.keys(Kind.ENV) == ["DJANGO_SETTINGS_MODULE"]
    env = r.one(Kind.ENV, "DJANGO_SETTINGS_MODULE")
    assert (env.fields["default"], env.source.line, env.source.confidence) == ("proj.settings", 3, Confidence.INFERRED)
    assert not r.warnings and not r.secrets


def test_dollar_escapes_automatic_vars_and_ssh_loops(run_analyzer):
    r = run_analyzer(makefile, {"deploy/app.mk": mk(
        "SERVERS = web1 web2",
        "release-prod: requirements.txt",
        "\tfor h in $(SERVERS); do ssh $$h 'cd /srv && alembic upgrade head'; done",
        "\tscp $< deploy@web1:/srv/$@.txt",
        "\techo $${HOME} $(UNKNOWN)",
    )})
    step = r.one(Kind.RELEASE_STEP)
    assert (step.key, step.source.line, step.source.file) == ("alembic upgrade head", 3, "deploy/app.mk")
    hint = r.one(P, "web")
    assert (hint.fields["replicas"], hint.source.line, hint.source.confidence) == (2, 3, Confidence.HEURISTIC)
    assert r.one(Kind.HOST_STEP).key == "scp requirements.txt deploy@web1:/srv/release-prod.txt"


def test_dev_server_in_serve_target_is_heuristic(run_analyzer):
    r = run_analyzer(makefile, {"Makefile": mk(
        "serve:",
        "\tpython manage.py runserver 0.0.0.0:8080",
        "worker:",
        "\tcelery -A proj worker -l info",
    )})
    web = r.one(P, "web")
    assert (web.fields["port"], web.fields["dev_server"], web.source.confidence) == (8080, True, Confidence.HEURISTIC)
    worker = r.one(P, "worker")
    assert (worker.fields["command"], worker.source.line, worker.source.confidence) == (
        "celery -A proj worker -l info", 4, Confidence.DECLARED)


def test_secrets_in_variables_and_recipes_never_leak(run_analyzer):
    r = run_analyzer(makefile, {"Makefile": mk(
        "DB_PASSWORD := Hunter2Hunter2",
        "export SECRET_KEY = s3cr3t-k3y-value",
        "deploy:",
        "\tmysql -uroot -pMyS3cretPw app < dump.sql",
        "\tPGPASSWORD=$(DB_PASSWORD) psql -h db -c 'select 1'",
    )})
    assert sorted((s.line, s.name) for s in r.secrets) == [(1, "DB_PASSWORD"), (2, "SECRET_KEY"), (4, "mysql -p")]
    assert r.one(Kind.ENV, "SECRET_KEY").fields == {"secret": True}
    text = repr(r.items)
    assert "Hunter2Hunter2" not in text and "s3cr3t-k3y-value" not in text and "MyS3cretPw" not in text


def test_odd_makefiles_do_not_break_parsing(run_analyzer):
    r = run_analyzer(makefile, {
        "Makefile": mk(
            "define HELP",
            "deploy: not a rule",
            "endef",
            "ifeq ($(ENV),prod)",
            "FLAGS = -O",
            "else",
            "FLAGS =",
            "endif",
            "VERSION != git describe",
            "%.o: %.c",
            "\t$(CC) -c $<",
            "deploy:",
            "\t[[ -n \"$$X\" ]] && case x in y) git pull;; esac",
            "\t$(shell echo hi)",
            "start: ;",
        ),
        "docs/empty.mk": "",
        "bin.mk": b"\x00\x01",
    })
    assert r.one(Kind.HOST_STEP).key == "git pull"
    assert r.one(Kind.HOST_STEP).source.line == 13
    # [[ ]] and case parse through tree-sitter-bash: no line is skipped, so no warning
    assert [w.line for w in r.warnings if w.file == "Makefile"] == []
    assert makefile.parse("a: b\n\tc\n", Src("makefile", "Makefile")).rules["a"].recipe == [(2, "c")]


def test_recipes_with_double_bracket_tests_and_case_are_read_with_their_lines(run_analyzer):
    r = run_analyzer(makefile, {"Makefile": mk(
        "SHELL := /bin/bash",                                             # 1
        "ENV ?= staging",                                                 # 2
        "deploy:",                                                        # 3
        "\t@if [[ \"$(ENV)\" == prod && -f .release ]]; then \\",         # 4
        "\t  ./venv/bin/python manage.py migrate --noinput; \\",          # 5
        "\tfi",                                                           # 6
        "\t[[ -d static ]] || ./venv/bin/python manage.py collectstatic --noinput",  # 7
        "\tcase \"$$ROLE\" in \\",                                        # 8
        "\t  web|all) sudo systemctl restart shop-web ;; \\",             # 9
        "\t  worker) sudo systemctl restart shop-worker ;; \\",           # 10
        "\tesac",                                                         # 11
        "run:",                                                           # 12
        "\t[[ -n \"$$DEBUG\" ]] && exec flask run || exec gunicorn app:app -b :8000",  # 13
    )})
    assert not [w for w in r.warnings if w.file == "Makefile"]  # nothing skipped any more
    assert [(f.key, f.source.line) for f in r.of(Kind.RELEASE_STEP)] == [("python manage.py migrate --noinput", 5)]
    assert [(f.key, f.source.line) for f in r.of(Kind.BUILD_STEP)] == [
        ("python manage.py collectstatic --noinput", 7)]
    assert sorted((f.key, f.source.line) for f in r.of(Kind.HOST_STEP)) == [
        ("sudo systemctl restart shop-web", 9), ("sudo systemctl restart shop-worker", 10)]
    web = [f for f in r.of(P, "web") if f.fields.get("app_server") == "gunicorn"]
    assert [(f.fields["command"], f.source.line) for f in web] == [("gunicorn app:app -b :8000", 13)]
