"""Every fixture end to end: the JSON report is schema-valid and snapshot-tested, every rendering is
free of planted secrets, and the text report says which files were read and why the web process won."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner
from syrupy.extensions.json import JSONSnapshotExtension

from generators.spec import build_spec
from migrator import config
from migrator.cli import main
from migrator.generate import generate_from_model
from migrator.planner import analyze
from migrator.pr import body
from migrator.report import render, to_dict
from migrator.writer import write
from tests.conftest import SECRETS_FILE, fixture_dirs, fixture_path
from tests.report_schemas import FROZEN, validate_report

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = fixture_dirs()
SNAPSHOTTED = list(FIXTURES)  # every fixture's report (the Node ones since the Node provider landed)


def planted_secrets(owner: str | None = None) -> list[str]:
    lines = SECRETS_FILE.read_text().splitlines()
    pairs = [line.split("\t", 1) for line in lines if "\t" in line and not line.startswith("#")]
    return [value for fixture, value in pairs if owner in (None, fixture)]


def stable(doc: dict[str, Any]) -> dict[str, Any]:
    doc["tool"]["version"] = "<version>"
    return doc


@pytest.fixture
def snapshot_json(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


def test_there_are_fixtures_and_planted_secrets():
    assert len(FIXTURES) >= 8
    assert len(planted_secrets()) >= 10
    assert len(set(planted_secrets("planted-secrets"))) >= 40
    for fixture in {line.split("\t", 1)[0] for line in SECRETS_FILE.read_text().splitlines()
                    if "\t" in line and not line.startswith("#")}:
        text = "".join(p.read_text(errors="replace") for p in fixture_path(fixture).rglob("*") if p.is_file())
        for value in planted_secrets(fixture):  # a stale list would make every leak test pass
            assert value in text, f"{value!r} is not planted in fixtures/{fixture}"
    for fixture in FIXTURES:
        assert (fixture / "README.md").is_file(), f"{fixture.name} has no README saying what it exercises"


@pytest.mark.parametrize("fixture", SNAPSHOTTED, ids=[f.name for f in SNAPSHOTTED])
def test_report_matches_schema_and_snapshot(fixture, snapshot_json):
    doc = to_dict(analyze(fixture))
    validate_report(doc)
    validate_report(to_dict(analyze(fixture), explain=True))
    assert stable(doc) == snapshot_json


def test_the_frozen_v1_schema_is_a_real_contract():
    # the frozen copy must keep rejecting what v1 never allowed, or validating against it asserts nothing
    doc = stable(to_dict(analyze(FIXTURES[0])))
    validate_report(doc)
    for broken in ({**doc, "runtime": {"language": 3}}, {k: v for k, v in doc.items() if k != "processes"},
                   {**doc, "schema_version": 2}):
        with pytest.raises(jsonschema.ValidationError):
            validate_report(broken)
    assert json.loads(FROZEN.read_text())["$id"].endswith("report-v1.schema.json")


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.name for f in FIXTURES])
def test_no_rendering_contains_a_planted_secret(fixture, tmp_path):
    model = analyze(fixture, overrides=config.load_overrides(fixture))
    outputs = {
        f"{fmt}{'+explain' if explain else ''}": render(model, fmt, explain=explain, color=color)
        for fmt in ("text", "markdown", "json")
        for explain in (False, True)
        for color in (False, True)
    }
    runner = CliRunner()
    outputs["cli"] = runner.invoke(main, ["analyze", str(fixture), "--explain"]).output
    outputs["warnings"] = repr(model.warnings)
    # what generate writes (the writer's .migrate/state.json included) and the PR body
    spec = build_spec(model, config.load_settings(fixture))
    files = generate_from_model(model, spec.settings)
    write(files, tmp_path)
    outputs.update({str(p.relative_to(tmp_path)): p.read_text() for p in tmp_path.rglob("*") if p.is_file()})
    assert ".migrate/state.json" in outputs
    outputs["pr body"] = body.render(model, spec, files, body.BodyContext(repo=f"acme/{fixture.name}"))
    for name, text in outputs.items():
        for value in planted_secrets():
            assert value not in text, f"{fixture.name}: planted secret found in the {name} rendering"


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda f: f.name)
def test_text_says_what_was_read_and_why_the_web_process_won(fixture):
    model = analyze(fixture)
    text = render(model, "text")
    assert "Files read" in text
    for f in model.files_read:
        assert f"  {f}" in text
    web = model.web_process
    if web is not None:
        assert f"{web.key}.command: " in text
        if web.get("port") is not None:
            assert f"{web.key}.port: " in text
