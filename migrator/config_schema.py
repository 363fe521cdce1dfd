"""The schema of migrate.toml: every table and key, its type, its allowed values and what it means.

This table is the one definition: :func:`problems` validates a parsed file against it, and
:mod:`migrator.config_docs` renders the reference in ``docs/migrate-toml.md`` and the JSON Schema in
``migrator/schema/migrate-toml.schema.json`` from it (a test keeps both in sync). Adding a setting is
one :class:`Setting` line here, then ``python -m migrator.config_docs --write``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from migrator import names
from migrator.model import ProcessRole
from migrator.secrets import scrub
from migrator.textsafe import inline

Check = Callable[[Any], bool]


@dataclass(frozen=True)
class Setting:
    """One key: its TOML ``type`` (for people), what is ``expected`` of a value, and the ``check``."""

    key: str
    type: str
    expected: str
    meaning: str
    check: Check
    json: Mapping[str, Any]
    example: Any
    secret_value: bool = False  # never echo the value in an error message


@dataclass(frozen=True)
class Section:
    """A table (``[generate]``) or a table of named tables (``[processes.NAME]`` when ``name`` is set)."""

    table: str
    meaning: str
    settings: tuple[Setting, ...]
    name: str | None = None  # how the docs write the name part: NAME
    name_expected: str = ""
    name_check: Check = field(default=lambda _: True)
    name_pattern: str | None = None  # the JSON Schema's propertyNames pattern

    @property
    def keys(self) -> dict[str, Setting]:
        return {s.key: s for s in self.settings}


def _int(low: int, high: int) -> Check:
    return lambda v: isinstance(v, int) and not isinstance(v, bool) and low <= v <= high


def _string(pattern: str | None = None, test: Callable[[str], bool] | None = None) -> Check:
    compiled = re.compile(pattern) if pattern else None
    return lambda v: (isinstance(v, str) and (compiled is None or compiled.fullmatch(v) is not None)
                      and (test is None or test(v)))


def _bool(v: Any) -> bool:
    return isinstance(v, bool)


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


CPU = r"\d+(?:\.\d+)?m?"
MEMORY = r"\d+(?:\.\d+)?(?:Ki|Mi|Gi|Ti|k|M|G|T)?"
_NUMBER = re.compile(r"\d*\.?\d*")
_NONZERO = "(?=[0-9.]*[1-9])"  # JSON Schema's form of "greater than zero" for a quantity string


def _positive_quantity(pattern: str, text: Any) -> bool:
    """``text`` matches ``pattern`` and its number is greater than zero ("0m" asks for nothing)."""
    if not isinstance(text, str) or re.fullmatch(pattern, text) is None:
        return False
    number = _NUMBER.match(text)
    return number is not None and float(number.group(0) or 0) > 0


def _cpu(v: Any) -> bool:
    return _positive_quantity(CPU, str(v) if _number(v) else v)


def _memory(v: Any) -> bool:
    return _positive_quantity(MEMORY, str(v) if isinstance(v, int) and not isinstance(v, bool) else v)


def _not_latest(ref: str) -> bool:
    last = ref.rsplit("/", 1)[-1]
    return not last.endswith(":latest")


def cpu_setting(key: str, meaning: str) -> Setting:
    return Setting(key, "string or number", 'a CPU quantity such as "500m", "1" or 1.5 (greater than 0)', meaning,
                   _cpu, {"type": ["string", "number"], "pattern": f"^{_NONZERO}{CPU}$", "exclusiveMinimum": 0},
                   "500m")


def memory_setting(key: str, meaning: str) -> Setting:
    return Setting(key, "string or integer", 'a memory quantity such as "512Mi" or "1Gi" (an integer is bytes; '
                   '"m" would mean thousandths of a byte)', meaning, _memory,
                   {"type": ["string", "integer"], "pattern": f"^{_NONZERO}{MEMORY}$", "minimum": 1}, "512Mi")


PORT = Setting("port", "integer", "an integer from 1 to 65535", "", _int(1, 65535),
               {"type": "integer", "minimum": 1, "maximum": 65535}, 8000)
REPLICAS = Setting("replicas", "integer", "an integer from 1 to 1000", "", _int(1, 1000),
                   {"type": "integer", "minimum": 1, "maximum": 1000}, 2)
IMAGE_REFERENCE = ("an image reference such as \"python:3.12-slim\" or \"registry.example.com/team/app:1.0\" "
                   "(lower-case repository; tag 'latest' is refused)")
ROLES = tuple(r.value for r in ProcessRole)
PACKAGE_MANAGERS = ("pip", "pipenv", "poetry", "uv", "pdm")
USER = r"[a-z_][a-z0-9_-]{0,30}"
ENV_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
REL_PATH = r"(?!/)(?!.*(?:^|/)\.\.(?:/|$))[^\x00-\x1f\x7f]+"


_IMAGE_JSON = {"type": "string", "pattern": f"^{names.IMAGE_REFERENCE_PATTERN}$", "not": {"pattern": ":latest$"}}


_ARTIFACT = re.compile(r"[^:\s]+:/[^:\s]*")


def _repo_path(v: str) -> bool:
    return bool(v.strip()) and not v.startswith("/") and ".." not in v.split("/")


def _strings(key: str, what: str, meaning: str, example: list[str], test: Callable[[str], bool] | None = None
             ) -> Setting:
    """A key whose value is an array of non-empty strings (each passing ``test``)."""
    return Setting(key, "array of strings", f"an array of {what} (non-empty strings)", meaning,
                   lambda v: isinstance(v, list) and all(isinstance(x, str) and x.strip() and (test is None or test(x))
                                                         for x in v),
                   {"type": "array", "items": {"type": "string", "minLength": 1}}, example)


def _with(setting: Setting, meaning: str) -> Setting:
    return Setting(setting.key, setting.type, setting.expected, meaning, setting.check, setting.json, setting.example)


SECTIONS: tuple[Section, ...] = (
    Section("runtime", "Facts about the runtime; each value wins over what the analysis found.", (
        Setting("language", "string", "a lower-case language name such as \"python\"", "The app's language.",
                _string(r"[a-z][a-z0-9+-]{0,30}"), {"type": "string", "pattern": "^[a-z][a-z0-9+-]{0,30}$"}, "python"),
        Setting("version", "string", 'a version such as "3.12" (quoted: the number 3.10 would be 3.1)',
                "The language version; chooses the base image tag.", _string(r"\d+(\.\d+){0,2}"),
                {"type": "string", "pattern": r"^\d+(\.\d+){0,2}$"}, "3.12"),
        Setting("package_manager", "string", f"one of {', '.join(PACKAGE_MANAGERS)}",
                "How dependencies are installed in the image.", lambda v: v in PACKAGE_MANAGERS,
                {"enum": list(PACKAGE_MANAGERS)}, "pip"),
        Setting("framework", "string", 'a lower-case name such as "django" or "flask"',
                "The web framework (build steps such as collectstatic depend on it).",
                _string(r"[a-z0-9][a-z0-9_.-]{0,40}"), {"type": "string", "pattern": r"^[a-z0-9][a-z0-9_.-]{0,40}$"},
                "django"),
        Setting("requirements_file", "string", "a path inside the repository, relative to its root",
                "The pip requirements file to install.", _string(REL_PATH),
                {"type": "string", "pattern": f"^{REL_PATH}$"}, "requirements/production.txt"),
    )),
    Section("processes", "One table per process (the key is the process name, e.g. a Procfile type). A value "
            "here wins over every file in the repository; a process that no file declares is added.", (
        Setting("role", "string", f"one of {', '.join(ROLES)}", "What the process is: a web server gets a "
                "Service and probes, a scheduler exactly one replica, release runs once per deploy.",
                lambda v: v in ROLES, {"enum": list(ROLES)}, "worker"),
        Setting("command", "string", "a non-empty command line", "The command the container runs.",
                _string(r"(?s).*\S.*"), {"type": "string", "minLength": 1}, "celery -A proj worker -l info"),
        _with(PORT, "The port the process listens on."),
        _with(REPLICAS, "How many pods run it (schedulers always run one)."),
        Setting("user", "string", f"a user name matching `{USER}`", "The legacy user name, given to the image's "
                "non-root user (UID 10001).", _string(USER), {"type": "string", "pattern": f"^{USER}$"}, "deploy"),
        memory_setting("memory_limit", "Memory limit (and request) of the process's container."),
        cpu_setting("cpu_limit", "CPU limit of the process's container."),
        Setting("stop_timeout", "integer", "an integer number of seconds from 0 to 86400",
                "Seconds between SIGTERM and SIGKILL (terminationGracePeriodSeconds).", _int(0, 86400),
                {"type": "integer", "minimum": 0, "maximum": 86400}, 30),
        Setting("pre_stop_sleep", "integer", "an integer number of seconds from 1 to 3600",
                "A preStop hook that sleeps this long before SIGTERM, so requests in flight finish while the "
                "Service stops sending new ones (for a server that drops them on SIGTERM; `migrate verify "
                "--drill` says when). Added to terminationGracePeriodSeconds. The image needs `sleep`.",
                _int(1, 3600), {"type": "integer", "minimum": 1, "maximum": 3600}, 5),
    ), name="NAME", name_expected="a process name that is not empty", name_check=lambda n: bool(n.strip()),
        name_pattern=r"\S"),
    Section("env", "One table per environment variable the app reads (the key is the variable's name).", (
        Setting("secret", "boolean", "true or false", "true: the value comes from the Secret, never the ConfigMap.",
                _bool, {"type": "boolean"}, True),
        Setting("required", "boolean", "true or false", "true: the app fails without it (MIGRATION.md asks for it).",
                _bool, {"type": "boolean"}, True),
        Setting("default", "string, number or boolean", "a string, number or boolean",
                "The value for the ConfigMap (a number or boolean as TOML writes it: 8000, true); ignored for a "
                "secret variable.",
                lambda v: isinstance(v, (str, int, float, bool)), {"type": ["string", "number", "boolean"]},
                "info", secret_value=True),
    ), name="NAME", name_expected=f"an environment variable name matching `{ENV_NAME}`",
        name_check=_string(ENV_NAME), name_pattern=f"^{ENV_NAME}$"),
    Section("health", "The health check of the web process: HTTP probes and verify's request.", (
        Setting("path", "string", 'an absolute URL path such as "/healthz" (starts with "/", no spaces)',
                "The path the probes GET.", _string(r"/[^\s\x00-\x1f\x7f]{0,2047}"),
                {"type": "string", "pattern": r"^/\S*$", "maxLength": 2048}, "/healthz"),
        _with(PORT, "The port the health path answers on (default: the web port)."),
    )),
    Section("generate", "Settings of `migrate generate` (command-line options win over them).", (
        Setting("image", "string", IMAGE_REFERENCE, "The image repository, optionally with :tag (default: the "
                "app's name).", _string(test=lambda v: names.is_image_reference(v) and _not_latest(v)),
                _IMAGE_JSON, "billing"),
        Setting("registry", "string", 'a registry host and path such as "ghcr.io/acme"',
                "Prefixed to image when image names no registry.", _string(test=names.is_registry),
                {"type": "string", "pattern": f"^{names.REGISTRY_PATTERN}$"}, "registry.example.com/team"),
        Setting("tag", "string", "an image tag matching `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}` ('latest' is refused)",
                "The image tag: one per build (CI: the commit).",
                _string(test=lambda v: names.is_image_tag(v) and v != "latest"),
                {"type": "string", "pattern": "^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", "not": {"const": "latest"}},
                "1.4.2"),
        Setting("namespace", "string", "a Kubernetes namespace name (DNS-1123 label: lower-case letters, digits "
                "and '-', at most 63; 'default' is refused)", "The namespace of every object (default: the app's "
                "name).", _string(test=lambda v: names.is_dns_label(v) and v != "default"),
                {"type": "string", "pattern": "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", "not": {"const": "default"}},
                "billing"),
        Setting("base_image", "string", IMAGE_REFERENCE, "The base image (e.g. an internal mirror).",
                _string(test=lambda v: names.is_image_reference(v) and _not_latest(v)), _IMAGE_JSON,
                "mirror.example.com/python:3.12-slim"),
        _with(REPLICAS, "Replicas of the web process (the HPA's minimum)."),
        _with(PORT, "The web process's port."),
        Setting("buildkit", "boolean", "true or false", "true adds BuildKit-only syntax (pip cache mounts).",
                _bool, {"type": "boolean"}, False),
    )),
    Section("image", "The image of a runtime migrate has no provider for (ruby, go, rust ...): with `base` set, "
            "`migrate generate` writes a Dockerfile from these commands instead of refusing to (exit 1). Dependency "
            "files are copied and installed before the code, the build runs after it; with `artifacts` (or "
            "`runtime_base`) the build runs in its own stage and only the artifacts reach the final image.", (
        Setting("base", "string", IMAGE_REFERENCE, "The build image; also the final one unless `runtime_base` is set.",
                _string(test=lambda v: names.is_image_reference(v) and _not_latest(v)), _IMAGE_JSON,
                "rust:1.80-slim"),
        Setting("runtime_base", "string", IMAGE_REFERENCE, "The final image, when it differs from the build image.",
                _string(test=lambda v: names.is_image_reference(v) and _not_latest(v)), _IMAGE_JSON,
                "debian:bookworm-slim"),
        _strings("dependency_files", "paths inside the repository", "Copied before the code, so a code-only change "
                 "does not reinstall the dependencies.", ["Cargo.toml", "Cargo.lock"], _repo_path),
        _strings("install", "shell commands", "Run after the dependency files are copied, before the code.",
                 ["cargo fetch"]),
        _strings("build", "shell commands", "Run after the code is copied.", ["cargo build --release --offline"]),
        _strings("artifacts", "'build path:final path' pairs", "Copied from the build stage into the final image.",
                 ["target/release/ledger:/usr/local/bin/ledger"], lambda v: _ARTIFACT.fullmatch(v) is not None),
        _strings("start", "the command's words", "The image's CMD (default: the web process's command).",
                 ["/usr/local/bin/ledger", "--port", "9000"]),
    )),
    Section("offline_jobs", "Jobs and CronJobs that `migrate verify` cannot run to success offline (they call a "
            "partner API, an SMTP relay ...). The key is the schedule or release step's name as the report shows it "
            "(or the generated object's full name). verify still runs the job and fails if it cannot start at all "
            "(command not found, permission denied); a non-zero exit is reported as expected, with the reason.", (
        Setting("reason", "string", "a non-empty sentence", "Why the job cannot succeed without its real "
                "environment; shown in the verify report.", _string(r"(?s).*\S.*"),
                {"type": "string", "pattern": "\\S"}, "uploads the nightly export to the partner's SFTP server"),
    ), name="NAME", name_expected="a job name that is not empty", name_check=lambda n: bool(n.strip()),
        name_pattern=r"\S"),
    Section("resources", "Requests and limits for every container; a process's own legacy limits win.", (
        cpu_setting("cpu_request", "CPU request."),
        memory_setting("memory_request", "Memory request (default: the memory limit)."),
        cpu_setting("cpu_limit", "CPU limit."),
        memory_setting("memory_limit", "Memory limit."),
    )),
)
BY_TABLE = {s.table: s for s in SECTIONS}


def problems(data: Mapping[str, Any]) -> list[str]:
    """Every problem of a parsed migrate.toml, one sentence each naming the key and what it expects."""
    out: list[str] = []
    for table, value in data.items():
        section = BY_TABLE.get(table)
        if section is None:
            out.append(f"{key_path(table)}: unknown table (known: {', '.join(BY_TABLE)})")
        elif not isinstance(value, Mapping):
            shape = f"a table of [{table}.{section.name}] tables" if section.name else f"a table ([{table}])"
            out.append(f"{key_path(table)}: expected {shape}, got {describe(value)}")
        elif section.name is None:
            out += _table_problems((table,), value, section)
        else:
            for name, entry in value.items():
                path = (table, str(name))
                if not section.name_check(str(name)):
                    out.append(f"{key_path(*path)}: expected {section.name_expected}")
                elif not isinstance(entry, Mapping):
                    out.append(f"{key_path(*path)}: expected a table ([{key_path(*path)}]), got {describe(entry)}")
                else:
                    out += _table_problems(path, entry, section)
    return out


def _table_problems(path: tuple[str, ...], table: Mapping[str, Any], section: Section) -> list[str]:
    out = []
    known = section.keys
    for key, value in table.items():
        setting = known.get(key)
        where = key_path(*path, str(key))
        if setting is None:
            out.append(f"{where}: unknown key (known: {', '.join(known)})")
        elif not setting.check(value):
            out.append(f"{where}: expected {setting.expected}, got {describe(value, show=not setting.secret_value)}")
    return out


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def key_path(*parts: str) -> str:
    """``processes.web.port``; parts that are not bare TOML keys are quoted (``processes."my web"``)."""
    quoted = []
    for part in parts:
        if _BARE_KEY.fullmatch(part):
            quoted.append(part)
        else:
            escaped = part.replace("\\", "\\\\").replace('"', '\\"')
            quoted.append(f'"{inline(escaped)[:60]}"')
    return ".".join(quoted)


def describe(value: Any, *, show: bool = True) -> str:
    """``a string ("x")``, ``an integer (5)``, ``an array`` ... (the value itself scrubbed and shortened)."""
    kind = toml_type(value)
    if not show or isinstance(value, Mapping):
        return kind
    import tomlkit

    try:
        text = tomlkit.item(value).as_string()
    except (TypeError, ValueError):
        text = repr(value)
    text = inline(scrub(text))
    return f"{kind} ({text[:40]}{'…' if len(text) > 40 else ''})"


def toml_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, (list, tuple)):
        return "an array"
    return f"a {type(value).__name__.replace('_', ' ')}"  # date, time, datetime
