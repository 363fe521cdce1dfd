"""A runtime no provider knows (design §4.8): no Dockerfile that cannot work, unless migrate.toml [image] names one."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from migrator.cli import main
from migrator.generate import generate_checked
from migrator.planner import analyze
from migrator.report import to_dict
from tests.conftest import fixture_path
from tests.generators.image.test_dockerfile import hadolint

Tree = Callable[[dict[str, str | bytes]], Path]
LEDGER = fixture_path("rust-ledger")
IMAGE = """
[image]
base = "rust:1.80-slim"
runtime_base = "debian:bookworm-slim"
dependency_files = ["Cargo.toml", "Cargo.lock"]
install = ["cargo fetch"]
build = ["cargo build --release --offline"]
artifacts = ["target/release/ledger:/usr/local/bin/ledger"]
"""
# What a Python image has and no other runtime's may (design §4.9's tokens).
PYTHON_TOKENS = re.compile(r"\bvenv\b|\bpip3?\b|python -c|\bPYTHON[A-Z_]*=|VIRTUAL_ENV|/opt/venv")


def test_the_report_names_the_unsupported_runtime_with_its_files() -> None:
    doc = to_dict(analyze(LEDGER))
    assert doc["runtime"]["language"] == "rust"
    (rust,) = doc["runtimes"]
    assert (rust["language"], rust["role"], rust["supported"], rust["provider"]) == ("rust", "primary", False, None)
    assert {s["file"] for s in rust["sources"]} == {"Cargo.toml", "Cargo.lock"}
    # ExecStart=/usr/local/bin/ledger runs the binary Cargo.toml's [package] builds: rust's process
    assert (doc["runtime"]["binaries"], rust["processes"]) == (["ledger"], ["ledger"])
    assert [s["command"] for s in doc["build_steps"]] == ["cargo build --release"]  # the rust marker's rule


def test_generate_writes_the_manifests_and_no_dockerfile_and_says_why() -> None:
    files, problem = generate_checked(LEDGER)
    paths = {f.path for f in files}
    assert not {p for p in paths if "Dockerfile" in p or p.endswith(".dockerignore")}
    assert "deploy/k8s/base/deployment-ledger.yaml" in paths and "MIGRATION.md" in paths
    assert problem is not None and problem.startswith("rust is not supported yet: no Dockerfile written")
    guide = next(f.content for f in files if f.path == "MIGRATION.md")
    assert "Runtime rust (Cargo.lock, Cargo.toml) is not supported" in guide
    assert "[image]" in guide and "python:3.11-slim" not in guide
    toml = next(f.content for f in files if f.path == "migrate.toml")
    assert "base_image" not in toml  # no Python image to suggest


def test_the_cli_exits_1_with_one_clear_line(tmp_path: Path) -> None:
    repo = tmp_path / "ledger"
    shutil.copytree(LEDGER, repo)
    result = CliRunner().invoke(main, ["generate", str(repo)])
    assert result.exit_code == 1
    assert "rust is not supported yet" in result.output and "Traceback" not in result.output
    assert not (repo / "deploy" / "image" / "Dockerfile").exists()
    assert (repo / "deploy" / "k8s" / "base" / "kustomization.yaml").is_file()


def test_an_image_table_gives_a_two_stage_dockerfile_with_nothing_of_python(tmp_path: Path) -> None:
    repo = tmp_path / "ledger"
    shutil.copytree(LEDGER, repo)
    (repo / "migrate.toml").write_text(IMAGE)
    files, problem = generate_checked(repo)
    assert problem is None
    text = next(f.content for f in files if f.path == "deploy/image/Dockerfile")
    lines = text.splitlines()
    assert "FROM rust:1.80-slim AS build" in lines and "FROM debian:bookworm-slim" in lines
    assert lines.index("COPY Cargo.toml Cargo.lock ./") < lines.index("RUN cargo fetch") < lines.index("COPY . .")
    assert "COPY --from=build /app/target/release/ledger /usr/local/bin/ledger" in lines
    assert lines[-1] == 'CMD ["/usr/local/bin/ledger", "--port", "9000"]'  # the systemd unit's ExecStart=
    assert "USER 10001:10001" in lines
    assert not PYTHON_TOKENS.search(text)
    ignore = next(f.content for f in files if f.path == "deploy/image/Dockerfile.dockerignore")
    assert "venv" not in ignore.split() and "**/*.py[cod]" not in ignore
    if shutil.which("hadolint"):
        assert hadolint(text, tmp_path) == ""


def test_an_image_table_without_artifacts_is_one_stage_and_start_wins(tmp_path: Path) -> None:
    repo = tmp_path / "ledger"
    shutil.copytree(LEDGER, repo)
    (repo / "migrate.toml").write_text('[image]\nbase = "rust:1.80-slim"\nbuild = ["cargo build --release"]\n'
                                       'start = ["target/release/ledger"]\n')
    files, _ = generate_checked(repo)
    text = next(f.content for f in files if f.path == "deploy/image/Dockerfile")
    assert text.count("FROM ") == 1 and "AS build" not in text
    assert text.index("COPY . .") < text.index("RUN cargo build --release") < text.index("USER 10001")
    assert text.rstrip().endswith('CMD ["target/release/ledger"]')


@pytest.mark.parametrize(("files", "language"), [
    ({"go.mod": "module example.com/api\n\ngo 1.22\n", "main.go": "package main\n"}, "go"),
    ({"pom.xml": "<project/>\n"}, "java"),
])
def test_other_unsupported_runtimes_get_no_python_dockerfile(tree: Tree, files: dict[str, str | bytes],
                                                              language: str) -> None:
    root = tree(files)
    model = analyze(root)
    assert model.primary is not None and (model.primary.language, model.primary.supported) == (language, False)
    out, problem = generate_checked(root)
    assert problem is not None and problem.startswith(f"{language} is not supported yet")
    assert not [f for f in out if "Dockerfile" in f.path]


def test_ruby_knows_its_version_and_its_web_process(tree: Tree) -> None:
    root = tree({"Gemfile": "gem 'rails'\n", ".ruby-version": "ruby-3.2.2\n", ".python-version": "3.12\n",
                 "Procfile": "web: bundle exec puma -C config/puma.rb\n"})
    model = analyze(root)
    assert model.runtime.get("language") == "ruby" and model.runtime.get("version") == "3.2"
    assert model.runtime.get("version_full") == "3.2.2"
    assert model.runtimes[0].processes == ("web",)
    # bundle exec is the Ruby provider's runner: the process is puma (its container command adds it back)
    assert "runs the web process `puma -C config/puma.rb`" in model.runtimes[0].reason


def test_a_go_binary_named_by_its_module_is_the_go_runtimes_process(tree: Tree) -> None:
    root = tree({"go.mod": "module github.com/acme/billing-api/v2\n\ngo 1.22.1\n", "main.go": "package main\n",
                 "requirements.txt": "awscli==1.32.0\n",  # the ops scripts' Python: not what runs the app
                 "deploy/billing.service": "[Service]\nExecStart=/opt/billing/billing-api --listen :8080\n"})
    model = analyze(root)
    assert model.primary is not None and model.primary.language == "go"
    assert model.runtime.get("version") == "1.22.1" and model.runtime.get("binaries") == ("billing-api",)
    assert model.primary.processes == ("billing",)  # the unit's name
    assert "runs 1 of 1 long-running processes (billing)" in model.primary.reason
    assert {(e.language, e.role.value) for e in model.runtimes} == {("go", "primary"), ("python", "evidence")}


def test_readiness_blocks_an_unsupported_runtime_with_its_own_reason(tmp_path: Path) -> None:
    from generators.spec import build_spec
    from migrator import readiness
    from migrator.config import GenerateSettings
    from migrator.generate import generate_problem

    model = analyze(LEDGER)
    spec = build_spec(model, GenerateSettings())
    verdict = readiness.assess(model, spec, generate_problem=generate_problem(model, GenerateSettings()))
    assert [(r.code, r.text.split(":")[0]) for r in verdict.blockers] == [
        ("runtime-unsupported", "rust is not supported yet")]
