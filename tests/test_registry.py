"""The registry: analyzers built from tiers in today's order, providers gating their analyzers."""

from __future__ import annotations

from pathlib import Path

from analyzers import registry
from analyzers.providers import python, ruby
from migrator.planner import analyze
from migrator.repo import PRUNED_DIRS, RepoView

# The tie-break order reports have always used (earlier wins among equal confidence): built from tiers
# now, and it must not move, or every tie in every report could change winner.
ORDER = ["procfile", "app_json", "appserver_config", "ruby_server_config", "php_server_config", "systemd",
         "supervisor", "cron", "nginx", "caddy", "haproxy", "pm2", "forever", "ruby_schedules", "php_schedules",
         "python_version", "requirements", "pipenv", "pyproject", "setuptools", "ci_python", "node_version",
         "node_packaging", "ruby_version", "ruby_packaging", "php_version", "php_packaging", "fabric", "capistrano",
         "mina", "envoy", "deployer", "shell", "script_needs", "makefile", "python_code", "python_entrypoints",
         "python_writes", "python_hosts", "node_code", "ruby_code", "ruby_workers", "php_code", "dockerfile",
         "compose", "dotenv", "secret_files"]
PYTHON = ["appserver_config", "python_version", "requirements", "pipenv", "pyproject", "setuptools", "ci_python",
          "python_code", "python_entrypoints", "python_writes", "python_hosts"]
NODE = ["pm2", "forever", "node_version", "node_packaging", "node_code"]
RUBY = ["ruby_server_config", "ruby_schedules", "ruby_version", "ruby_packaging", "ruby_code", "ruby_workers"]
PHP = ["php_server_config", "php_schedules", "php_version", "php_packaging", "php_code"]


def test_analyzers_come_out_of_the_tiers_in_todays_order():
    assert [a.NAME for a in registry.ANALYZERS] == ORDER
    assert [a.NAME for a in registry.analyzers({"python", "node", "ruby", "php"})] == ORDER
    assert [a.NAME for a in registry.analyzers({"python", "node", "ruby"})] == [n for n in ORDER if n not in PHP]
    assert [a.NAME for a in registry.analyzers({"python", "node"})] == [n for n in ORDER if n not in RUBY + PHP]
    assert [a.NAME for a in registry.analyzers({"python"})] == [n for n in ORDER if n not in NODE + RUBY + PHP]
    assert [a.NAME for a in registry.analyzers(set())] == [n for n in ORDER if n not in PYTHON + NODE + RUBY + PHP]
    assert sorted(a.NAME for tier in python.ANALYZERS.values() for a in tier) == sorted(PYTHON)


def test_names_are_unique_and_providers_are_found_by_name_and_buildpack():
    analyzer_names = [a.NAME for a in registry.ANALYZERS]
    assert len(set(analyzer_names)) == len(analyzer_names)
    assert not {p.NAME for p in registry.PROVIDERS} & set(analyzer_names)  # a report names both apart
    assert registry.provider("python") is python and registry.provider("cobol") is None
    assert registry.provider_for_buildpack("python") == "python"
    assert registry.provider_for_buildpack("nodejs") == "node"
    assert registry.provider_for_buildpack("heroku/nodejs") == "node"
    assert registry.provider_for_buildpack("ruby") == "ruby"
    assert registry.provider_for_buildpack("heroku/ruby") == "ruby"
    assert registry.provider_for_buildpack("php") == "php"
    assert registry.provider_for_buildpack("heroku/php") == "php"
    assert registry.provider_for_buildpack("go") == "go"  # a marker
    assert registry.provider_for_buildpack("cobol") is None


def test_the_walk_prunes_what_the_registry_says():
    # RepoView's default (used where no registry is at hand: verify, the writer) is the registry's set
    assert registry.pruned().names == PRUNED_DIRS
    assert python.PRUNED.names <= PRUNED_DIRS and "__pycache__" not in registry.CORE_PRUNED


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def test_python_analyzers_run_only_when_python_is_detected(tmp_path):
    node = write(tmp_path / "node", {"package.json": '{"scripts": {"start": "node server.js"}}\n',
                                     "server.js": "require('http').createServer().listen(3000)\n",
                                     "Procfile": "web: node server.js\n"})
    model = analyze(node)
    assert not set(PYTHON) & set(model.analyzers)
    assert model.process("web") is not None  # the deploy readers still ran
    flask = write(tmp_path / "flask", {"app.py": "from flask import Flask\napp = Flask(__name__)\n"})
    assert set(PYTHON) <= set(analyze(flask).analyzers)


def test_detect_finds_python_by_manifest_source_or_content(tmp_path):
    assert python.detect(RepoView(write(tmp_path / "none", {"README.md": "# docs\n"}))) is None
    reqs = python.detect(RepoView(write(tmp_path / "reqs", {"requirements/prod.txt": "django\n"})))
    assert reqs is not None and reqs.evidence[0].file == "requirements/prod.txt"
    code = python.detect(RepoView(write(tmp_path / "code", {"src/a/b.py": "", "tool.py": ""})))
    assert code is not None and code.evidence[0].file == "tool.py" and code.evidence[0].what == "2 Python files"
    # no manifest, no .py: a CI job's Python version or a uWSGI ini is still Python
    ci = python.detect(RepoView(write(tmp_path / "ci", {".travis.yml": "language: python\npython: 3.6\n"})))
    assert ci is not None and ci.evidence[0].file == ".travis.yml"
    ini = python.detect(RepoView(write(tmp_path / "ini", {"deploy/app.ini": "[uwsgi]\nmodule = app:app\n"})))
    assert ini is not None and ini.evidence[0].file == "deploy/app.ini"


def test_a_crashing_detect_keeps_the_providers_analyzers(tmp_path, monkeypatch):
    def broken(repo: RepoView) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(python, "detect", broken)
    model = analyze(write(tmp_path, {"README.md": "x\n"}))
    assert set(PYTHON) <= set(model.analyzers)
    assert any("provider python failed to detect: RuntimeError: boom" in w.message for w in model.warnings)


def test_step_rules_keep_todays_first_match_order():
    # release before build before host, then each rule's order: the old single table's sequence
    rules = registry.step_rules()
    kinds = [r.kind.value for r in rules]
    assert kinds == sorted(kinds, key=["release", "build", "host"].index)
    orders = {(r.kind, r.order) for r in rules}
    assert len(orders) == len(rules), "two rules share a position: their first match would depend on the table"
    pattern = [r.pattern.pattern for r in rules]
    ruby_migrate = next(r.pattern.pattern for r in ruby.STEP_RULES if "db:migrate" in r.pattern.pattern)
    assert pattern.index(ruby_migrate) < pattern.index(r"\bknex\s+migrate:latest\b")  # the marker's place (40)
    assert pattern.index(r"\bpybabel\s+compile\b") > pattern.index(r"\b(webpack|gulp|grunt)\b(?!-)")
