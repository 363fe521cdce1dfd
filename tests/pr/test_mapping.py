"""migrator/pr/mapping.py: which legacy thing became which object, read back from the generated
manifests without parsing each one again (the PR body took 20 s for 3,000 CronJobs)."""

from __future__ import annotations

from typing import Any

import pytest
from ruamel.yaml import YAML

from generators.output import OutputFile
from migrator import config
from migrator.generate import generate_from_model
from migrator.planner import analyze
from migrator.pr.mapping import manifest_head, manifest_objects
from tests.conftest import fixture_dirs, fixture_path

NAMES = [p.name for p in fixture_dirs()]


@pytest.mark.parametrize("name", NAMES)
def test_the_head_scan_agrees_with_a_yaml_parser_on_every_generated_manifest(name: str) -> None:
    root = fixture_path(name)
    files = generate_from_model(analyze(root, overrides=config.load_overrides(root)), config.load_settings(root))
    loader = YAML(typ="safe")
    checked = 0
    for f in files:
        if f.format != "yaml" or not f.path.startswith("deploy/k8s/base/"):
            continue
        doc: Any = loader.load(f.content)
        assert manifest_head(f.content) == (doc["kind"], (doc.get("metadata") or {}).get("name", "")), f.path
        checked += 1
    assert checked


def test_unusual_layouts_are_parsed_instead() -> None:
    assert manifest_head("kind: Job\nmetadata:\n  name: 'quoted'\n") is None
    assert manifest_head("---\nkind: Job\nmetadata:\n  name: a\n---\nkind: Job\n") is None
    assert manifest_head("metadata:\n  labels:\n    name: not-this\nkind: Job\n") == ("Job", "")
    files = [OutputFile("deploy/k8s/base/job.yaml", "kind: Job\nmetadata:\n  name: 'quoted'\n", "yaml"),
             OutputFile("deploy/k8s/base/cron.yaml", "# header\nkind: CronJob  # c\nmetadata:\n  # legacy\n"
                        "  name: app-nightly  # renamed\n  namespace: app\n", "yaml")]
    objects = manifest_objects(files)
    assert {k: (w.kind, w.name) for k, w in objects.items()} == {
        "job.yaml": ("Job", "quoted"), "cron.yaml": ("CronJob", "app-nightly")}
