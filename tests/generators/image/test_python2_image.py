"""A Python 2 app gets a Dockerfile that works on python:2.7-slim, and MIGRATION.md says 2.7 is dead."""

from __future__ import annotations

import glob
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from analyzers import base
from analyzers.base import H, I, Src
from generators.docs import migration_md
from generators.image import dockerfile
from generators.image.base_image import PYTHON_END_OF_LIFE, PYTHON_IMAGE_VERSIONS, choose, end_of_life
from migrator.config import GenerateSettings
from migrator.model import Finding
from migrator.planner import plan
from tests.generators.image.test_dockerfile import hadolint
from tests.generators.models import django_findings, model, spec


def with_version(version: str, findings: list[Finding] | None = None) -> list[Finding]:
    kept = [f for f in (django_findings() if findings is None else findings)
            if not (f.kind.value == "runtime" and "version" in f.fields)]
    return [*kept, base.runtime(Src("python_code", "shop/views.py", 7), I, language="python", version=version)]


def python_c_codes(text: str) -> list[str]:
    """The code of every ``python -c`` the Dockerfile runs (exec-form JSON arrays and shell form)."""
    codes = []
    for array in re.findall(r"\[\"python\", \"-c\", .*\]", text):
        codes.append(json.loads(array)[2])
    codes += re.findall(r"python -c '([^']*)'", text)
    return codes


def test_multi_stage_python2_uses_virtualenv_and_the_last_pip_for_2_7(tmp_path: Path) -> None:
    text = dockerfile.render(spec(with_version("2.7")))
    assert "FROM python:2.7-slim AS build" in text and "\nFROM python:2.7-slim\n" in text
    assert "python -m venv" not in text  # 2.7 has no venv module
    build, runtime = text.split("# ---- runtime stage ----")
    assert ("RUN pip install --no-cache-dir virtualenv==16.7.12 \\\n && virtualenv /opt/venv \\\n"
            " && /opt/venv/bin/pip install --no-cache-dir pip==20.3.4 setuptools==44.1.1 wheel==0.37.1") in build
    assert "COPY --from=build /opt/venv /opt/venv" in runtime and "virtualenv" not in runtime
    assert "# end of life: Python 2.7 gets no security fixes (see MIGRATION.md, open questions)" in text
    assert hadolint(text, tmp_path) == ""


def test_single_stage_python2_and_its_health_check_is_python_2_code(tmp_path: Path) -> None:
    findings = [f for f in with_version("2.7") if f.key != "libpq-dev"]
    text = dockerfile.render(spec(findings))
    assert text.count("FROM ") == 1
    assert text.index("virtualenv /opt/venv") < text.index("pip install --no-cache-dir -r requirements.txt")
    codes = python_c_codes(text)
    assert codes == ["import urllib2; urllib2.urlopen(urllib2.Request('http://127.0.0.1:8081/healthz', "
                     "headers={'Host': 'shop.example.com'}), timeout=4)"]
    assert hadolint(text, tmp_path) == ""


def python27() -> str:
    # a real interpreter, not a pyenv shim (which fails when 2.7 is not the selected version)
    candidates = [*sorted(glob.glob("/root/.pyenv/versions/2.7*/bin/python2.7")), shutil.which("python2.7") or ""]
    found = next((c for c in candidates if c and "/shims/" not in c), None)
    if found is None:
        pytest.skip("no Python 2.7 interpreter here (the docker test runs the code on python:2.7-slim)")
    return found


@pytest.mark.parametrize("findings", ["multi-stage", "single-stage", "tcp-check"])
def test_every_python_c_of_a_python2_dockerfile_compiles_on_python_2_7(findings: str) -> None:
    chosen = with_version("2.7")
    if findings != "multi-stage":
        chosen = [f for f in chosen if f.key != "libpq-dev"]
    if findings == "tcp-check":
        chosen = [f for f in chosen if f.kind.value != "health_checks"]
    codes = python_c_codes(dockerfile.render(spec(chosen)))
    assert codes
    for code in codes:
        check = subprocess.run([python27(), "-c", f"compile({code!r}, '-c', 'exec')"], capture_output=True, text=True,
                               check=False)
        assert check.returncode == 0, (code, check.stderr)


def test_python3_images_keep_venv_and_urllib_request() -> None:
    text = dockerfile.render(spec(with_version("3.12")))
    assert "RUN python -m venv /opt/venv" in text and "virtualenv" not in text
    assert "urllib.request.urlopen" in python_c_codes(text)[0]
    assert "end of life" not in text


def test_the_python_2_compile_check_can_fail() -> None:
    check = subprocess.run([python27(), "-c", "compile(\"f'{x}'\", '-c', 'exec')"], capture_output=True, check=False)
    assert check.returncode != 0


def test_pipenv_on_python2_gets_a_pipenv_that_still_runs_on_2_7() -> None:
    findings = [f for f in with_version("2.7") if "package_manager" not in f.fields]
    findings.append(base.runtime(Src("pipenv", "Pipfile", 1), language="python", package_manager="pipenv"))
    m = model(findings)
    text = dockerfile.render(spec(findings))
    assert "pipenv==2021.5.29" in text and "pipenv==2023" not in text, m.runtime
    assert "python -m venv" not in text


def test_migration_md_states_the_end_of_life_as_an_open_question() -> None:
    findings = with_version("2.7")
    s = spec(findings)
    text = migration_md.generate(model(findings), s, dockerfile.generate(s)).content
    questions = text.split("## Open questions", 1)[1].split("##", 1)[0]
    assert ("- End of life: Python 2.7 reached its end of life on 2020-01-01: CPython gets no more security fixes "
            "and the python:2.7-slim image is no longer maintained") in questions
    assert "Port the app to Python 3" in questions
    current = spec(with_version("3.12"))
    assert "End of life" not in migration_md.generate(model(with_version("3.12")), current, []).content


def test_end_of_life_for_every_ended_release_only() -> None:
    for version, ended in PYTHON_END_OF_LIFE.items():
        note = end_of_life(choose(plan("a", with_version(version, []))))
        assert note is not None and ended in note and f"python:{version}-slim" in note
    for version in ("3.11", "3.12", "3.13"):
        assert end_of_life(choose(plan("a", with_version(version, [])))) is None


def test_older_python_2_falls_to_2_7_and_overrides_carry_their_version() -> None:
    chosen = choose(plan("a", with_version("2.6", [])))
    assert (chosen.image, chosen.version) == ("python:2.7-slim", "2.7")
    assert chosen.reason == "python 2.6: shop/views.py:7 (inferred); python:2.7 is the only Python 2 image"
    mirrored = choose(plan("a", []), "mirror.local:5000/python:2.7-slim")
    assert (mirrored.image, mirrored.version) == ("mirror.local:5000/python:2.7-slim", "2.7")
    text = dockerfile.render(spec(findings=[], settings=GenerateSettings(base_image="mirror.local/python:2.7-slim")))
    assert "virtualenv /opt/venv" in text


def test_every_known_python_image_is_chosen_for_its_version() -> None:
    for version in PYTHON_IMAGE_VERSIONS:
        chosen = choose(plan("a", [base.runtime(Src("x", "x", 1), H, language="python", version=version)]))
        assert (chosen.image, chosen.version) == (f"python:{version}-slim", version)
