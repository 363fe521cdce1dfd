"""Resource requests and limits per process: legacy limits, then the user's settings, then defaults.

Legacy limits (systemd ``MemoryMax``/``CPUQuota``, supervisor and pm2 settings) arrive as process facts
``memory_limit`` ("512Mi") and ``cpu_limit`` ("500m"). The memory request equals the memory limit:
memory cannot be throttled, so a pod that may use it should be scheduled with it. The CPU request is a
fraction of the limit: CPU is compressible, and legacy quotas are caps rather than reservations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from migrator.config import GenerateSettings
from migrator.model import Subject
from migrator.planner import OVERRIDE_ANALYZER

DEFAULTS = {"cpu_request": "100m", "memory_request": "256Mi", "cpu_limit": "500m", "memory_limit": "512Mi"}


@dataclass(frozen=True)
class Resources:
    cpu_request: str
    memory_request: str
    cpu_limit: str
    memory_limit: str
    origins: dict[str, str]  # field -> where it came from


def resources_for(process: Subject, settings: GenerateSettings) -> Resources:
    values: dict[str, str] = {}
    origins: dict[str, str] = {}
    for name in ("cpu_limit", "memory_limit"):
        fact = process.facts.get(name)
        from_toml = fact is not None and fact.source.analyzer == OVERRIDE_ANALYZER
        if fact is not None and (from_toml or name not in settings.resources) and _quantity(fact.value):
            values[name] = str(fact.value)
            origins[name] = f"{fact.source.where()} ({fact.source.confidence.label})"
        elif name in settings.resources:
            values[name] = settings.resources[name]
            origins[name] = "migrate.toml [resources]"
        else:
            values[name] = DEFAULTS[name]
            origins[name] = "default"
    for name in ("cpu_request", "memory_request"):
        if name in settings.resources:
            values[name] = settings.resources[name]
            origins[name] = "migrate.toml [resources]"
    if "memory_request" not in values:
        legacy = origins["memory_limit"] != "default"
        values["memory_request"] = values["memory_limit"] if legacy else DEFAULTS["memory_request"]
        origins["memory_request"] = "= memory limit" if legacy else "default"
    if "cpu_request" not in values:
        limit = millicores(values["cpu_limit"])
        values["cpu_request"] = f"{min(limit, 100)}m" if limit else DEFAULTS["cpu_request"]
        origins["cpu_request"] = "default (at most the limit)"
    return Resources(values["cpu_request"], values["memory_request"], values["cpu_limit"], values["memory_limit"],
                     origins)


def _quantity(value: object) -> bool:
    return isinstance(value, (str, int)) and bool(re.fullmatch(r"\d+(\.\d+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?", str(value)))


def millicores(value: str) -> int | None:
    """``"500m"`` -> 500, ``"1.5"`` -> 1500; None when it is not a CPU quantity."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(m?)", value.strip())
    if not m:
        return None
    number = float(m.group(1))
    return int(number if m.group(2) else number * 1000)
