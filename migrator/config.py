"""migrate.toml: the user's overrides, read with tomlkit (comments and order survive round trips).

Overrides that change *facts* (runtime, processes, env, health check) become findings from the
``migrate.toml`` analyzer, which the planner ranks above every other source. Settings that only
concern generation (image, namespace, base image ...) are read by the generators.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from migrator.errors import UserError
from migrator.model import Confidence, Finding, Kind, Source, Value
from migrator.secrets import bears_secret, is_secret_name

CONFIG_NAME = "migrate.toml"
_ANALYZER = "migrate.toml"


def load(root: str | os.PathLike[str]) -> dict[str, Any]:
    """The parsed migrate.toml of the repo at ``root`` as plain data ({} when there is none)."""
    path = Path(root) / CONFIG_NAME
    if not path.is_file():
        return {}
    # tomlkit is imported only when there is a migrate.toml: most analyses never need it
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

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
        health_fields: dict[str, Value] = {"path": health["path"], "port": health.get("port")}
        out.append(Finding(Kind.HEALTH_CHECK, str(health["path"]), health_fields, src))
    for name, spec in (data.get("env") or {}).items():
        if isinstance(spec, dict):
            fields = {k: v for k, v in spec.items() if k in ("secret", "required", "default")}
            # a secret-named variable is secret unless the user says otherwise; a default that holds a
            # secret always is: it must never become a ConfigMap value
            default = fields.get("default")
            bearing = isinstance(default, str) and bears_secret(default)
            if fields.get("secret") is None and is_secret_name(name) or bearing:
                fields["secret"] = True
            if fields.get("secret"):
                fields.pop("default", None)
            out.append(Finding(Kind.ENV, name, fields, src))
    return out


_PROCESS_KEYS = {"role", "command", "port", "replicas", "user", "memory_limit", "cpu_limit", "stop_timeout"}


# -- generation settings ------------------------------------------------------------------------

_GENERATE_KEYS = {
    "image": str, "registry": str, "tag": str, "namespace": str, "base_image": str,
    "replicas": int, "port": int, "buildkit": bool,
}
_RESOURCE_KEYS = ("cpu_request", "memory_request", "cpu_limit", "memory_limit")


@dataclass(frozen=True)
class GenerateSettings:
    """What the user pinned for ``migrate generate`` (migrate.toml, then command-line options).

    ``None`` means "not set": the generators infer the value and record it as a commented default.
    Per-process settings (replicas, limits, command ...) are facts: :func:`load_overrides` feeds them
    to the planner, so they arrive through the model.
    """

    image: str | None = None
    registry: str | None = None
    tag: str | None = None
    namespace: str | None = None
    base_image: str | None = None
    replicas: int | None = None
    port: int | None = None
    buildkit: bool = False
    health_path: str | None = None
    resources: Mapping[str, str] = field(default_factory=dict)

    def with_options(self, **options: Any) -> GenerateSettings:
        """Command-line options win over migrate.toml; ``None`` options change nothing."""
        return replace(self, **{k: v for k, v in options.items() if v is not None})


def settings_from(data: Mapping[str, Any]) -> GenerateSettings:
    """Read ``[generate]``, ``[resources]`` and ``[health]`` of a parsed migrate.toml, type-checked."""
    section = _table(data, "generate")
    values: dict[str, Any] = {}
    for key, value in section.items():
        expected = _GENERATE_KEYS.get(key)
        if expected is None:
            raise UserError(f"{CONFIG_NAME}: [generate] has no setting {key!r} (known: {', '.join(_GENERATE_KEYS)})")
        # bool is an int subclass: check it first so `replicas = true` is refused
        if isinstance(value, bool) is not (expected is bool) or not isinstance(value, expected):
            raise UserError(f"{CONFIG_NAME}: [generate] {key} must be a {expected.__name__}, not {value!r}")
        values[key] = value
    resources = _table(data, "resources")
    for key, value in resources.items():
        if key not in _RESOURCE_KEYS or not isinstance(value, (str, int)) or isinstance(value, bool):
            raise UserError(f"{CONFIG_NAME}: [resources] {key} = {value!r}: expected one of {_RESOURCE_KEYS} "
                            "with a Kubernetes quantity such as \"500m\" or \"512Mi\"")
    health = _table(data, "health")
    path = health.get("path")
    return GenerateSettings(
        **values,
        health_path=str(path) if path else None,
        resources={k: str(v) for k, v in resources.items()},
    )


def _table(data: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = data.get(name) or {}
    if not isinstance(value, Mapping):
        raise UserError(f"{CONFIG_NAME}: [{name}] must be a table")
    return value


def load_settings(root: str | os.PathLike[str]) -> GenerateSettings:
    """The generation settings pinned in the repo's migrate.toml (defaults when there is none)."""
    return settings_from(load(root)) if Path(root).is_dir() else GenerateSettings()


# A commented default: (key, value, where it came from or what it is for).
Default = tuple[str, Any, str]


def render_config(sections: Sequence[tuple[str, Sequence[Default]]]) -> str:
    """A fresh migrate.toml in which every inferred value is a commented default with its origin.

    Uncommenting a line turns it into an override; tomlkit keeps the user's comments and order on
    later reads, and ``generate`` never rewrites a migrate.toml that already exists.
    """
    import tomlkit

    doc = tomlkit.document()
    doc.add(tomlkit.comment("migrate.toml: overrides for `migrate analyze` and `migrate generate`."))
    doc.add(tomlkit.comment("Every line below is commented out: it shows what was inferred and where from."))
    doc.add(tomlkit.comment("Uncomment a line to pin a value; overrides win over everything found in the repo."))
    for name, defaults in sections:
        table = tomlkit.table()
        for key, value, origin in defaults:
            line = f"{key} = {tomlkit.item(value).as_string()}"
            table.add(tomlkit.comment(f"{line:<40} # {origin}" if origin else line))
        doc.add(tomlkit.nl())
        parent, _, child = name.partition(".")
        if not child:
            doc.add(name, table)
            continue
        if parent not in doc:
            doc.add(parent, tomlkit.table(is_super_table=True))
        doc[parent].append(child, table)
    return tomlkit.dumps(doc)
