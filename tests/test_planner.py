"""The planner: field-by-field merging, confidence order, conflicts, invariants, robustness."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from analyzers import base
from analyzers.base import DEF, H, I, Src
from migrator.model import Confidence, Kind
from migrator.planner import OVERRIDE_ANALYZER, analyze, plan

ORDER = {"procfile": 0, "systemd": 1, "nginx": 2, "python_code": 3}


def test_fields_merge_from_several_sources():
    model = plan(
        "app",
        [
            base.process("web", Src("procfile", "Procfile", 1), role="web", command="gunicorn app:app"),
            base.process("web", Src("systemd", "web.service", 9), memory_limit="512Mi"),
            base.process("web", Src("nginx", "site.conf", 4), I, port=8081),
        ],
        analyzer_order=ORDER,
    )
    web = model.process("web")
    assert web is not None
    assert (web.get("command"), web.get("memory_limit"), web.get("port")) == ("gunicorn app:app", "512Mi", 8081)
    assert [s.where() for s in web.sources] == ["Procfile:1", "web.service:9", "site.conf:4"]
    assert model.conflicts == ()


def test_higher_confidence_wins_and_both_are_kept():
    model = plan(
        "app",
        [
            base.process("web", Src("python_code", "app.py", 3), DEF, port=8000),
            base.process("web", Src("systemd", "web.service", 9), port=8081),
        ],
        analyzer_order=ORDER,
    )
    fact = model.process("web").facts["port"]  # type: ignore[union-attr]
    assert fact.value == 8081
    assert [c.value for c in fact.candidates] == [8081, 8000]
    assert fact.reason == "declared at web.service:9 outranks default at app.py:3"
    assert not fact.conflict  # a default never conflicts


def test_strong_disagreement_is_a_conflict_not_dropped():
    model = plan(
        "app",
        [
            base.process("web", Src("nginx", "site.conf", 4), I, port=8081),
            base.process("web", Src("systemd", "web.service", 9), port=9000),
        ],
        analyzer_order=ORDER,
    )
    fact = model.process("web").facts["port"]  # type: ignore[union-attr]
    assert fact.value == 9000 and fact.conflict
    (conflict,) = model.conflicts
    assert (conflict.kind, conflict.key, conflict.field) == (Kind.PROCESS, "web", "port")
    assert "9000 at web.service:9 (declared)" in conflict.describe()
    assert "8081 at site.conf:4 (inferred)" in conflict.describe()


def test_ties_break_by_analyzer_order_then_location():
    findings = [
        base.process("web", Src("systemd", "b.service", 2), command="b"),
        base.process("web", Src("procfile", "Procfile", 5), command="a"),
    ]
    for ordering in (findings, list(reversed(findings))):
        model = plan("app", ordering, analyzer_order=ORDER)
        fact = model.process("web").facts["command"]  # type: ignore[union-attr]
        assert fact.value == "a" and fact.conflict
        assert fact.reason.startswith("tie at declared: Procfile:5 (procfile) comes first")


def test_override_wins_and_is_not_a_conflict():
    override = base.process("web", Src(OVERRIDE_ANALYZER, "migrate.toml", None), port=9999)
    model = plan(
        "app", [base.process("web", Src("systemd", "w.service", 1), port=8081), override], analyzer_order=ORDER
    )
    fact = model.process("web").facts["port"]  # type: ignore[union-attr]
    assert fact.value == 9999 and not fact.conflict and "migrate.toml" in fact.reason


def test_secret_is_sticky_and_defaults_never_keep_secret_values():
    model = plan(
        "app",
        [
            base.env_var("DATABASE_URL", Src("python_code", "s.py", 1), default="postgres://u:pw@db/x"),
            base.env_var("DATABASE_URL", Src("dotenv", ".env.example", 2), secret=False),
            base.env_var("DEBUG", Src("python_code", "s.py", 2), default="false"),
        ],
    )
    by_name = {e.key: e for e in model.env}
    assert by_name["DATABASE_URL"].get("secret") is True
    assert by_name["DATABASE_URL"].get("default") is None
    assert by_name["DEBUG"].get("default") == "false" and by_name["DEBUG"].get("secret") is False


def test_every_string_is_scrubbed():
    model = plan("app", [base.release_step("PGPASSWORD=hunter2 psql -f x.sql", Src("shell", "d.sh", 3))])
    (step,) = model.of(Kind.RELEASE_STEP)
    assert "hunter2" not in step.get("command")


def test_schedulers_are_singletons():
    model = plan("app", [base.process("beat", Src("procfile", "Procfile", 3), role="scheduler", replicas=3)])
    fact = model.process("beat").facts["replicas"]  # type: ignore[union-attr]
    assert fact.value == 1 and "singletons" in fact.reason


def test_processes_sort_by_role():
    model = plan(
        "app",
        [
            base.process("worker", Src("procfile", "Procfile", 2), role="worker"),
            base.process("beat", Src("procfile", "Procfile", 3), role="scheduler"),
            base.process("web", Src("procfile", "Procfile", 1), role="web"),
        ],
    )
    assert [p.key for p in model.processes] == ["web", "worker", "beat"]
    assert model.web_process is not None and model.web_process.key == "web"


def test_a_crashing_analyzer_becomes_a_warning(tree):
    def boom(repo):
        raise RuntimeError("kaput")

    good = SimpleNamespace(NAME="good", analyze=lambda repo: [base.runtime(Src("good", "x", 1), language="python")])
    bad = SimpleNamespace(NAME="bad", analyze=boom)
    model = analyze(tree({"x": ""}), analyzers=[bad, good])
    assert model.runtime.get("language") == "python"
    assert [w.message for w in model.warnings] == ["analyzer bad failed: RuntimeError: kaput"]


def test_model_is_immutable():
    model = plan("app", [base.runtime(Src("a", "f", 1), language="python")])
    with pytest.raises(AttributeError):
        model.root_name = "x"  # type: ignore[misc]
    assert Confidence.DECLARED > Confidence.INFERRED > Confidence.HEURISTIC > Confidence.DEFAULT


def test_heuristic_disagreement_is_not_a_conflict():
    model = plan(
        "app",
        [
            base.health_check("/health", Src("python_code", "a.py", 1), H, port=8000),
            base.health_check("/health", Src("shell", "d.sh", 1), H, port=8081),
        ],
    )
    assert model.conflicts == ()


def test_a_secret_seen_by_two_analyzers_is_reported_once():
    from migrator.model import SecretFinding

    secrets = [
        SecretFinding(".env", 1, "SECRET_KEY", "secret_key", "dotenv"),
        SecretFinding(".env", 1, "SECRET_KEY", "secret_key", "systemd"),
    ]
    model = plan("app", [], secrets=secrets)
    assert [(s.file, s.line, s.name) for s in model.secrets_found] == [(".env", 1, "SECRET_KEY")]


def test_a_guessed_process_gives_way_to_a_declared_one_of_the_same_role():
    model = plan(
        "app",
        [
            base.process("web", Src("python_code", "app.py", 1), H, role="web", command="gunicorn app:app"),
            base.process("notes-web", Src("shell", "deploy.sh", 9), I, role="web", command="waitress-serve app:app"),
            base.process("worker", Src("python_code", "tasks.py", 1), H, role="worker", command="celery -A t worker"),
        ],
    )
    assert [p.key for p in model.processes] == ["notes-web", "worker"]


def test_host_paths_under_the_legacy_app_dir_become_image_paths():
    model = plan(
        "app",
        [
            base.runtime(Src("shell", "deploy.sh", 14), I, legacy_app_dir="/opt/notes"),
            base.schedule(
                "backup",
                Src("cron", "crontab.txt", 3),
                schedule="15 1 * * *",
                command="/opt/notes/scripts/backup.sh --full",
            ),
            base.process(
                "worker",
                Src("supervisor", "s.conf", 2),
                role="worker",
                working_dir="/srv/app",
                command="python /srv/app/worker.py --config=/srv/app/conf/w.ini /etc/other",
            ),
        ],
    )
    (backup,) = model.of(Kind.SCHEDULE)
    assert backup.get("command") == "scripts/backup.sh --full"
    assert "made relative" in backup.facts["command"].reason
    assert model.process("worker").get("command") == "python worker.py --config=conf/w.ini /etc/other"


def test_a_var_any_source_calls_secret_carries_no_default():
    model = plan(
        "app",
        [
            base.env_var("REDIS_URL", Src("python_code", "settings.py", 4), H, default="redis://localhost:6379/0"),
            base.env_var("REDIS_URL", Src("app_json", "app.json", 36), I, secret=True),
        ],
    )
    (redis,) = model.env
    assert redis.get("secret") is True and "default" not in redis.facts


def test_steps_inside_a_script_that_a_workload_runs_are_not_deploy_steps():
    model = plan(
        "app",
        [
            base.schedule("backup", Src("cron", "crontab.txt", 3), schedule="15 1 * * *", command="scripts/backup.sh"),
            base.host_step("tar czf /backup/x.tgz /data", Src("shell", "scripts/backup.sh", 5), "filesystem"),
            base.host_step("git pull", Src("shell", "deploy.sh", 4), "source checkout"),
        ],
    )
    assert [s.get("command") for s in model.of(Kind.HOST_STEP)] == ["git pull"]
