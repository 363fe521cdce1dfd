"""generators/image/dockerfile.py: the image the manifests run, checked by value and by hadolint."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from analyzers import base
from analyzers.base import I, Src
from generators.image import dockerfile
from migrator.config import GenerateSettings
from migrator.model import Finding
from tests.generators.models import django_findings, minimal_web, spec

ROOT = Path(__file__).resolve().parents[3]


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
        ("poetry", ("pyproject.toml", "poetry.lock"), "RUN poetry install --only main --no-root"),
        ("uv", ("pyproject.toml", "uv.lock"), "RUN uv sync --frozen --no-dev --no-install-project --no-editable"),
        ("pdm", ("pyproject.toml", "pdm.lock"), "&& pdm install --prod --frozen-lockfile --no-self"),
    ],
)
def test_package_manager_is_respected(manager: str, files: tuple[str, ...], expected: str, tmp_path: Path) -> None:
    from generators.image.python_install import tool_pin

    text = dockerfile.render(spec(_manager(manager, *files)))
    assert expected in text
    assert "export" not in text and "/tmp/requirements.txt" not in text  # the manager installs from its lock
    assert f"COPY {' '.join(files)} ./" in text
    build = text.split("# ---- runtime stage ----")[0]
    assert tool_pin(manager, "3.11") in build  # the tool stays in the build stage
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
    # at any depth: "**/" also matches the root (checked with a real build in tests/verify)
    assert {".git", "**/.env", "**/.env.*", "!**/.env.example", "**/*.pem", "**/*.key", "**/id_rsa*",
            "**/id_ed25519*", "**/*.p12", "**/*.pfx", "**/k8s/**/secret*.y*ml", ".venv"} <= set(ignore)
    assert ignore.index("**/.env.*") < ignore.index("!**/.env.example")  # the template is re-included
    from generators.spec import build_spec
    from tests.generators.models import model

    leaked = model(secrets=[SecretFinding("config/prod.env", 2, "DB_PASSWORD", "env_file"),
                            SecretFinding("ops/[old] notes.conf", 3, "PASSWORD", "password")])
    lines = dockerfile.dockerignore(build_spec(leaked, GenerateSettings())).splitlines()
    assert "config/prod.env" in lines and "ops/\\[old\\] notes.conf" in lines  # glob characters escaped


def test_secret_files_the_app_needs_are_blockers_not_exclusions() -> None:
    from generators.docs import migration_md
    from generators.spec import build_spec
    from migrator.model import SecretFinding
    from tests.generators.models import model

    found = [
        SecretFinding("app/settings.py", 3, "SECRET_KEY", "secret_key", needed_by="imported by app/main.py:1"),
        SecretFinding("app/defaults.py", 4, "SECRET_KEY", "secret_key", fallback=True, needed_by="imported by x:1"),
        SecretFinding("old/settings_dave.py", 2, "SECRET_KEY", "secret_key"),
        SecretFinding("scripts/backup.sh", 5, "PGPASSWORD", "password"),
    ]
    findings = [*minimal_web(), base.schedule("backup", Src("cron", "crontab", 1), schedule="0 1 * * *",
                                              command="scripts/backup.sh")]
    m = model(findings, secrets=found)
    s = build_spec(m, GenerateSettings())
    lines = dockerfile.dockerignore(s).splitlines()
    assert "old/settings_dave.py" in lines
    for needed in ("app/settings.py", "app/defaults.py", "scripts/backup.sh"):
        assert needed not in lines  # leaving them out would break the app or its CronJob
    md = migration_md.generate(m, s, []).content
    blockers = md.split("## Blockers: fix before building", 1)[1].split("## Decisions", 1)[0]
    assert "`app/settings.py` (imported by app/main.py:1)" in blockers
    assert "`scripts/backup.sh` (run by schedules[backup])" in blockers
    assert "app/defaults.py" not in blockers  # a fallback default: removed, not a blocker
    assert "`app/defaults.py` (imported by x:1): SECRET_KEY (secret_key) at line 4" in md


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


def test_build_steps_get_every_known_default_not_only_secret_placeholders(tree: Any) -> None:
    # the class of `decouple.UndefinedValueError: ENVIRONMENT not found` during collectstatic: the settings
    # module reads ENVIRONMENT at import without a default; .env.example gives it one, so the build has it
    root = tree({
        "manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'proj.settings')\n",
        "requirements.txt": "Django==4.2.16\npython-decouple==3.8\ngunicorn==22.0.0\n",
        "Procfile": "web: gunicorn proj.wsgi\n",
        ".env.example": "ENVIRONMENT=development\nSECRET_KEY=change-me\nTIME_ZONE='Europe/Berlin'\n",
        "proj/__init__.py": "",
        "proj/settings.py": """
            from decouple import config
            ENVIRONMENT = config("ENVIRONMENT")
            SECRET_KEY = config("SECRET_KEY")
            TIME_ZONE = config("TIME_ZONE")
            STATIC_ROOT = "staticfiles"
        """,
    })
    from migrator.generate import generate

    text = next(f.content for f in generate(root) if f.path == "deploy/image/Dockerfile")
    run = next(line for line in lines(text) if "collectstatic" in line and line.startswith("RUN "))
    assert "ENVIRONMENT=development" in run
    assert "TIME_ZONE=Europe/Berlin" in run
    assert "SECRET_KEY=build-only-placeholder" in run  # a secret never gets its template value
    assert "# settings with a known default get it (as the ConfigMap does)" in text


def test_build_env_quotes_values_for_the_shell() -> None:
    findings = [*django_findings(), base.env_var("GREETING", Src("dotenv", ".env.example", 1), default="hi $USER; x")]
    pairs = {n: (v, p) for n, v, p in dockerfile.build_env(spec(findings))}
    assert pairs["GREETING"] == ("hi $USER; x", False)
    assert pairs["SECRET_KEY"] == ("build-only-placeholder", True)
    run = next(line for line in lines(dockerfile.render(spec(findings))) if "collectstatic" in line)
    assert "GREETING='hi $USER; x'" in run


def _ldap_app(version: str = "3.12") -> list[Finding]:
    from analyzers.python_deps import dependency_findings

    src = Src("requirements", "requirements.txt", 4)
    return [base.runtime(Src("python_version", ".python-version", 1), language="python", version=version),
            *dependency_findings("python-ldap", src, pin="3.4.4"), *minimal_web()]


def test_system_packages_are_named_as_the_base_images_release_names_them(tmp_path: Path) -> None:
    trixie = dockerfile.render(spec(_ldap_app()))
    build, runtime = trixie.split("# ---- runtime stage ----")
    assert "build-essential" in build and "libldap2-dev" in build and "libsasl2-dev" in build
    assert "libldap2 \\" in runtime and "libsasl2-2" in runtime and "-dev" not in runtime
    assert "# package names for Debian trixie: the python 3.12 images are built on Debian trixie" in runtime
    bookworm = dockerfile.render(spec(_ldap_app(), GenerateSettings(base_image="python:3.12-slim-bookworm")))
    runtime = bookworm.split("# ---- runtime stage ----")[1]
    assert "libldap-2.5-0" in runtime and "libldap2 \\" not in runtime
    assert "# libldap-2.5-0: requirements.txt:4 (inferred); bookworm calls libldap2 libldap-2.5-0" in runtime
    assert hadolint(bookworm, tmp_path) == ""


def test_a_pin_without_a_wheel_for_the_images_python_gets_a_compiler_there_only() -> None:
    from analyzers.python_deps import dependency_findings

    src = Src("requirements", "requirements.txt", 2)
    findings = [*dependency_findings("numpy", src, pin="1.24.4"), *minimal_web()]
    old = [base.runtime(Src("python_version", "runtime.txt", 1), language="python", version="3.11"), *findings]
    assert "FROM python:3.11-slim AS build" not in dockerfile.render(spec(old))  # cp311 wheels exist
    new = [base.runtime(Src("python_version", "runtime.txt", 1), language="python", version="3.12"), *findings]
    text = dockerfile.render(spec(new))
    assert "FROM python:3.12-slim AS build" in text and "libopenblas-dev" in text
    assert "numpy 1.24.4 has no Linux wheel for Python 3.12" not in text  # the why lives in the report
    assert "libopenblas0" in text.split("# ---- runtime stage ----")[1]


def test_git_alone_needs_no_compiler(tmp_path: Path) -> None:
    git = base.system_package("git", Src("requirements", "requirements.txt", 3), I, stage="build")
    findings = [*_manager("pip", "requirements.txt"), git]
    findings[0] = base.runtime(Src("requirements", "requirements.txt", 1), package_manager="pip",
                               requirements_file="requirements.txt")
    text = dockerfile.render(spec(findings))
    assert "# ---- build stage: build tools (git)" in text and "build-essential" not in text
    assert hadolint(text, tmp_path) == ""


def test_a_package_any_source_needs_on_every_python_stays() -> None:
    from analyzers.python_deps import dependency_findings

    findings = [base.runtime(Src("python_version", "runtime.txt", 1), language="python", version="3.11"),
                *dependency_findings("numpy", Src("requirements", "requirements.txt", 2), pin="1.24.4"),
                *dependency_findings("psycopg2", Src("requirements", "requirements.txt", 3)), *minimal_web()]
    build = dockerfile.render(spec(findings)).split("# ---- runtime stage ----")[0]
    assert "build-essential" in build and "libpq-dev" in build  # psycopg2 always compiles
    assert "libopenblas-dev" not in build  # numpy 1.24.4 has a cp311 wheel
