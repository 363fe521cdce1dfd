"""The PR body: every fixture's body is a reviewed snapshot, free of every planted secret value."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generators.spec import build_spec
from migrator import config
from migrator.generate import generate_from_model
from migrator.model import AppModel
from migrator.planner import analyze
from migrator.pr import body
from migrator.pr.mapping import Mapping, Workload, mermaid
from migrator.verify.report import FAILED, OK, Step, VerifyReport
from tests.conftest import FIXTURES, fixture_dirs, fixture_path

NAMES = [p.name for p in fixture_dirs()]
SECRETS = [line.split("\t", 1) for line in (FIXTURES / "SECRETS.txt").read_text().splitlines() if "\t" in line]


def render(fixture: Path, ctx: body.BodyContext | None = None, limit: int = body.GITHUB_LIMIT) -> tuple[AppModel, str]:
    model = analyze(fixture, overrides=config.load_overrides(fixture))
    spec = build_spec(model, config.load_settings(fixture))
    files = generate_from_model(model, spec.settings)
    return model, body.render(model, spec, files, ctx or body.BodyContext(repo=f"acme/{fixture.name}"), limit)


@pytest.mark.parametrize("name", NAMES)
def test_body_snapshot_without_secret_values(name, snapshot):
    model, text = render(fixture_path(name))
    assert text == snapshot
    for _fixture, value in SECRETS:  # no fixture's planted value, in any fixture's body
        assert value.strip() not in text
    assert len(text) <= body.GITHUB_LIMIT
    assert "```mermaid\nflowchart LR\n" in text
    for heading in ("## Summary", "## Processes → workloads", "## Secret keys to create", "## Hard-coded secrets",
                    "## Open questions", "## Verification", "## Evidence", "## How to re-run"):
        assert heading in text
    for secret in model.secrets_found:  # each hard-coded secret is listed by file:line
        assert f"| `{secret.file}:{secret.line or '?'}` |" in text


def test_planted_secrets_are_listed_with_advice_to_rotate():
    model, text = render(fixture_path("planted-secrets"))
    assert model.secrets_found
    assert "**Rotate each one**" in text
    section = text.split("## Hard-coded secrets", 1)[1].split("## Unclassified deploy commands", 1)[0]
    assert section.count("\n| `") == len(model.secrets_found)


def test_a_long_body_is_cut_to_the_limit_table_rows_first():
    full = render(fixture_path("planted-secrets"))[1]
    limit = 9000
    assert len(full) > limit
    text = render(fixture_path("planted-secrets"), limit=limit)[1]
    assert len(text) <= limit
    note = r"\| … \| \d+ more rows omitted to fit GitHub's size limit: run `migrate analyze --explain` \|"
    assert re.search(note, text)
    assert text.rstrip().endswith("`migrate verify`.")  # the sections after the cut table are intact
    assert "## How to re-run" in text and text.count("<details>") == text.count("</details>")


def test_fixed_text_longer_than_the_limit_is_hard_cut_on_a_line():
    text = body.fit([body.Section(["x" * 50] * 100)], 1000)
    assert len(text) <= 1000 and text.endswith("_… truncated to fit GitHub's 65,536-character limit._\n")


def test_verify_result_is_reported():
    report = VerifyReport("docker", "abc123")
    report.steps += [Step("build image", OK, 12.5), Step("wait for web", FAILED, 30.0, "readiness probe failed | 503")]
    ctx = body.BodyContext(repo="acme/shop", verify=report.to_json())
    text = render(fixture_path("heroku-django"), ctx)[1]
    section = text.split("## Verification", 1)[1].split("## Evidence", 1)[0]
    assert "**FAILED** with the docker backend" in section
    assert "| `build image` | ok |  |" in section
    assert "| `wait for web` | failed | `readiness probe failed \\| 503` |" in section


def test_drill_figures_and_advice_are_reported():
    from migrator.verify.drill import DrillResult

    report = VerifyReport("docker", "abc123")
    report.steps += [Step("drill: graceful stop", FAILED, 6.0, "web: 4 request(s) in flight at the stop, 4 dropped")]
    report.drill = DrillResult(True, [
        {"name": "rolling update", "rollout_s": {"shop-web": 6.1},
         "load": {"sent": 32, "failed": 0, "longest_gap_s": 0.8}},
        {"name": "graceful stop", "stops": [{"workload": "shop-web", "seconds": 0.4, "grace_s": 30, "killed": False}],
         "in_flight": 4, "dropped": 4},
    ], ["shop-web: requests were dropped at SIGTERM | add `[processes.web] pre_stop_sleep = 5` in migrate.toml"])
    text = render(fixture_path("heroku-django"), body.BodyContext(verify=report.to_json()))[1]
    section = text.split("### Rollout drill", 1)[1].split("## Evidence", 1)[0]
    assert "(simulated on plain containers by the Docker backend)" in section
    assert "| `rolling update` | 32 | 0 | 0.8 s | `shop-web 6.1s` |" in section
    stop = "`shop-web stopped in 0.4s of 30s; 4 in flight at SIGTERM, 4 dropped`"
    assert f"| `graceful stop` |  |  |  | {stop} |" in section
    assert "- shop-web: requests were dropped at SIGTERM | add `[processes.web] pre_stop_sleep = 5` in migrate.toml" \
        in section


def test_mermaid_labels_cannot_break_the_diagram():
    maps = [Mapping('web "main" [x] <y>', "web", ("deploy/run|it.sh:3",),
                    (Workload("Deployment", "shop-web", "deploy/k8s/base/deployment-web.yaml"),
                     Workload("Service", "shop-web", "deploy/k8s/base/service-web.yaml"))),
            Mapping("manage.py shell", "oneoff", ("Makefile:9",), ())]
    lines = mermaid(maps)
    assert lines[0] == "flowchart LR"
    assert '    L0["deploy/run it.sh"]' in lines
    assert '  L0 -->|"web #quot;main#quot;  x  #lt;y#gt;"| K0' in lines
    assert "  K1 --> K0" in lines
    for line in lines:
        inner = re.findall(r'"([^"]*)"', line)
        assert all("[" not in s and "|" not in s for s in inner)


def test_title_names_the_repository():
    model = analyze(fixture_path("flask-gunicorn"))
    expected = "Containerize linkshort: Dockerfile and Kubernetes manifests (migrate)"
    assert body.title(model, "acme/linkshort") == expected
    assert body.title(model).startswith("Containerize flask-gunicorn:")
