"""Control characters from a repository never reach a terminal or a document raw.

One repository whose file names and contents carry OSC (window title, OSC 52 clipboard), CSI, C1,
bidi-override and newline characters goes through every rendering: the text report (plain, colour,
--explain), Markdown, JSON, every generated file (YAML comments, Dockerfile comments, MIGRATION.md,
migrate.toml), the PR body, verify's report and the CLI's messages. Each must show the hostile text
escaped (so the reader sees it) and never raw, and the newline in a file name never splits a line.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from generators.image import dockerfile
from generators.spec import build_spec
from migrator import config
from migrator.cli import main
from migrator.generate import generate_from_model
from migrator.model import AppModel
from migrator.planner import analyze
from migrator.pr import body
from migrator.report import render
from migrator.verify.report import FAILED, Step, VerifyReport
from migrator.verify.report import render as render_verify

OSC_TITLE = "\x1b]0;pwned\x07"
OSC_52 = "\x1b]52;c;Y3VybCBldmlsfHNo\x07"
CSI = "\x1b[2J"
C1 = "\x9b31m"
RLO = "\u202e"
FORGED = "FORGED-LINE"
SHOWN_TITLE = "\\x1b]0;pwned\\x07"  # how the OSC sequence must appear: escaped, visible

# Anything that may drive a terminal or hide text: C0 (but \n and \t), DEL, C1, separators, bidi.
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def assert_safe(text: str, where: str) -> None:
    m = RAW.search(text)
    assert m is None, f"{where}: raw {m.group()!r} in {text[max(0, m.start() - 60):m.end() + 20]!r}"
    forged = [line for line in text.splitlines() if line.lstrip(" #|-*>`'\"").startswith(FORGED)]
    assert not forged, f"{where}: a file name's newline split a line: {forged}"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile") / f"shop{OSC_TITLE}"
    files: dict[str, str | bytes] = {
        "Procfile": f"worker: celery -A shop worker -n 'w{OSC_52}'\n",
        "requirements.txt": "Django==4.2.11\ngunicorn==21.2.0\ncelery==5.3.6\n",
        # the web unit's file name carries an OSC sequence: its origin lands in Dockerfile/YAML comments
        f"deploy/systemd/shop{OSC_TITLE}.service": (
            "[Unit]\nDescription=shop web\n\n[Service]\nUser=shop\nWorkingDirectory=/srv/shop\n"
            f"ExecStart=/srv/shop/venv/bin/gunicorn shop.wsgi:application --bind 0.0.0.0:8000 --name 'x{CSI}'\n"
        ),
        f"deploy/cron{OSC_TITLE}\n{FORGED}{RLO}.cron": f"0 3 * * * python manage.py clear{CSI}sessions\n",
        "deploy/crontab": f"*/5 * * * * python manage.py send_{C1}mail\n",
        ".env.example": f"GREETING=hello{OSC_TITLE}\nDEBUG=false\n",
        f"shop/views{OSC_TITLE}.py": b"GREETING = '\xff\xfe not utf-8'\n",
        # not UTF-8 at all: the name reaches us with surrogate escapes, which no terminal can print
        b"deploy/backup\xff.cron".decode("utf-8", "surrogateescape"): "0 4 * * * python manage.py backup\n",
        "manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'shop.settings')\n",
    }
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def model(hostile: Path) -> AppModel:
    return analyze(hostile, overrides=config.load_overrides(hostile))


def test_the_hostile_text_reaches_the_model_escaped(model: AppModel) -> None:
    assert any(SHOWN_TITLE in f and "\\nFORGED-LINE\\u202e" in f for f in model.files_read)
    assert SHOWN_TITLE in model.root_name
    assert any("views\\x1b]0;pwned\\x07.py" in (w.file or "") for w in model.warnings)
    assert model.process("web") is not None and model.process("worker") is not None


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
@pytest.mark.parametrize("explain", [False, True])
def test_reports(model: AppModel, fmt: str, explain: bool) -> None:
    text = render(model, fmt, explain=explain)
    assert_safe(text, f"{fmt} report")
    if fmt == "json":
        data = json.loads(text)
        assert any(SHOWN_TITLE in f for f in data["files_read"])
    else:
        assert SHOWN_TITLE in text and "\\nFORGED-LINE\\u202e.cron" in text


def test_coloured_text_adds_only_its_own_styles(model: AppModel) -> None:
    plain = render(model, "text", explain=True)
    coloured = render(model, "text", explain=True, color=True)
    assert coloured != plain  # colour really is on
    assert click.unstyle(coloured) == plain  # ... and adds nothing but SGR styles
    assert "\x1b]" not in coloured and CSI not in coloured and "\x9b" not in coloured


def test_every_generated_file(model: AppModel) -> None:
    settings = config.GenerateSettings()
    files = generate_from_model(model, settings)
    for f in files:
        assert_safe(f.content, f.path)
    by_path = {f.path: f.content for f in files}
    assert SHOWN_TITLE in by_path[dockerfile.DOCKERFILE]  # the web process's origin, in a comment
    assert SHOWN_TITLE in by_path["MIGRATION.md"]
    cronjobs = [c for p, c in by_path.items() if "/cronjob-" in p]
    assert any(f"cron{SHOWN_TITLE}\\nFORGED-LINE\\u202e.cron:1" in c for c in cronjobs)


def test_pr_body_and_title(model: AppModel) -> None:
    spec = build_spec(model, config.GenerateSettings())
    files = generate_from_model(model, spec.settings)
    text = body.render(model, spec, files, body.BodyContext())
    assert_safe(text, "PR body")
    assert SHOWN_TITLE in text
    assert_safe(body.title(model), "PR title")


def test_verify_report_strips_colour_and_escapes_the_rest() -> None:
    report = VerifyReport("docker", "r1")
    report.steps.append(Step(f"health check{OSC_TITLE}", FAILED, 1.0, f"GET / failed{OSC_52}\nsecond line",
                             logs={"web": [f"\x1b[32mINFO\x1b[0m booted{OSC_52}", f"bell\x07 and {RLO}rtl"]},
                             events=[f"pod web{CSI}: Back-off"]))
    report.notes.append(f"note{C1}")
    for fmt in ("text", "json"):
        assert_safe(render_verify(report, fmt), f"verify {fmt}")
    text = render_verify(report, "text")
    assert "| INFO booted" in text  # colour codes are dropped, the text is kept
    assert "bell\\x07 and \\u202ertl" in text
    assert "GET / failed" in text and "second line" in text


def test_verify_progress_is_safe() -> None:
    said: list[str] = []
    report = VerifyReport("docker", progress=said.append)
    report.say(f"Step 3/9 : RUN pip install{CSI} \x1b[1mdone\x1b[0m{OSC_52}")
    assert said == ["Step 3/9 : RUN pip install done"]


def test_cli_messages_that_echo_a_path(tmp_path: Path) -> None:
    missing = tmp_path / f"gone{OSC_TITLE}\n{FORGED}"
    result = CliRunner().invoke(main, ["analyze", str(missing)])
    assert result.exit_code == 1
    assert_safe(result.stderr, "analyze error")
    assert SHOWN_TITLE in result.stderr


def test_cli_echo_of_an_output_file_name(hostile: Path, tmp_path: Path) -> None:
    out = tmp_path / f"report{OSC_TITLE}.txt"
    result = CliRunner().invoke(main, ["analyze", str(hostile), "--output", str(out)])
    assert result.exit_code == 0 and out.is_file()
    assert_safe(result.stderr, "analyze --output")
    assert f"report{SHOWN_TITLE}.txt" in result.stderr


def test_cli_analyze_and_generate_output(hostile: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    for args in (["analyze", str(hostile), "--explain"], ["analyze", str(hostile), "--format", "markdown"],
                 ["generate", str(hostile), "--dry-run"], ["generate", str(hostile), "-o", str(tmp_path / "out")]):
        result = runner.invoke(main, args)
        assert result.exit_code == 0, result.output
        assert_safe(result.stdout, " ".join(args[:1]))
        assert_safe(result.stderr, " ".join(args[:1]))
    for path in (tmp_path / "out").rglob("*"):
        if path.is_file():
            assert_safe(path.read_text(encoding="utf-8"), str(path))


def test_renderings_are_safe_on_their_own_even_for_a_model_built_by_hand() -> None:
    """The planner escapes once; each rendering escapes again, so a model built elsewhere is safe too."""
    from migrator.model import Candidate, Confidence, Fact, Kind, Source, Subject, Warning

    src = Source(f"Procfile{OSC_TITLE}\n{FORGED}", 1, "procfile", Confidence.DECLARED)

    def fact(name: str, value: str) -> Fact:
        return Fact(name, value, (Candidate(value, src),), False, f"only source: {src.where()}")

    web = Subject(Kind.PROCESS, f"web{CSI}", {"role": fact("role", "web"),
                                              "command": fact("command", f"gunicorn app:app {OSC_52}\necho done")})
    model = AppModel(root_name=f"raw{OSC_TITLE}", subjects={Kind.PROCESS: (web,)},
                     warnings=(Warning(f"bad{C1}\n{FORGED}", src.file, 2),), files_read=(src.file,))
    for fmt in ("text", "markdown", "json"):
        assert_safe(render(model, fmt, explain=True), f"{fmt} of a raw model")
    assert click.unstyle(render(model, "text", color=True)) == render(model, "text")
    files = generate_from_model(model, config.GenerateSettings())
    for f in files:
        assert_safe(f.content, f"{f.path} of a raw model")
    spec = build_spec(model, config.GenerateSettings())
    assert_safe(body.render(model, spec, files, body.BodyContext()), "PR body of a raw model")
