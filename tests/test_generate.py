"""migrator/generate.py, the generation settings of migrate.toml, and the `migrate generate` command."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
import tomlkit
from click.testing import CliRunner

from migrator.cli import main
from migrator.config import GenerateSettings, load, load_overrides, render_config, settings_from
from migrator.errors import UserError
from migrator.generate import generate

Tree = Callable[[dict[str, str | bytes]], Path]
APP: dict[str, str | bytes] = {
    "Procfile": "web: gunicorn app:app --bind 0.0.0.0:$PORT\nworker: celery -A app worker\n",
    "requirements.txt": "flask==3.0.0\ngunicorn==22.0.0\n",
    "runtime.txt": "python-3.12.1\n",
    "app.py": "from flask import Flask\napp = Flask(__name__)\n",
}


def by_path(root: Path) -> dict[str, str]:
    return {f.path: f.content for f in generate(root)}


def test_generate_returns_every_file(tree: Tree) -> None:
    files = by_path(tree(APP))
    assert {"deploy/image/Dockerfile", "deploy/image/Dockerfile.dockerignore", ".dockerignore", "MIGRATION.md",
            "migrate.toml", "deploy/k8s/base/kustomization.yaml", "deploy/k8s/overlays/production/kustomization.yaml",
            "deploy/k8s/base/deployment-web.yaml", "deploy/k8s/base/deployment-worker.yaml"} <= set(files)
    assert 'CMD ["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]' in files["deploy/image/Dockerfile"]


def test_migrate_toml_overrides_win(tree: Tree) -> None:
    root = tree({**APP, "migrate.toml": """
        [generate]
        image = "billing"
        registry = "ghcr.io/acme"
        tag = "2.1.0"
        namespace = "payments"
        base_image = "mirror.local/python:3.12-slim"
        port = 9000

        [health]
        path = "/status"

        [resources]
        memory_limit = "768Mi"

        [processes.worker]
        replicas = 4
        """})
    files = by_path(root)
    image = files["deploy/image/Dockerfile"]
    assert "FROM mirror.local/python:3.12-slim" in image and "EXPOSE 9000" in image
    web = files["deploy/k8s/base/deployment-web.yaml"]
    assert "image: ghcr.io/acme/billing:2.1.0" in web and "namespace: payments" in web
    assert "path: /status" in web and "containerPort: 9000" in web and "memory: 768Mi" in web
    assert "replicas: 4  # migrate.toml (declared)" in files["deploy/k8s/base/deployment-worker.yaml"]
    # the user's migrate.toml is never rewritten
    assert files["migrate.toml"].startswith("# migrate.toml")  # generated text; the writer keeps theirs


def test_command_line_options_win_over_migrate_toml(tree: Tree) -> None:
    root = tree({**APP, "migrate.toml": '[generate]\nnamespace = "payments"\n'})
    files = {f.path: f.content for f in generate(root, GenerateSettings(namespace="cli-ns", image="x:3.0.0"))}
    assert "namespace: cli-ns" in files["deploy/k8s/base/deployment-web.yaml"]
    assert "image: x:3.0.0" in files["deploy/k8s/base/deployment-web.yaml"]


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[generate]\nreplicas = "two"\n', "generate.replicas: expected an integer from 1 to 1000"),
        ("[generate]\nreplicas = true\n", "generate.replicas: expected an integer from 1 to 1000, got a boolean"),
        ('[generate]\nimage_name = "x"\n', "generate.image_name: unknown key (known: image, registry"),
        ('[resources]\ncpu = "1"\n', "resources.cpu: unknown key (known: cpu_request"),
        ('generate = "x"\n', "generate: expected a table ([generate]), got a string"),
        ("[generate\n", "not valid TOML"),
    ],
)
def test_bad_settings_are_user_errors(tree: Tree, toml: str, message: str) -> None:
    root = tree({**APP, "migrate.toml": toml})
    with pytest.raises(UserError, match=re.escape(message)):
        generate(root)


def test_rendered_config_is_valid_toml_with_commented_defaults(tree: Tree) -> None:
    files = by_path(tree(APP))
    text = files["migrate.toml"]
    assert tomlkit.parse(text).unwrap() == {"generate": {}, "health": {}, "resources": {},
                                             "processes": {"web": {}, "worker": {}}}
    assert '# base_image = "python:3.12-slim"' in text and "runtime.txt:1 (declared)" in text
    # uncommenting a line makes it an override that the loaders understand
    pinned = text.replace("# replicas = 2 ", "replicas = 3 ", 1).replace('# namespace = "repo"', 'namespace = "n1"')
    data = tomlkit.parse(pinned).unwrap()
    assert settings_from(data).replicas == 3 and settings_from(data).namespace == "n1"


def test_existing_config_api_still_works(tree: Tree) -> None:
    root = tree({"migrate.toml": '[processes.web]\ncommand = "gunicorn x:y"\n[generate]\ntag = "1.0.0"\n'})
    assert load(root)["generate"] == {"tag": "1.0.0"}
    (finding,) = load_overrides(root)
    assert finding.key == "web" and finding.fields == {"command": "gunicorn x:y"}


def test_render_config_nests_dotted_sections() -> None:
    text = render_config([("generate", [("tag", "1.0.0", "why")]), ("processes.web", [("replicas", 2, "")])])
    assert "[processes.web]\n# replicas = 2\n" in text
    assert '# tag = "1.0.0"' in text


def test_cli_generate_dry_run_write_and_rerun(tree: Tree) -> None:
    root = tree(APP)
    runner = CliRunner()
    dry = runner.invoke(main, ["generate", str(root), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "created   deploy/image/Dockerfile" in dry.output and " B  " in dry.output
    assert not (root / "deploy/image/Dockerfile").exists()
    first = runner.invoke(main, ["generate", str(root)])
    assert first.exit_code == 0 and (root / "deploy/image/Dockerfile").is_file()
    assert (root / ".migrate/state.json").is_file()
    again = runner.invoke(main, ["generate", str(root)])
    assert again.exit_code == 0
    assert {line.split()[0] for line in again.output.splitlines()} == {"unchanged"}


def test_cli_generate_diff_and_output_dir(tree: Tree, tmp_path: Path) -> None:
    root = tree(APP)
    out = tmp_path / "out"
    runner = CliRunner()
    result = runner.invoke(main, ["generate", str(root), "--output", str(out), "--namespace", "shop"])
    assert result.exit_code == 0 and (out / "deploy/k8s/base/deployment-web.yaml").is_file()
    assert not (root / "deploy/image/Dockerfile").exists()
    diff = runner.invoke(main, ["generate", str(root), "--output", str(out), "--namespace", "shop2", "--diff"])
    assert diff.exit_code == 0
    assert "-  namespace: shop  # namespace: migrate.toml / --namespace" in diff.output
    assert "+  namespace: shop2" in diff.output
    assert "namespace: shop " in (out / "deploy/k8s/base/deployment-web.yaml").read_text()


def test_cli_hand_edit_is_reported_and_force_overwrites(tree: Tree) -> None:
    root = tree(APP)
    runner = CliRunner()
    runner.invoke(main, ["generate", str(root)])
    (root / "deploy/image/Dockerfile").write_text("FROM scratch\n")
    result = runner.invoke(main, ["generate", str(root), "--base-image", "python:3.12-slim"])
    assert result.exit_code == 0 and "conflict  deploy/image/Dockerfile" in result.output
    assert "review the .new versions" in result.output
    assert (root / "deploy/image/Dockerfile").read_text() == "FROM scratch\n"
    assert (root / "deploy/image/Dockerfile.new").is_file()
    forced = runner.invoke(main, ["generate", str(root), "--force"])
    assert forced.exit_code == 0 and (root / "deploy/image/Dockerfile").read_text().startswith("# Generated by")


@pytest.mark.parametrize(("args", "message"), [
    (["--namespace", "default"], "namespace 'default' is refused"),
    (["--image", "app:latest"], "image tag 'latest' is refused"),
])
def test_cli_refuses_unsafe_settings(tree: Tree, args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["generate", str(tree(APP)), *args])
    assert result.exit_code == 1 and message in result.output


def test_cli_missing_path_is_a_user_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["generate", str(tmp_path / "nope")])
    assert result.exit_code == 1 and "no such directory" in result.output


def test_a_tag_given_with_the_image_wins_over_the_configured_tag(tree: Tree) -> None:
    root = tree({**APP, "migrate.toml": '[generate]\ntag = "2.1.0"\n'})
    files = {f.path: f.content for f in generate(root, GenerateSettings(image="shop:3.0.0"))}
    assert "image: shop:3.0.0" in files["deploy/k8s/base/deployment-web.yaml"]
    files = {f.path: f.content for f in generate(root, GenerateSettings(image="shop"))}
    assert "image: shop:2.1.0" in files["deploy/k8s/base/deployment-web.yaml"]


def test_the_repos_own_dockerfile_and_dockerignore_are_left_alone(tree: Tree) -> None:
    own_dockerfile = "FROM registry.internal.example.com/base:1\nCMD [\"gunicorn\", \"app:app\"]\n"
    root = tree({**APP, "Dockerfile": own_dockerfile, ".dockerignore": "node_modules\n"})
    files = by_path(root)
    assert "Dockerfile" not in files and ".dockerignore" not in files  # the repo's own: never rewritten
    assert files["deploy/image/Dockerfile"].startswith("# Generated by `migrate generate`")
    assert "**/.env" in files["deploy/image/Dockerfile.dockerignore"].splitlines()
    result = CliRunner().invoke(main, ["generate", str(root)])
    assert result.exit_code == 0, result.output
    assert (root / "Dockerfile").read_text() == own_dockerfile
    assert (root / ".dockerignore").read_text() == "node_modules\n"
    assert not (root / "Dockerfile.new").exists() and not (root / ".dockerignore.new").exists()
    # our own deploy/image/Dockerfile is read on the next run, but is not evidence: nothing changes
    again = CliRunner().invoke(main, ["generate", str(root)])
    assert {line.split()[0] for line in again.output.splitlines()} == {"unchanged"}, again.output
    assert "repository's own `Dockerfile`.\n" in (root / "MIGRATION.md").read_text()  # not our deploy/image one


def test_a_dockerignore_we_wrote_is_ours_to_update(tree: Tree) -> None:
    root = tree(APP)
    assert CliRunner().invoke(main, ["generate", str(root)]).exit_code == 0
    assert (root / ".dockerignore").read_text().startswith("# Generated by `migrate generate`")
    assert ".dockerignore" in by_path(root)  # still ours on the next run
