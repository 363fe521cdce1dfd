"""migrate.toml: the user's overrides, read with tomlkit (comments and order survive round trips).

Overrides that change *facts* (runtime, processes, env, health check) become findings from the
``migrate.toml`` analyzer, which the planner ranks above every other source. Settings that only
concern generation (image, namespace, base image ...) are read by the generators.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.exceptions import TOMLKitError

from migrator.errors import UserError
from migrator.model import Confidence, Finding, Kind, Source

CONFIG_NAME = "migrate.toml"
_ANALYZER = "migrate.toml"


def load(root: str | os.PathLike[str]) -> dict[str, Any]:
    """The parsed migrate.toml of the repo at ``root`` as plain data ({} when there is none)."""
    path = Path(root) / CONFIG_NAME
    if not path.is_file():
        return {}
    try:
        doc = tomlkit.parse(path.read_text(encoding="utf-8"))
    except (TOMLKitError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: not valid TOML: {exc}") from exc
    except OSError as exc:
        raise UserError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    data: dict[str, Any] = doc.unwrap()
    return data


def load_overrides(root: str | os.PathLike[str]) -> list[Finding]:
    """Findings for every fact the user pinned in migrate.toml."""
    if not Path(root).is_dir():
        return []
    return overrides_from(load(root))


def overrides_from(data: dict[str, Any]) -> list[Finding]:
    src = Source(CONFIG_NAME, None, _ANALYZER, Confidence.DECLARED)
    out: list[Finding] = []
    runtime = {k: v for k, v in (data.get("runtime") or {}).items() if isinstance(v, (str, int))}
    if runtime:
        out.append(Finding(Kind.RUNTIME, "", runtime, src))
    for name, proc in (data.get("processes") or {}).items():
        if not isinstance(proc, dict):
            raise UserError(f"{CONFIG_NAME}: [processes.{name}] must be a table")
        fields = {k: v for k, v in proc.items() if isinstance(v, (str, int, bool)) and k in _PROCESS_KEYS}
        if fields:
            out.append(Finding(Kind.PROCESS, name, fields, src))
    health = data.get("health") or {}
    if isinstance(health, dict) and health.get("path"):
        out.append(Finding(Kind.HEALTH_CHECK, str(health["path"]), {"path": health["path"], "port": health.get("port")}, src))
    for name, spec in (data.get("env") or {}).items():
        if isinstance(spec, dict):
            fields = {k: v for k, v in spec.items() if k in ("secret", "required", "default")}
            if fields.get("secret"):
                fields.pop("default", None)
            out.append(Finding(Kind.ENV, name, fields, src))
    return out


_PROCESS_KEYS = {"role", "command", "port", "replicas", "user", "memory_limit", "cpu_limit", "stop_timeout"}
