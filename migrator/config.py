"""migrate.toml: the user's overrides, read with tomlkit (comments and order survive round trips).

The file is read through :class:`~migrator.repo.RepoView`, by the same rules as every other file: a
symlink out of the repository is not followed (the analysis warns about it; nothing of the target is
used), and only a regular file is opened. It is validated against :mod:`migrator.config_schema`
(documented in ``docs/migrate-toml.md``): a wrongly typed or out-of-range value, or an unknown key, is
a user error (exit 1) naming every such key and what it expects.

Overrides that change *facts* (runtime, processes, env, health check) become findings from the
``migrate.toml`` analyzer, which the planner ranks above every other source. Settings that only
concern generation (image, namespace, base image ...) are read by the generators.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from migrator.config_schema import problems
from migrator.errors import UserError
from migrator.model import Confidence, Finding, Kind, Source, Value
from migrator.secrets import bears_secret, is_secret_name
from migrator.textsafe import inline

CONFIG_NAME = "migrate.toml"
_ANALYZER = "migrate.toml"


class ConfigError(UserError):
    """migrate.toml does not match its schema; ``lines`` holds one line per problem."""

    def __init__(self, found: Sequence[str]) -> None:
        self.lines = (f"{CONFIG_NAME} is not valid ({len(found)} problem{'s' if len(found) != 1 else ''}; "
                      "see docs/migrate-toml.md):", *(f"  {p}" for p in found))
        super().__init__("\n".join(self.lines))


def load(root: str | os.PathLike[str]) -> dict[str, Any]:
    """The parsed, validated migrate.toml of the repo at ``root`` ({} when there is none, or when it is
    a symlink out of the repository: never read through one)."""
    text = _read(Path(root))
    if text is None:
        return {}
    # tomlkit is imported only when there is a migrate.toml: most analyses never need it
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    try:
        doc = tomlkit.parse(text)
    except TOMLKitError as exc:
        raise UserError(f"{CONFIG_NAME}: not valid TOML: {exc}") from exc
    except RecursionError as exc:
        raise UserError(f"{CONFIG_NAME}: not valid TOML: nested too deeply") from exc
    data: dict[str, Any] = doc.unwrap()
    validate(data)
    return data


def _read(root: Path) -> str | None:
    from migrator.repo import RepoView

    path = root / CONFIG_NAME
    if not os.path.lexists(path):
        return None
    try:
        mode = os.stat(path).st_mode  # stat, not open: opening a FIFO would wait for a writer
    except OSError:
        return None  # a dangling link: there is no configuration
    if not stat.S_ISREG(mode):
        from migrator.safe_fs import describe

        # the writer's wording, so generate says the same whichever of them meets the file first
        raise UserError(f"{path} is {describe(mode)}, not a regular file; not read")
    repo = RepoView(root)
    text = repo.read_text(CONFIG_NAME)
    if text is None and not path.is_symlink():
        why = "; ".join(w.message for w in repo.warnings if w.file == CONFIG_NAME) or "cannot be read"
        raise UserError(f"{CONFIG_NAME}: {inline(why)}")
    return text  # None: a link RepoView does not follow (out of the repository); the analysis says so


def offline_jobs(root: str | os.PathLike[str]) -> dict[str, str]:
    """``[offline_jobs.NAME] reason`` of the repo's migrate.toml: job name -> why it fails offline."""
    table = load(root).get("offline_jobs") or {}
    return {str(name): str(spec["reason"]) for name, spec in table.items() if spec.get("reason")}


def validate(data: Mapping[str, Any]) -> None:
    """Raise :class:`ConfigError` listing every key of ``data`` that does not match the schema."""
    found = problems(data)
    if found:
        raise ConfigError(found)


def load_overrides(root: str | os.PathLike[str]) -> list[Finding]:
    """Findings for every fact the user pinned in migrate.toml."""
    if not Path(root).is_dir():
        return []
    return overrides_from(load(root))


def overrides_from(data: Mapping[str, Any]) -> list[Finding]:
    """Findings from a parsed migrate.toml (validated first)."""
    validate(data)
    src = Source(CONFIG_NAME, None, _ANALYZER, Confidence.DECLARED)
    out: list[Finding] = []
    runtime = dict(data.get("runtime") or {})
    if runtime:
        out.append(Finding(Kind.RUNTIME, "", runtime, src))
    for name, proc in (data.get("processes") or {}).items():
        fields = {k: _quantity_text(v) if k.endswith("_limit") else v for k, v in proc.items()}
        if fields:
            out.append(Finding(Kind.PROCESS, name, fields, src))
    health = data.get("health") or {}
    if health.get("path"):
        health_fields: dict[str, Value] = {"path": health["path"], "port": health.get("port")}
        out.append(Finding(Kind.HEALTH_CHECK, str(health["path"]), health_fields, src))
    for name, spec in (data.get("env") or {}).items():
        fields = dict(spec)
        if "default" in fields:
            fields["default"] = _env_text(fields["default"])
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


def _quantity_text(value: Any) -> str:
    """A Kubernetes quantity as text: ``1.5`` -> ``"1.5"``, ``2`` -> ``"2"``."""
    return value if isinstance(value, str) else str(value)


def _env_text(value: Any) -> str:
    """An env default as the text the variable will hold: TOML's spelling for numbers and booleans."""
    if isinstance(value, str):
        return value
    import tomlkit

    return str(tomlkit.item(value).as_string())


# -- generation settings ------------------------------------------------------------------------

@dataclass(frozen=True)
class CustomImage:
    """migrate.toml ``[image]``: the base image and commands of a runtime migrate has no provider for."""

    base: str
    runtime_base: str | None = None
    dependency_files: tuple[str, ...] = ()
    install: tuple[str, ...] = ()
    build: tuple[str, ...] = ()
    artifacts: tuple[tuple[str, str], ...] = ()  # (path in the build stage, path in the final image)
    start: tuple[str, ...] = ()

    @classmethod
    def from_table(cls, table: Mapping[str, Any]) -> CustomImage | None:
        """The table as read (validated first), or None when it names no ``base``."""
        if not table.get("base"):
            return None
        words = {k: tuple(str(v) for v in table.get(k) or ())
                 for k in ("dependency_files", "install", "build", "start")}
        pairs = tuple(tuple(a.split(":", 1)) for a in table.get("artifacts") or ())
        return cls(str(table["base"]), str(table["runtime_base"]) if table.get("runtime_base") else None,
                   artifacts=tuple((a, b) for a, b in pairs), **words)


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
    custom_image: CustomImage | None = None  # migrate.toml [image]: the user's image for an unsupported runtime

    def with_options(self, **options: Any) -> GenerateSettings:
        """Command-line options win over migrate.toml; ``None`` options change nothing."""
        return replace(self, **{k: v for k, v in options.items() if v is not None})


def settings_from(data: Mapping[str, Any]) -> GenerateSettings:
    """Read ``[generate]``, ``[resources]`` and ``[health]`` of a parsed migrate.toml (validated first)."""
    validate(data)
    values = dict(_table(data, "generate"))
    resources = _table(data, "resources")
    path = _table(data, "health").get("path")
    return GenerateSettings(
        **values,
        health_path=str(path) if path else None,
        resources={k: _quantity_text(v) for k, v in resources.items()},
        custom_image=CustomImage.from_table(_table(data, "image")),
    )


def _table(data: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = data.get(name) or {}
    return value if isinstance(value, Mapping) else {}  # validate() has refused anything else


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
