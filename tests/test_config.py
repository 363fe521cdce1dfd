"""migrate.toml: validated against its documented schema (every check: CLI exit code and message), read
through RepoView (never through a symlink out of the repository, never a FIFO), docs and JSON Schema in
sync with the schema."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import tomlkit
from click.testing import CliRunner

from migrator import config_docs
from migrator.cli import main
from migrator.config import load, load_overrides, load_settings
from migrator.config_schema import SECTIONS, problems
from migrator.generate import generate
from tests.conftest import ROOT

Tree = Callable[[dict[str, str | bytes]], Path]
APP: dict[str, str | bytes] = {
    "Procfile": "web: gunicorn shop.wsgi --bind 0.0.0.0:$PORT\nworker: celery -A shop worker\n",
    "requirements.txt": "Django==4.2.11\ngunicorn==22.0.0\ncelery==5.3.6\n",
}

# (migrate.toml, the key path in the message, what the message says is expected)
INVALID = [
    ('env = "x"\n', "env", "expected a table of [env.NAME] tables, got a string"),
    ("processes = 5\n", "processes", "expected a table of [processes.NAME] tables, got an integer (5)"),
    ("[env.X]\ndefault = [1, 2]\n", "env.X.default", "expected a string, number or boolean, got an array"),
    ('[env.X]\nsecret = "yes"\n', "env.X.secret", 'expected true or false, got a string ("yes")'),
    ('[env."BAD NAME"]\nsecret = true\n', 'env."BAD NAME"', "expected an environment variable name matching"),
    ("[processes.web]\nport = 1\n[processes.web.extra]\nx = 1\n", "processes.web.extra", "unknown key"),
    ('[processes]\nweb = "gunicorn app:app"\n', "processes.web", "expected a table ([processes.web]), got a string"),
    ('[resources]\ncpu_limit = "banana"\n', "resources.cpu_limit", 'expected a CPU quantity such as "500m"'),
    ('[resources]\nmemory_limit = "512m"\n', "resources.memory_limit", '"m" would mean thousandths of a byte'),
    ('[resources]\nmemory_request = "0Mi"\n', "resources.memory_request", "expected a memory quantity"),
    ('[processes.web]\ncpu_limit = "banana"\n', "processes.web.cpu_limit", "expected a CPU quantity"),
    ("[processes.web]\ncpu_limit = 0\n", "processes.web.cpu_limit", "(greater than 0), got an integer (0)"),
    ('[processes.web]\nport = "eighty"\n', "processes.web.port", 'expected an integer from 1 to 65535, got a string'),
    ("[processes.web]\nport = 70000\n", "processes.web.port", "expected an integer from 1 to 65535, got an integer"),
    ("[processes.web]\nreplicas = -5\n", "processes.web.replicas", "expected an integer from 1 to 1000, got an "
     "integer (-5)"),
    ("[processes.web]\nreplicas = 2.5\n", "processes.web.replicas", "got a float (2.5)"),
    ("[offline_jobs.nightly]\nreason = 5\n", "offline_jobs.nightly.reason", "expected a non-empty sentence"),
    ('[offline_jobs.nightly]\nreason = " "\n', "offline_jobs.nightly.reason", "expected a non-empty sentence"),
    ('[processes.web]\nrole = "daemon"\n', "processes.web.role", "expected one of web, worker, scheduler"),
    ('[processes.web]\ncommand = ""\n', "processes.web.command", "expected a non-empty command line"),
    ('[processes.web]\nuser = "Root User"\n', "processes.web.user", "expected a user name matching"),
    ("[processes.web]\nstop_timeout = -1\n", "processes.web.stop_timeout", "seconds from 0 to 86400"),
    ("[health]\npath = 5\n", "health.path", 'expected an absolute URL path such as "/healthz"'),
    ('[health]\npath = "healthz"\n', "health.path", "starts with \"/\""),
    ('[health]\npath = "/a b"\n', "health.path", "no spaces"),
    ("[health]\nport = 0\n", "health.port", "expected an integer from 1 to 65535"),
    ('[generate]\nnamespace = "Bad_NS"\n', "generate.namespace", "expected a Kubernetes namespace name"),
    ('[generate]\nnamespace = "default"\n', "generate.namespace", "'default' is refused"),
    ('[generate]\nnamespace = "' + "n" * 64 + '"\n', "generate.namespace", "at most 63"),
    ('[generate]\nimage = "Owner+Name"\n', "generate.image", "expected an image reference"),
    ('[generate]\nimage = "app:latest"\n', "generate.image", "tag 'latest' is refused"),
    ('[generate]\nbase_image = "python 3.12"\n', "generate.base_image", "expected an image reference"),
    ('[generate]\nregistry = "https://ghcr.io/acme"\n', "generate.registry", "expected a registry host and path"),
    ('[generate]\ntag = "latest"\n', "generate.tag", "'latest' is refused"),
    ('[generate]\ntag = "v1 beta"\n', "generate.tag", "expected an image tag matching"),
    ("[generate]\nreplicas = true\n", "generate.replicas", "got a boolean (true)"),
    ("[generate]\nport = 99999\n", "generate.port", "expected an integer from 1 to 65535"),
    ('[generate]\nbuildkit = "yes"\n', "generate.buildkit", "expected true or false"),
    ("[generate]\nimage_name = 1\n", "generate.image_name", "unknown key (known: image, registry, tag"),
    ("[runtime]\nversion = 3.1\n", "runtime.version", 'expected a version such as "3.12" (quoted'),
    ('[runtime]\npackage_manager = "conda"\n', "runtime.package_manager", "expected one of pip, pipenv"),
    ('[runtime]\nrequirements_file = "../outside.txt"\n', "runtime.requirements_file", "a path inside the "
     "repository"),
    ('[runtime]\nlanguage = "Python 3"\n', "runtime.language", "expected a lower-case language name"),
    ("[bogus]\nx = 1\n", "bogus",
     "unknown table (known: runtime, processes, env, health, generate, image, offline_jobs, resources)"),
    ("when = 2024-01-01\n", "when", "unknown table"),
]


def write(tree: Tree, toml: str) -> Path:
    return tree({**APP, "migrate.toml": toml})


@pytest.mark.parametrize(("toml", "key", "expected"), INVALID, ids=[k for _, k, _ in INVALID])
@pytest.mark.parametrize("command", [["analyze"], ["generate", "--dry-run"]])
def test_every_check_exits_1_naming_the_key_and_the_expected_value(
    tree: Tree, toml: str, key: str, expected: str, command: list[str]
) -> None:
    root = write(tree, toml)
    result = CliRunner().invoke(main, [*command, str(root)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and "internal error" not in result.output
    assert "migrate.toml is not valid (1 problem; see docs/migrate-toml.md):" in result.stderr
    assert f"  {key}: {expected}" in result.stderr or (f"  {key}: " in result.stderr and expected in result.stderr)
    assert result.stdout == ""  # nothing generated or reported from a config that was refused


def test_every_problem_is_listed_at_once(tree: Tree) -> None:
    root = write(tree, '[processes.web]\nport = "eighty"\nreplicas = -5\n[resources]\ncpu_limit = "banana"\n')
    result = CliRunner().invoke(main, ["analyze", str(root)])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == "migrate: error: migrate.toml is not valid (3 problems; see docs/migrate-toml.md):"
    assert [line.split(":")[0].strip() for line in lines[1:]] == [
        "processes.web.port", "processes.web.replicas", "resources.cpu_limit"]


def test_an_env_default_is_never_echoed(tree: Tree) -> None:
    root = write(tree, '[env.ADMIN_PASSWORD]\ndefault = ["hunter2-not-shown"]\n')
    result = CliRunner().invoke(main, ["analyze", str(root)])
    assert result.exit_code == 1 and "env.ADMIN_PASSWORD.default" in result.stderr
    assert "hunter2" not in result.output


def test_hostile_keys_are_shown_escaped(tree: Tree) -> None:
    root = write(tree, '["proc\\u001b]0;title\\u0007\\nFORGED"]\nx = 1\n')
    result = CliRunner().invoke(main, ["analyze", str(root)])
    assert result.exit_code == 1
    assert '"proc\\x1b]0;title\\x07\\nFORGED": unknown table' in result.stderr
    assert "\x1b" not in result.output and not any(line.startswith("FORGED") for line in result.output.splitlines())


def example_config() -> dict[str, Any]:
    """Every setting of the schema at its documented example value."""
    data: dict[str, Any] = {}
    for section in SECTIONS:
        values = {s.key: s.example for s in section.settings}
        data[section.table] = {"web" if section.table == "processes" else "SENTRY_ENVIRONMENT": values} \
            if section.name else values
    return data


def test_every_documented_example_is_valid_and_used(tree: Tree) -> None:
    data = example_config()
    assert problems(data) == []
    data["processes"]["web"]["role"] = "web"
    root = write(tree, tomlkit.dumps(data))
    files = {f.path: f.content for f in generate(root)}
    web = files["deploy/k8s/base/deployment-web.yaml"]
    assert "image: registry.example.com/team/billing:1.4.2" in web and "namespace: billing" in web
    assert "path: /healthz" in web and "cpu: 500m" in web


@pytest.mark.parametrize(("toml", "cpu"), [("cpu_limit = 1.5", "cpu: '1.5'"), ("cpu_limit = 2", "cpu: '2'"),
                                           ('cpu_limit = "250m"', "cpu: 250m")])
def test_numbers_are_accepted_where_kubernetes_takes_them(tree: Tree, toml: str, cpu: str) -> None:
    root = write(tree, f"[processes.web]\n{toml}\nmemory_limit = 536870912\n[env.WORKERS]\ndefault = 4\n"
                       "[env.DEBUG]\ndefault = false\n")
    files = {f.path: f.content for f in generate(root)}
    web = files["deploy/k8s/base/deployment-web.yaml"]
    assert cpu in web and "memory: '536870912'" in web
    configmap = files["deploy/k8s/base/configmap.yaml"]
    assert "WORKERS: '4'" in configmap and "DEBUG: 'false'" in configmap


@pytest.mark.parametrize(("toml", "key", "expected"), INVALID, ids=[k for _, k, _ in INVALID])
def test_the_json_schema_refuses_what_the_validator_refuses(toml: str, key: str, expected: str) -> None:
    data = tomlkit.parse(toml).unwrap()
    assert problems(data)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(json.loads(json.dumps(data, default=str)), config_docs.json_schema())


def test_the_json_schema_accepts_every_documented_example() -> None:
    jsonschema.Draft202012Validator.check_schema(config_docs.json_schema())
    jsonschema.validate(example_config(), config_docs.json_schema())


def test_docs_and_json_schema_are_in_sync_with_the_schema() -> None:
    assert config_docs.main(["--check"]) == 0, "run python -m migrator.config_docs --write"
    doc = (ROOT / "docs" / "migrate-toml.md").read_text(encoding="utf-8")
    for section in SECTIONS:
        for setting in section.settings:
            assert f"| `{setting.key}` | {setting.type} |" in doc
    assert "docs/migrate-toml.md" in (ROOT / "README.md").read_text(encoding="utf-8")


# -- read through RepoView ------------------------------------------------------------------------


def test_a_symlink_out_of_the_repo_is_not_parsed(tree: Tree, tmp_path: Path) -> None:
    outside = tmp_path / "outside.toml"
    outside.write_text('[generate]\nnamespace = "leaked-ns"\n[processes.web]\ncommand = "leaked-command"\n'
                       '[env.LEAKED]\ndefault = "leaked-value"\n')
    root = tree(APP)
    (root / "migrate.toml").symlink_to(outside)
    assert load(root) == {} and load_overrides(root) == [] and load_settings(root).namespace is None
    result = CliRunner().invoke(main, ["analyze", str(root), "--format", "json"])
    assert result.exit_code == 0, result.output
    warnings = json.loads(result.stdout)["warnings"]
    assert any(w["file"] == "migrate.toml" and "outside the repository" in w["message"] for w in warnings)
    files = generate(root)
    assert all("leaked" not in f.content for f in files)
    assert "leaked" not in result.stdout


def test_a_symlink_to_etc_passwd_is_not_parsed(tree: Tree) -> None:
    root = tree(APP)
    (root / "migrate.toml").symlink_to("/etc/passwd")
    result = CliRunner().invoke(main, ["analyze", str(root)])
    assert result.exit_code == 0 and "root:" not in result.output
    assert "migrate.toml: symlink points outside the repository" in result.stdout


def test_a_symlink_inside_the_repo_is_read(tree: Tree) -> None:
    root = tree({**APP, "config/migrate.toml": '[generate]\nnamespace = "inside"\n'})
    (root / "migrate.toml").symlink_to("config/migrate.toml")
    assert load_settings(root).namespace == "inside"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_is_refused_without_hanging(tree: Tree) -> None:
    root = tree(APP)
    os.mkfifo(root / "migrate.toml")
    for command in (["analyze"], ["generate", "--dry-run"]):
        result = subprocess.run([sys.executable, "-m", "migrator.cli", *command, str(root)], capture_output=True,
                                text=True, timeout=60, cwd=ROOT)
        assert result.returncode == 1, result.stderr
        assert f"{root}/migrate.toml is a FIFO (named pipe), not a regular file; not read" in result.stderr


def test_a_directory_named_migrate_toml_is_refused(tree: Tree) -> None:
    root = tree({**APP, "migrate.toml/x": "y"})
    result = CliRunner().invoke(main, ["analyze", str(root)])
    assert result.exit_code == 1 and "migrate.toml is a directory, not a regular file" in result.stderr


def test_binary_or_deeply_nested_config_is_a_user_error(tree: Tree) -> None:
    result = CliRunner().invoke(main, ["analyze", str(write(tree, "\x00\x01binary"))])
    assert result.exit_code == 1 and "migrate.toml: binary file" in result.stderr
    result = CliRunner().invoke(main, ["analyze", str(write(tree, "x = " + "[" * 100_000))])
    assert result.exit_code == 1 and "not valid TOML" in result.stderr


@pytest.mark.parametrize(("option", "message"), [
    (["--image", "Owner+Name"], "image Owner+Name:0.1.0 is not a valid image reference"),
    (["--image", "app:latest"], "image tag 'latest' is refused"),
    (["--base-image", "python 3.12"], "base image 'python 3.12' is not a valid image reference"),
    (["--namespace", "Bad_NS"], "namespace 'Bad_NS' is not a valid Kubernetes name"),
    (["--namespace", "default"], "namespace 'default' is refused"),
])
def test_command_line_values_get_the_same_checks(tree: Tree, option: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["generate", str(tree(APP)), "--dry-run", *option])
    assert result.exit_code == 1 and message in result.stderr
