"""generators/k8s/resources.py: legacy limits, then [resources] settings, then documented defaults."""

from __future__ import annotations

from analyzers import base
from analyzers.base import Src
from generators.k8s.resources import DEFAULTS, millicores, resources_for
from migrator.config import GenerateSettings
from migrator.model import Subject
from migrator.planner import OVERRIDE_ANALYZER, plan


def web(memory_limit: str | None = None, cpu_limit: str | None = None) -> Subject:
    finding = base.process("web", Src("systemd", "web.service", 4), role="web", memory_limit=memory_limit,
                           cpu_limit=cpu_limit)
    return plan("a", [finding]).processes[0]


def test_defaults() -> None:
    r = resources_for(web(), GenerateSettings())
    assert (r.cpu_request, r.memory_request, r.cpu_limit, r.memory_limit) == tuple(DEFAULTS.values())


def test_legacy_limits_with_their_source() -> None:
    r = resources_for(web(memory_limit="1Gi", cpu_limit="50m"), GenerateSettings())
    assert (r.memory_limit, r.memory_request, r.cpu_limit, r.cpu_request) == ("1Gi", "1Gi", "50m", "50m")
    assert r.origins["memory_limit"] == "web.service:4 (declared)"


def test_settings_win_over_legacy_but_not_over_per_process_overrides() -> None:
    settings = GenerateSettings(resources={"memory_limit": "2Gi"})
    assert resources_for(web(memory_limit="1Gi"), settings).memory_limit == "2Gi"
    pinned = plan("a", [
        base.process("web", Src("systemd", "web.service", 4), role="web", memory_limit="1Gi"),
        base.process("web", Src(OVERRIDE_ANALYZER, "migrate.toml", None), memory_limit="3Gi"),
    ]).processes[0]
    assert resources_for(pinned, settings).memory_limit == "3Gi"


def test_garbage_limits_are_ignored() -> None:
    assert resources_for(web(memory_limit="lots"), GenerateSettings()).memory_limit == "512Mi"


def test_millicores() -> None:
    assert (millicores("500m"), millicores("1.5"), millicores("2"), millicores("x")) == (500, 1500, 2000, None)
