"""generators/dockerfile.py: the image the manifests run, checked by value and by hadolint."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from analyzers import base
from analyzers.base import I, Src
from generators import dockerfile
from migrator.config import GenerateSettings
from migrator.model import Finding
from tests.generators.models import django_findings, minimal_web, spec

ROOT = Path(__file__).resolve().parents[2]


def hadolint(text: str, tmp_path: Path) -> str:
    path = tmp_path / "Dockerfile"
    path.write_text(text)
    result = subprocess.run(["hadolint", "--config", str(ROOT / ".hadolint.yaml"), "--failure-threshold", "style",
                             str(path)], capture_output=True, text=True, check=False)
    return (result.stdout + result.stderr).strip()


def lines(text: str) -> list[str]:
    return text.splitlines()


def index_of(text: str, pattern: str) -> int:
    for i, line in enumerate(lines(text)):
        if re.search(pattern, line):
            return i
    raise AssertionError(f"{pattern!r} not in:\n{text}")


def test_multi_stage_when_build_packages_are_needed(tmp_path: Path) -> None:
    text = dockerfile.render(spec())
    assert "FROM python:3.12-slim AS build" in text
    build_stage, runtime_stage = text.split("# ---- runtime stage ----")
    assert "libpq-dev" in build_stage and "build-essential" in build_stage
    assert "libpq5" in runtime_stage and "libpq-dev" not in runtime_stage
    assert "COPY --from=build /opt/venv /opt/venv" in runtime_stage
    assert "# libpq-dev: requirements.txt:3 (inferred)" in build_stage
    assert hadolint(text, tmp_path) == ""


def test_single_stage_without_build_packages(tmp_path: Path) -> None:
    findings = [f for f in django_findings() if f.key not in ("libpq-dev",)]
    text = dockerfile.render(spec(findings))
    assert text.count("FROM ") == 1
    assert hadolint(text, tmp_path) == ""


def test_dependencies_are_installed_before_the_code_is_copied() -> None:
    text = dockerfile.render(spec())
    assert index_of(text, r"^COPY requirements.txt \./$") < index_of(text, r"pip install .* -r requirements.txt")
    runtime = text.split("# ---- runtime stage ----")[1]
    assert index_of(runtime, r"^COPY --from=build") < index_of(runtime, r"^COPY \. \.$")


def test_build_steps_run_at_build_time_with_placeholder_settings_only() -> None:
    text = dockerfile.render(spec())
    line = next(line for line in lines(text) if "collectstatic" in line)
    assert line.startswith("RUN ")
    assert "SECRET_KEY=build-only-placeholder" in line and "DATABASE_URL=sqlite:////tmp/build.sqlite3" in line
    assert "# build step: fabfile.py:20 (declared)" in text
    # before USER: the static files belong to root and are read-only at runtime
    assert index_of(text, "collectstatic") < index_of(text, r"^USER ")


def test_non_root_user_with_the_legacy_name_and_a_fixed_uid() -> None:
    text = dockerfile.render(spec())
    assert "useradd --uid 10001 --gid 10001" in text and text.rstrip().count(" deploy") >= 1
    assert "groupadd --gid 10001 deploy" in text
    assert "# non-root user 'deploy' (legacy user: deploy/systemd/web.service:9 (declared))" in text
    assert "USER 10001:10001" in lines(text)


@pytest.mark.parametrize("user", ["www-data", "root", "Bad Name"])
def test_system_or_invalid_user_names_fall_back_to_app(user: str) -> None:
    text = dockerfile.render(spec(minimal_web(user=user)))
    assert "groupadd --gid 10001 app " in text


def test_expose_cmd_and_health_check_from_the_web_process() -> None:
    text = dockerfile.render(spec())
    assert "# port 8081: deploy/systemd/web.service:9 (declared)" in text
    assert "EXPOSE 8081" in lines(text)
    cmd = next(line for line in lines(text) if line.startswith("CMD "))
    assert json.loads(cmd[4:]) == ["gunicorn", "--bind", "0.0.0.0:8081", "proj.wsgi"]
    assert "# listens on 0.0.0.0:8081 in the container (legacy: 127.0.0.1:8081)" in text
    assert "urllib.request.Request('http://127.0.0.1:8081/healthz', headers={'Host': 'shop.example.com'})" in text
    assert "# other processes (worker, beat) reuse this image" in text


def test_python_environment() -> None:
    text = dockerfile.render(spec())
    assert "PYTHONDONTWRITEBYTECODE=1" in text and "PYTHONUNBUFFERED=1" in text and "PORT=8081" in text


def test_base_image_from_version_default_and_override() -> None:
    assert "FROM python:3.12-slim" in dockerfile.render(spec())
    text = dockerfile.render(spec(minimal_web()))
    assert "FROM python:3.11-slim" in text
    assert "# base image python:3.11-slim: python version unknown: documented default 3.11" in text
    mirrored = dockerfile.render(spec(minimal_web(), GenerateSettings(base_image="registry.local/python:3.11-slim")))
    assert "FROM registry.local/python:3.11-slim" in mirrored and "python:3.11-slim\n" not in mirrored.split("FROM")[0]


def test_no_buildkit_syntax_unless_asked() -> None:
    classic = dockerfile.render(spec())
    assert "--mount" not in classic and "# syntax=" not in classic
    kit = dockerfile.render(spec(settings=GenerateSettings(buildkit=True)))
    assert kit.startswith("# syntax=docker/dockerfile:1")
    assert "RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt" in kit


def _manager(manager: str, *files: str) -> list[Finding]:
    src = Src("pyproject", files[0], 1)
    out = [base.runtime(src, I, language="python", package_manager=manager)]
    out += [base.runtime(Src("pyproject", f, 1), I, language="python") for f in files[1:]]
    return out + minimal_web()


@pytest.mark.parametrize(
    ("manager", "files", "expected"),
    [
        ("pipenv", ("Pipfile", "Pipfile.lock"), "RUN pipenv install --deploy"),
        ("poetry", ("pyproject.toml", "poetry.lock"), "RUN poetry export --only main --format requirements.txt"),
        ("uv", ("pyproject.toml", "uv.lock"), "RUN uv export --frozen --no-dev --no-emit-project -o /tmp/requ"),
        ("pdm", ("pyproject.toml", "pdm.lock"), "RUN pdm export --prod -o /tmp/requirements.txt"),
    ],
)
def test_package_manager_is_respected(manager: str, files: tuple[str, ...], expected: str, tmp_path: Path) -> None:
    text = dockerfile.render(spec(_manager(manager, *files)))
    assert expected in text
    if manager != "pipenv":
        assert "pip install --no-cache-dir -r /tmp/requirements.txt" in text
    assert f"COPY {' '.join(files)} ./" in text
    build = text.split("# ---- runtime stage ----")[0]
    assert dockerfile.TOOLS[manager] in build  # the tool stays in the build stage
    assert hadolint(text, tmp_path) == ""


def test_project_without_requirements_installs_itself_after_the_code(tmp_path: Path) -> None:
    text = dockerfile.render(spec(_manager("pip", "pyproject.toml")))
    assert index_of(text, r"^COPY \. \.$") < index_of(text, r"pip install --no-cache-dir --no-deps \.")
    assert hadolint(text, tmp_path) == ""


def test_shell_variables_in_commands_run_through_sh() -> None:
    text = dockerfile.render(spec(minimal_web("celery -A proj worker --loglevel=$LOG_LEVEL")))
    cmd = json.loads(next(line for line in lines(text) if line.startswith("CMD "))[4:])
    assert cmd == ["sh", "-c", "exec celery -A proj worker --loglevel=$LOG_LEVEL"]


def test_no_process_still_gives_a_valid_dockerfile(tmp_path: Path) -> None:
    text = dockerfile.render(spec([]))
    assert text.rstrip().endswith("CMD []") and "CMD [\"python\"]" not in text and "EXPOSE" not in text
    assert hadolint(text, tmp_path) == ""


def test_dockerignore_keeps_secrets_and_vcs_out() -> None:
    from migrator.model import SecretFinding

    ignore = dockerfile.dockerignore(spec()).splitlines()
    assert {".git", ".env", ".env.*", "!.env.example", ".venv"} <= set(ignore)
    from generators.spec import build_spec
    from tests.generators.models import model

    leaked = model(secrets=[SecretFinding("config/prod.env", 2, "DB_PASSWORD", "env_file")])
    assert "config/prod.env" in dockerfile.dockerignore(build_spec(leaked, GenerateSettings())).splitlines()


def test_requirements_file_in_a_subdirectory() -> None:
    findings = [base.runtime(Src("requirements", "deploy/requirements/prod.txt", 1), package_manager="pip",
                             requirements_file="deploy/requirements/prod.txt"), *minimal_web()]
    text = dockerfile.render(spec(findings))
    assert "COPY deploy/requirements/prod.txt deploy/requirements/" in text
    assert "RUN pip install --no-cache-dir -r deploy/requirements/prod.txt" in text


def test_django_static_root_implies_collectstatic_at_build() -> None:
    settings_src = Src("python_code", "proj/settings.py", 30)
    findings = [*minimal_web(), base.runtime(settings_src, language="python", framework="django",
                                             static_root="staticfiles"),
                base.runtime(Src("python_code", "manage.py", 8), settings_module="proj.settings")]
    text = dockerfile.render(spec(findings))
    assert "# build step: inferred: STATIC_ROOT at proj/settings.py:30 (declared)" in text
    assert "RUN python manage.py collectstatic --noinput" in text
    # declared by the deploy script already: not twice
    step = base.build_step("python manage.py collectstatic --noinput -v0", Src("fabric", "fabfile.py", 9))
    assert dockerfile.render(spec([*findings, step])).count("collectstatic") == 1


def test_frontend_build_steps_are_not_run_on_a_python_image(tmp_path: Path) -> None:
    findings = [*minimal_web(), base.build_step("npm run build", Src("shell", "deploy.sh", 7))]
    text = dockerfile.render(spec(findings))
    assert "# RUN npm run build" in text and "\nRUN npm" not in text
    assert "# build step: deploy.sh:7 (declared): npm is not in the python:3.11-slim image" in text
    assert hadolint(text, tmp_path) == ""
