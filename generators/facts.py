"""The spec's surroundings read from the model: env vars, volumes, ingress, system packages, dependency
files, and the notes on what could not be generated (for MIGRATION.md's open questions)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from generators.values import APP_DIR, Value, origin, slug
from migrator.model import AppModel, Kind, Subject
from migrator.secrets import bears_secret, is_secret_name

# Connection URLs usually embed credentials: they go to the Secret even when the name looks harmless.
_CREDENTIAL_URL_NAME = re.compile(r"(^|_)(DATABASE|DB|REDIS|BROKER|AMQP|RABBITMQ|MONGO(DB)?|CACHE|ELASTICSEARCH|"
                                  r"SENTRY|CELERY_BROKER|CELERY_RESULT_BACKEND)(_URL|_URI|_DSN)?$|_(URL|URI)$")
_SERVICE_URL_HINT = re.compile(r"(DATABASE|DB|REDIS|BROKER|AMQP|RABBITMQ|MONGO|CACHE|ELASTIC|SENTRY|CELERY)")
_WORKDIR_FIELDS = ("working_dir", "workdir", "working_directory", "directory", "chdir", "cwd")


@dataclass(frozen=True)
class EnvSpec:
    name: str
    value: str | None  # None for secrets and unknown required values
    origin: str
    required: bool


@dataclass(frozen=True)
class VolumeSpec:
    name: str
    mount_path: str
    legacy_path: str
    origin: str


@dataclass(frozen=True)
class IngressSpec:
    hosts: tuple[tuple[str, str], ...]  # (host, origin)
    max_body_size: Value | None
    tls: bool


_CODE_SUFFIXES = (".py", ".js", ".ts", ".mjs", ".cjs", ".rb")


def _read_site(var: Subject) -> str:
    """Where the app reads ``var``: the strongest source in code, else the strongest source at all
    (:attr:`Subject.sources` is ordered, so the answer is stable across runs)."""
    sources = var.sources
    in_code = [s for s in sources if s.file.endswith(_CODE_SUFFIXES)]
    return (in_code or list(sources))[0].where() if sources else ""


def env_specs(model: AppModel) -> tuple[tuple[EnvSpec, ...], tuple[EnvSpec, ...], tuple[EnvSpec, ...]]:
    config: list[EnvSpec] = []
    secret: list[EnvSpec] = []
    optional: list[EnvSpec] = []
    workdirs = legacy_dirs(model)
    for e in model.env:
        if e.key == "PORT" or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", e.key):
            continue
        where = _read_site(e)
        default = e.get("default")
        required = bool(e.get("required"))
        is_url = bool(_CREDENTIAL_URL_NAME.search(e.key) and _SERVICE_URL_HINT.search(e.key))
        # the ConfigMap's gate: whatever an analyzer said, a secret name or a secret-bearing value
        # (a URL with a password part, a token) goes to the Secret, without its value
        bearing = is_secret_name(e.key) or (default is not None and bears_secret(str(default)))
        if e.get("secret") or bearing or (is_url and default is None):
            secret.append(EnvSpec(e.key, None, where, required))
        elif default is not None:
            value, where_from = str(default), e.facts["default"].source.where()
            mapped = _mount_path(value, workdirs) if value.startswith("/") else value
            if mapped != value:
                # a host path under the legacy app dir (MEDIA_ROOT=/srv/app/media) is where the image
                # and its volume mounts put it now (/app/media): the old path does not exist in the pod
                value, where_from = mapped, f"{where_from}; legacy {default} mapped into the image"
            config.append(EnvSpec(e.key, value, where_from, required))
        elif required:
            config.append(EnvSpec(e.key, "", where, True))
        else:
            optional.append(EnvSpec(e.key, None, where, False))
    return tuple(config), tuple(secret), tuple(optional)


def legacy_dirs(model: AppModel) -> list[str]:
    """Where the app lived on the legacy hosts (process working dirs, the rsync target), deepest first."""
    found = {str(p.get(f)).rstrip("/") for p in model.processes for f in _WORKDIR_FIELDS
             if isinstance(p.get(f), str) and str(p.get(f)).startswith("/")}
    app_dir = model.runtime.get("legacy_app_dir")
    if isinstance(app_dir, str) and app_dir.startswith("/"):
        found.add(app_dir.rstrip("/"))
    return sorted((d for d in found if d.count("/") > 1), key=len, reverse=True)


def volume_specs(model: AppModel, app: str) -> tuple[VolumeSpec, ...]:
    workdirs = legacy_dirs(model)
    out: dict[str, VolumeSpec] = {}
    for v in model.of(Kind.VOLUME):
        if v.get("purpose") == "sqlite":
            continue  # a database file, not a directory: the analyzer's warning asks for a real database
        legacy = str(v.get("path") or v.key).rstrip("/") or "/"
        mount = _mount_path(legacy, workdirs)
        if not _mountable(mount):
            continue  # reported by _notes
        label = slug(str(v.get("purpose") or legacy.rsplit("/", 1)[-1]), "data")
        name = f"{app}-{label}"
        if name not in out and mount not in {o.mount_path for o in out.values()}:
            out[name] = VolumeSpec(name, mount, legacy, origin(v, "path") or "")
    return tuple(out.values())


def _mount_path(legacy: str, workdirs: list[str]) -> str:
    """Where a legacy path lives in the container: under /app when it was under the legacy app dir."""
    legacy = legacy.rstrip("/") or "/"
    for wd in workdirs:
        if legacy == wd or legacy.startswith(wd + "/"):
            return APP_DIR + legacy[len(wd):]
    if not legacy.startswith("/"):
        rel = legacy.removeprefix("./").strip("/")
        return f"{APP_DIR}/{rel}" if rel and rel != "." else APP_DIR
    return legacy


def ingress_spec(model: AppModel) -> IngressSpec | None:
    hosts = [i for i in model.of(Kind.INGRESS) if re.fullmatch(r"[a-z0-9*]([a-z0-9.-]*[a-z0-9])?", str(i.key))]
    if not hosts:
        return None
    body = next((i for i in hosts if i.get("max_body_size")), None)
    return IngressSpec(
        hosts=tuple((str(i.key), origin(i, "host") or "") for i in hosts),
        max_body_size=Value(str(body.get("max_body_size")), origin(body, "max_body_size") or "") if body else None,
        tls=any(bool(i.get("tls")) for i in hosts),
    )


def packages(model: AppModel, stage: str) -> tuple[tuple[str, str], ...]:
    return tuple(
        (p.key, origin(p, "stage") or "")
        for p in model.of(Kind.SYSTEM_PACKAGE)
        if p.get("stage", "runtime") == stage and re.fullmatch(r"[a-z0-9][a-z0-9+.-]*", p.key)
    )


CRON = re.compile(r"\S+( \S+){4}")
_RESERVED_MOUNTS = ("/", APP_DIR, "/tmp", "/opt/venv", "/usr", "/etc", "/bin", "/lib", "/proc", "/dev", "/sys")  # noqa: S108


def _mountable(path: str) -> bool:
    return not any(path == r or (r not in ("/", APP_DIR) and path.startswith(r + "/")) for r in _RESERVED_MOUNTS)


def notes(model: AppModel) -> tuple[str, ...]:
    notes = []
    for s in model.of(Kind.SCHEDULE):
        if s.get("command") and not CRON.fullmatch(str(s.get("schedule") or "")):
            notes.append(f"schedule {s.key!r} ({origin(s, 'schedule') or origin(s, 'command')}) has no 5-field "
                         "cron expression: no CronJob was generated")
    for v in model.of(Kind.VOLUME):
        path = str(v.get("path") or v.key)
        if v.get("purpose") != "sqlite" and not _mountable(_mount_path(path, [])):
            notes.append(f"volume {path!r} ({origin(v, 'path')}) would hide the app or the system: not mounted")
    return tuple(notes)


_DEP_FILE = re.compile(r"^(requirements[^/]*\.txt|constraints[^/]*\.txt|requirements/[^/]+\.(txt|in)|Pipfile|"
                       r"Pipfile\.lock|pyproject\.toml|poetry\.lock|uv\.lock|pdm\.lock|setup\.py|setup\.cfg)$")


def dependency_files(model: AppModel) -> tuple[str, ...]:
    req = model.runtime.get("requirements_file")
    found = {f for f in model.files_read if _DEP_FILE.match(f)}
    if isinstance(req, str) and req and not req.startswith(("/", "../")):
        found.add(req)  # wherever it lives: it is the one pip installs
    return tuple(sorted(found))
