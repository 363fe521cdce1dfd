"""The deployment spec: every value the generators need, resolved once from the model and settings.

Both the Dockerfile and the manifests read this one spec, so the port the image EXPOSEs, the port the
Service targets and the port the probes hit cannot disagree. Each value keeps its ``origin`` (a
``file:line`` or "default: ..."), which the generators print as comments.

Precedence for every value: a migrate.toml / command-line setting, then the model (whose own
migrate.toml overrides already won inside the planner), then a documented default.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from analyzers.commands import classify, container_command
from generators.base_image import BaseImage, choose
from generators.commandline import container_argv
from generators.resources import Resources, resources_for
from migrator.config import GenerateSettings
from migrator.errors import UserError
from migrator.model import AppModel, Kind, ProcessRole, Subject

UID = 10001  # fixed, high (outside host ranges), numeric so runAsNonRoot can be verified by the kubelet
DEFAULT_PORT = 8000
DEFAULT_WEB_REPLICAS = 2  # two so one node or pod can fail without downtime
DEFAULT_TAG = "0.1.0"
DEFAULT_STOP_TIMEOUT = 30  # Kubernetes' own default grace period
APP_DIR = "/app"
LONG_RUNNING = (ProcessRole.WEB.value, ProcessRole.WORKER.value, ProcessRole.SCHEDULER.value)
# Users that already exist in Debian-based images: useradd would fail on them.
_SYSTEM_USERS = {"root", "daemon", "bin", "sys", "sync", "games", "man", "lp", "mail", "news", "uucp", "proxy",
                 "www-data", "backup", "list", "irc", "gnats", "nobody", "_apt", "node", "nginx"}
# Connection URLs usually embed credentials: they go to the Secret even when the name looks harmless.
_CREDENTIAL_URL_NAME = re.compile(r"(^|_)(DATABASE|DB|REDIS|BROKER|AMQP|RABBITMQ|MONGO(DB)?|CACHE|ELASTICSEARCH|"
                                  r"SENTRY|CELERY_BROKER|CELERY_RESULT_BACKEND)(_URL|_URI|_DSN)?$|_(URL|URI)$")
_SERVICE_URL_HINT = re.compile(r"(DATABASE|DB|REDIS|BROKER|AMQP|RABBITMQ|MONGO|CACHE|ELASTIC|SENTRY|CELERY)")
_WORKDIR_FIELDS = ("working_dir", "workdir", "working_directory", "directory", "chdir", "cwd")


def origin(subject: Subject | None, name: str) -> str | None:
    """``file:line (confidence)`` of the winning value of ``subject.name``, or None."""
    fact = subject.facts.get(name) if subject is not None else None
    if fact is None:
        return None
    return f"{fact.source.where()} ({fact.source.confidence.label})"


@dataclass(frozen=True)
class Value:
    """A resolved value and where it came from."""

    value: Any
    origin: str


@dataclass(frozen=True)
class ProcessSpec:
    key: str  # the model's process key (legacy identity: Procfile type, canonical name)
    label: str  # the key as a DNS-1123 label: container name, component label, file names
    name: str  # Kubernetes object name: <app>-<label>
    role: str
    argv: tuple[str, ...]
    command_origin: str
    note: str | None
    port: Value | None
    replicas: Value
    resources: Resources
    stop_timeout: Value
    legacy_name: str | None


@dataclass(frozen=True)
class Step:
    command: str
    argv: tuple[str, ...]
    origin: str


@dataclass(frozen=True)
class ScheduleSpec:
    key: str
    name: str
    schedule: str
    argv: tuple[str, ...]
    origin: str


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


@dataclass(frozen=True)
class AppSpec:
    name: str
    namespace: Value
    image_name: str  # repository, without tag (the kustomize image name)
    image: str  # full reference with tag
    tag: str
    base: BaseImage
    user: Value
    processes: tuple[ProcessSpec, ...]
    web: ProcessSpec | None
    health_path: Value | None
    release_steps: tuple[Step, ...]
    build_steps: tuple[Step, ...]
    schedules: tuple[ScheduleSpec, ...]
    config_env: tuple[EnvSpec, ...]
    secret_env: tuple[EnvSpec, ...]
    optional_env: tuple[EnvSpec, ...]
    volumes: tuple[VolumeSpec, ...]
    ingress: IngressSpec | None
    build_packages: tuple[tuple[str, str], ...]
    runtime_packages: tuple[tuple[str, str], ...]
    package_manager: Value
    dependency_files: tuple[str, ...]
    requirements_file: str | None
    buildkit: bool
    secret_env_files: tuple[str, ...]  # committed env files with secrets: kept out of the image
    notes: tuple[str, ...]  # what could not be generated, for MIGRATION.md's open questions
    settings: GenerateSettings = field(repr=False)

    @property
    def port(self) -> int | None:
        return int(self.web.port.value) if self.web and self.web.port else None


def slug(text: str, fallback: str = "app") -> str:
    """A DNS-1123 label: lower-case letters, digits and dashes, at most 40 characters."""
    out = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40].strip("-")
    return out or fallback


def build_spec(model: AppModel, settings: GenerateSettings) -> AppSpec:
    """Resolve every generated value from ``model`` and ``settings``."""
    name = slug(model.root_name)
    namespace = _namespace(settings, name)
    image_name, tag = _image(settings, name)
    image = f"{image_name}:{tag}"
    base = choose(model, settings.base_image)
    web_subject = model.web_process
    processes = tuple(
        _process(p, name, settings, web=p is web_subject) for p in model.processes if p.get("role") in LONG_RUNNING
    )
    web = next((p for p in processes if p.role == ProcessRole.WEB.value), None)
    config_env, secret_env, optional_env = _env(model)
    runtime = model.runtime
    return AppSpec(
        name=name,
        namespace=namespace,
        image_name=image_name,
        image=image,
        tag=tag,
        base=base,
        user=_user(model),
        processes=processes,
        web=web,
        health_path=_health(model, settings),
        release_steps=_release_steps(model),
        build_steps=tuple(_step(s) for s in model.of(Kind.BUILD_STEP) if s.get("command")),
        schedules=tuple(_schedule(s, name) for s in model.of(Kind.SCHEDULE)
                        if s.get("command") and _CRON.fullmatch(str(s.get("schedule") or ""))),
        config_env=config_env,
        secret_env=secret_env,
        optional_env=optional_env,
        volumes=_volumes(model, name),
        ingress=_ingress(model),
        build_packages=_packages(model, "build"),
        runtime_packages=_packages(model, "runtime"),
        package_manager=Value(runtime.get("package_manager") or "pip",
                              origin(runtime, "package_manager") or "default: pip"),
        dependency_files=_dependency_files(model),
        requirements_file=runtime.get("requirements_file"),
        buildkit=settings.buildkit,
        secret_env_files=tuple(sorted({s.file for s in model.secrets_found if s.kind == "env_file"})),
        notes=_notes(model),
        settings=settings,
    )


def _namespace(settings: GenerateSettings, name: str) -> Value:
    if settings.namespace:
        if settings.namespace == "default":
            raise UserError("namespace 'default' is refused: give the app its own namespace (--namespace)")
        if slug(settings.namespace) != settings.namespace:
            raise UserError(f"namespace {settings.namespace!r} is not a valid Kubernetes name")
        return Value(settings.namespace, "migrate.toml / --namespace")
    return Value(name, "default: the app's name")


def _image(settings: GenerateSettings, name: str) -> tuple[str, str]:
    image = settings.image or name
    tag = settings.tag
    last = image.rsplit("/", 1)[-1]
    if ":" in last:
        image, _, image_tag = image.rpartition(":")
        tag = tag or image_tag
    if settings.registry and "/" not in image:
        image = f"{settings.registry.rstrip('/')}/{image}"
    tag = tag or DEFAULT_TAG
    if tag == "latest":
        raise UserError("image tag 'latest' is refused: a tag must name one build (e.g. a version or commit)")
    return image, tag


def _process(p: Subject, app: str, settings: GenerateSettings, *, web: bool) -> ProcessSpec:
    role = str(p.get("role"))
    command = str(p.get("command") or "")
    port: Value | None = None
    if web:
        if settings.port:
            port = Value(settings.port, "migrate.toml / --port")
        elif _int(p.get("port"), 1, 65535):
            port = Value(_int(p.get("port"), 1, 65535), origin(p, "port") or "")
        else:
            guessed = classify(container_command(command)).port
            port = Value(guessed or DEFAULT_PORT, f"default port of {classify(command).app_server}" if guessed
                         else f"default: {DEFAULT_PORT}")
    elif _int(p.get("port"), 1, 65535):
        port = Value(_int(p.get("port"), 1, 65535), origin(p, "port") or "")
    argv, note = container_argv(command, int(port.value) if port else None)
    if role == ProcessRole.SCHEDULER.value:
        replicas = Value(1, "schedulers run exactly once")
    elif web and settings.replicas:
        replicas = Value(settings.replicas, "migrate.toml / --replicas")
    elif _int(p.get("replicas"), 1, 1000):
        replicas = Value(_int(p.get("replicas"), 1, 1000), origin(p, "replicas") or "")
    else:
        replicas = Value(DEFAULT_WEB_REPLICAS if web else 1, "default" + (": two for availability" if web else ""))
    stop = p.get("stop_timeout")
    return ProcessSpec(
        key=p.key,
        label=slug(p.key, "process"),
        name=f"{app}-{slug(p.key, 'process')}",
        role=role,
        argv=argv or ("python",),
        command_origin=origin(p, "command") or "",
        note=note,
        port=port,
        replicas=replicas,
        resources=resources_for(p, settings),
        stop_timeout=Value(int(stop), origin(p, "stop_timeout") or "") if isinstance(stop, int)
        else Value(DEFAULT_STOP_TIMEOUT, f"default: {DEFAULT_STOP_TIMEOUT}s"),
        legacy_name=p.get("legacy_name"),
    )


def _user(model: AppModel) -> Value:
    candidates = [p for p in model.processes if p.get("user")]
    candidates.sort(key=lambda p: p.get("role") != ProcessRole.WEB.value)
    for p in candidates:
        user = str(p.get("user"))
        if re.fullmatch(r"[a-z_][a-z0-9_-]{0,30}", user) and user not in _SYSTEM_USERS:
            return Value(user, f"legacy user: {origin(p, 'user')}")
    return Value("app", "default: no usable legacy user name")


def _health(model: AppModel, settings: GenerateSettings) -> Value | None:
    if settings.health_path:
        return Value(settings.health_path, "migrate.toml")
    checks = [h for h in model.of(Kind.HEALTH_CHECK) if str(h.get("path") or "").startswith("/")]
    if not checks:
        return None
    best = max(checks, key=lambda h: (h.facts["path"].source.confidence, -len(h.key)))
    return Value(str(best.get("path")), origin(best, "path") or "")


def _step(s: Subject) -> Step:
    command = container_command(str(s.get("command")))
    argv, _ = container_argv(command, None)
    return Step(command, argv, origin(s, "command") or "")


def _release_steps(model: AppModel) -> tuple[Step, ...]:
    """Release steps in the order the legacy deploy ran them (file, line), duplicates dropped."""
    subjects = [s for s in model.of(Kind.RELEASE_STEP) if s.get("command")]
    subjects += [p for p in model.processes if p.get("role") == ProcessRole.RELEASE.value and p.get("command")]
    subjects.sort(key=lambda s: (s.facts["command"].source.file, s.facts["command"].source.line or 0))
    steps = [_step(s) for s in subjects]
    seen: dict[str, Step] = {}
    for step in steps:
        seen.setdefault(step.command, step)
    return tuple(seen.values())


def _schedule(s: Subject, app: str) -> ScheduleSpec:
    argv, _ = container_argv(str(s.get("command")), None)
    return ScheduleSpec(s.key, f"{app}-{slug(s.key, 'job')}"[:52].rstrip("-"), str(s.get("schedule")), argv,
                        origin(s, "schedule") or origin(s, "command") or "")


def _env(model: AppModel) -> tuple[tuple[EnvSpec, ...], tuple[EnvSpec, ...], tuple[EnvSpec, ...]]:
    config: list[EnvSpec] = []
    secret: list[EnvSpec] = []
    optional: list[EnvSpec] = []
    for e in model.env:
        if e.key == "PORT" or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", e.key):
            continue
        where = next((c.source.where() for f in e.facts.values() for c in f.candidates), "")
        default = e.get("default")
        required = bool(e.get("required"))
        is_url = bool(_CREDENTIAL_URL_NAME.search(e.key) and _SERVICE_URL_HINT.search(e.key))
        if e.get("secret") or (is_url and default is None):
            secret.append(EnvSpec(e.key, None, where, required))
        elif default is not None:
            config.append(EnvSpec(e.key, str(default), where, required))
        elif required:
            config.append(EnvSpec(e.key, "", where, True))
        else:
            optional.append(EnvSpec(e.key, None, where, False))
    return tuple(config), tuple(secret), tuple(optional)


def _volumes(model: AppModel, app: str) -> tuple[VolumeSpec, ...]:
    workdirs = sorted({str(p.get(f)).rstrip("/") for p in model.processes for f in _WORKDIR_FIELDS
                       if isinstance(p.get(f), str) and str(p.get(f)).startswith("/")}, key=len, reverse=True)
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


def _ingress(model: AppModel) -> IngressSpec | None:
    hosts = [i for i in model.of(Kind.INGRESS) if re.fullmatch(r"[a-z0-9*]([a-z0-9.-]*[a-z0-9])?", str(i.key))]
    if not hosts:
        return None
    body = next((i for i in hosts if i.get("max_body_size")), None)
    return IngressSpec(
        hosts=tuple((str(i.key), origin(i, "host") or "") for i in hosts),
        max_body_size=Value(str(body.get("max_body_size")), origin(body, "max_body_size") or "") if body else None,
        tls=any(bool(i.get("tls")) for i in hosts),
    )


def _packages(model: AppModel, stage: str) -> tuple[tuple[str, str], ...]:
    return tuple(
        (p.key, origin(p, "stage") or "")
        for p in model.of(Kind.SYSTEM_PACKAGE)
        if p.get("stage", "runtime") == stage and re.fullmatch(r"[a-z0-9][a-z0-9+.-]*", p.key)
    )


_CRON = re.compile(r"\S+( \S+){4}")
_RESERVED_MOUNTS = ("/", APP_DIR, "/tmp", "/opt/venv", "/usr", "/etc", "/bin", "/lib", "/proc", "/dev", "/sys")  # noqa: S108


def _int(value: object, low: int, high: int) -> int | None:
    """An int within [low, high] (bool and strings such as "$PORT" are not)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    return value if isinstance(value, int) and low <= value <= high else None


def _mountable(path: str) -> bool:
    return not any(path == r or (r not in ("/", APP_DIR) and path.startswith(r + "/")) for r in _RESERVED_MOUNTS)


def _notes(model: AppModel) -> tuple[str, ...]:
    notes = []
    for s in model.of(Kind.SCHEDULE):
        if s.get("command") and not _CRON.fullmatch(str(s.get("schedule") or "")):
            notes.append(f"schedule {s.key!r} ({origin(s, 'schedule') or origin(s, 'command')}) has no 5-field "
                         "cron expression: no CronJob was generated")
    for v in model.of(Kind.VOLUME):
        path = str(v.get("path") or v.key)
        if v.get("purpose") != "sqlite" and not _mountable(_mount_path(path, [])):
            notes.append(f"volume {path!r} ({origin(v, 'path')}) would hide the app or the system: not mounted")
    return tuple(notes)


_DEP_FILE = re.compile(r"^(requirements[^/]*\.txt|constraints[^/]*\.txt|requirements/[^/]+\.(txt|in)|Pipfile|"
                       r"Pipfile\.lock|pyproject\.toml|poetry\.lock|uv\.lock|pdm\.lock|setup\.py|setup\.cfg)$")


def _dependency_files(model: AppModel) -> tuple[str, ...]:
    req = model.runtime.get("requirements_file")
    found = {f for f in model.files_read if _DEP_FILE.match(f)}
    if isinstance(req, str) and req and not req.startswith(("/", "../")):
        found.add(req)  # wherever it lives: it is the one pip installs
    return tuple(sorted(found))
