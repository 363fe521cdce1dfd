"""The deployment spec: every value the generators need, resolved once from the model and settings.

Both the Dockerfile and the manifests read this one spec, so the port the image EXPOSEs, the port the
Service targets and the port the probes hit cannot disagree. Each value keeps its ``origin`` (a
``file:line`` or "default: ..."), which the generators print as comments.

Precedence for every value: a migrate.toml / command-line setting, then the model (whose own
migrate.toml overrides already won inside the planner), then a documented default.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

from generators.allowed_hosts import host_policy, probe_host, with_allowed_hosts
from generators.facts import (
    CRON,
    EnvSpec,
    IngressSpec,
    VolumeSpec,
    dependency_files,
    env_specs,
    ingress_spec,
    notes,
    package_notes,
    packages,
    php_extensions,
    volume_specs,
)
from generators.image.argv import container_argv
from generators.image.base_image import BaseImage, choose
from generators.image.image_secrets import SecretFile, secret_files
from generators.image.php_extensions import extension_notes
from generators.image.runtime_layout import image_writable, start_argv, web_memory, web_port
from generators.k8s.resources import Resources, resources_for
from generators.values import Value, bounded_int, origin, slug
from generators.writable import log_redirects, with_log_redirects
from migrator import names
from migrator.commands import join
from migrator.config import GenerateSettings
from migrator.errors import UserError
from migrator.model import AppModel, Candidate, Fact, Kind, ProcessRole, Source, Subject
from migrator.names import Renamed, describe, disambiguate

UID = 10001  # fixed, high (outside host ranges), numeric so runAsNonRoot can be verified by the kubelet
DEFAULT_PORT = 8000
DEFAULT_WEB_REPLICAS = 2  # two so one node or pod can fail without downtime
DEFAULT_TAG = "0.1.0"
DEFAULT_STOP_TIMEOUT = 30  # Kubernetes' own default grace period
LONG_RUNNING = (ProcessRole.WEB.value, ProcessRole.WORKER.value, ProcessRole.SCHEDULER.value)
# Users that already exist in Debian-based images: useradd would fail on them.
_SYSTEM_USERS = {"root", "daemon", "bin", "sys", "sync", "games", "man", "lp", "mail", "news", "uucp", "proxy",
                 "www-data", "backup", "list", "irc", "gnats", "nobody", "_apt", "node", "nginx"}



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
    renamed: str | None = None  # why ``label`` is not the key's own sanitised name (a collision)
    pre_stop_sleep: Value | None = None  # seconds a preStop hook waits before SIGTERM (migrate.toml)
    singleton: Value | None = None  # why two copies must never run at once (an in-process schedule)

    @property
    def grace_seconds(self) -> int:
        """terminationGracePeriodSeconds: the kubelet counts the preStop hook in it, the legacy stop
        timeout is the time after SIGTERM, so the sleep comes on top."""
        return int(self.stop_timeout.value) + (int(self.pre_stop_sleep.value) if self.pre_stop_sleep else 0)


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
    renamed: str | None = None  # why ``name`` is not the key's own sanitised name (a collision)


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
    secret_files: tuple[SecretFile, ...]  # files holding hard-coded secrets: out of the image, or blockers
    notes: tuple[str, ...]  # what could not be generated, for MIGRATION.md's open questions
    settings: GenerateSettings = field(repr=False)
    local_packages: tuple[str, ...] = ()  # path dependencies inside the repo: copied before the install
    package_indexes: tuple[tuple[str, str], ...] = ()  # (name, URL) of the project's own package indexes
    renamed: tuple[str, ...] = ()  # names that collided after sanitising, and what each became
    # the Host header for HTTP health checks, from how the app builds its host allow-list
    # (:mod:`generators.allowed_hosts`): the Ingress host it allows, else one it does
    probe_host: str | None = None
    # the primary runtime's own facts (a Node app's lockfile, package manager, app package): its image planner
    # reads them; and the files the analysis read (a planner finds the manifests to copy before the code)
    runtime_subject: Subject | None = field(default=None, repr=False)
    files_read: tuple[str, ...] = field(default=(), repr=False)
    # how many old releases the legacy deploy kept (Capistrano's keep_releases): the rollback history
    revision_history: Value | None = None
    # PHP extensions the app needs (name, why and where): the php image compiles them in
    php_extensions: tuple[tuple[str, str], ...] = ()

    @property
    def port(self) -> int | None:
        return int(self.web.port.value) if self.web and self.web.port else None


def build_spec(model: AppModel, settings: GenerateSettings) -> AppSpec:
    """Resolve every generated value from ``model`` and ``settings``."""
    name = slug(model.root_name)
    namespace = _namespace(settings, name)
    image_name, tag = _image(settings, name)
    image = f"{image_name}:{tag}"
    if settings.base_image and not names.is_image_reference(settings.base_image):
        raise UserError(f"base image {settings.base_image!r} is not a valid image reference")
    base = choose(model, settings.base_image)
    web_subject = model.web_process
    redirects = log_redirects(model)
    primary = _with_cache_commands(model, model.primary.subject if model.primary is not None else None)
    volumes = volume_specs(model, name, set(redirects))
    volumes += image_writable(base, primary, name, volumes)
    # a ReadWriteOnce claim (SQLite) attaches to one node: one replica of each process that mounts it
    single = next((v for v in volumes if v.storage == "pvc" and v.access_mode == "ReadWriteOnce"), None)
    long_running = [p for p in model.processes
                    if p.get("role") in LONG_RUNNING and str(p.get("command") or "").strip()]  # no command: no run
    labels, renamed_processes = disambiguate([(p.key, slug(p.key, "process", 20)) for p in long_running], 20)
    notes_renamed = dict(_rename_notes(renamed_processes, "process", long_running))
    processes = tuple(
        _started(_process(p, name, labels[p.key], settings, web=p is web_subject, renamed=notes_renamed.get(p.key),
                          single_writer=single), base, primary, port_set=bool(settings.port))
        for p in long_running
    )
    schedules = _schedules(model, name)
    web = next((p for p in processes if p.role == ProcessRole.WEB.value), None)
    config_env, secret_env, optional_env = env_specs(model)
    config_env, optional_env = with_log_redirects(config_env, optional_env, redirects)
    ingress = ingress_spec(model)
    public = [h for h, _ in ingress.hosts if "*" not in h] if ingress else []
    policy = host_policy(model)
    probe = probe_host(policy, public, web.name if web is not None and web.port is not None else None)
    config_env, optional_env = with_allowed_hosts(config_env, optional_env, secret_env, policy, [*public, probe or ""])
    runtime = model.runtime
    extensions = php_extensions(model) if base.language == "php" else ()
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
        build_steps=_build_steps(model),
        schedules=schedules,
        config_env=config_env,
        secret_env=secret_env,
        optional_env=optional_env,
        volumes=volumes,
        ingress=ingress,
        build_packages=packages(model, "build", base),
        runtime_packages=packages(model, "runtime", base),
        package_manager=Value(runtime.get("package_manager") or "pip",
                              origin(runtime, "package_manager") or "default: pip"),
        dependency_files=dependency_files(model),
        requirements_file=runtime.get("requirements_file"),
        buildkit=settings.buildkit,
        secret_files=secret_files(model),
        notes=notes(model) + package_notes(model, base) + extension_notes(extensions, base.version),
        settings=settings,
        local_packages=tuple(str(p) for p in runtime.get("local_packages") or ()),
        package_indexes=tuple((str(n), str(u)) for n, u in runtime.get("package_indexes") or ()),
        renamed=(*notes_renamed.values(), *(s.renamed for s in schedules if s.renamed)),
        probe_host=probe,
        runtime_subject=primary,
        files_read=model.files_read,
        revision_history=_revision_history(model),
        php_extensions=extensions,
    )


def _started(process: ProcessSpec, base: BaseImage, runtime: Subject | None, *, port_set: bool) -> ProcessSpec:
    """The process as the image starts it: through the runtime's start script when it has one (PHP's
    cache commands), on the port the image's server listens on, with the web pod's memory sized from the
    runtime's worker pool when no legacy limit or setting gave one (:mod:`generators.image.runtime_layout`)."""
    argv = start_argv(base, runtime, process.role, process.argv)
    web = process.role == ProcessRole.WEB.value
    port = process.port if port_set or not web else web_port(base, process.port)
    resources = process.resources
    memory = web_memory(base, runtime) if web else None
    if memory is not None and resources.origins.get("memory_limit") == "default":
        value, why = memory
        request_default = resources.origins.get("memory_request") == "default"
        origins = {**resources.origins, "memory_limit": why}
        if request_default:
            origins["memory_request"] = "= memory limit"
        resources = dataclasses.replace(resources, memory_limit=value, origins=origins,
                                        memory_request=value if request_default else resources.memory_request)
    if argv == process.argv and resources is process.resources and port is process.port:
        return process
    return dataclasses.replace(process, argv=argv, resources=resources, port=port)


def _namespace(settings: GenerateSettings, name: str) -> Value:
    if settings.namespace:
        if settings.namespace == "default":
            raise UserError("namespace 'default' is refused: give the app its own namespace (--namespace)")
        if not names.is_dns_label(settings.namespace):
            raise UserError(f"namespace {settings.namespace!r} is not a valid Kubernetes name (a DNS-1123 label: "
                            "lower-case letters, digits and '-', at most 63 characters)")
        return Value(settings.namespace, "migrate.toml / --namespace")
    return Value(name, "default: the app's name")


def _image(settings: GenerateSettings, name: str) -> tuple[str, str]:
    image = settings.image or name
    tag = settings.tag
    last = image.rsplit("/", 1)[-1]
    if ":" in last:
        image, _, image_tag = image.rpartition(":")
        tag = image_tag or tag  # the tag written with the image (--image x:1.2) is the most specific
    if settings.registry and "/" not in image:
        image = f"{settings.registry.rstrip('/')}/{image}"
    tag = tag or DEFAULT_TAG
    if tag == "latest":
        raise UserError("image tag 'latest' is refused: a tag must name one build (e.g. a version or commit)")
    if not names.is_image_reference(f"{image}:{tag}"):
        raise UserError(f"image {image}:{tag!s} is not a valid image reference (a lower-case repository such as "
                        "registry.example.com/team/app, and a tag of letters, digits, '_', '.' and '-')")
    return image, tag


def _process(p: Subject, app: str, label: str, settings: GenerateSettings, *, web: bool,
             renamed: str | None = None, single_writer: VolumeSpec | None = None) -> ProcessSpec:
    role = str(p.get("role"))
    port: Value | None = None
    if web:
        if settings.port:
            port = Value(settings.port, "migrate.toml / --port")
        elif bounded_int(p.get("port"), 1, 65535):
            port = Value(bounded_int(p.get("port"), 1, 65535), origin(p, "port") or "")
        else:
            guessed = p.meaning.port if p.meaning else None
            port = Value(guessed or DEFAULT_PORT, f"default port of {p.meaning.server}" if guessed and p.meaning
                         else f"default: {DEFAULT_PORT}")
    elif bounded_int(p.get("port"), 1, 65535):
        port = Value(bounded_int(p.get("port"), 1, 65535), origin(p, "port") or "")
    argv, note = container_argv(p.meaning, int(port.value) if port else None,
                                handles_sigterm=p.get("handles_sigterm") is True)
    pinned = p.facts.get("replicas")
    singleton = Value(str(p.get("singleton")), origin(p, "singleton") or "") if p.get("singleton") else None
    if role == ProcessRole.SCHEDULER.value:
        replicas = Value(1, "schedulers run exactly once")
    elif singleton is not None:
        replicas = Value(1, f"one replica: {singleton.value} ({singleton.origin}) must not run twice")
    elif single_writer is not None and not (web and settings.replicas) and not (
            pinned is not None and pinned.source.analyzer == "migrate.toml"):
        replicas = Value(1, f"one replica: {single_writer.name} is a ReadWriteOnce claim ({single_writer.origin})")
    elif web and settings.replicas:
        replicas = Value(settings.replicas, "migrate.toml / --replicas")
    elif bounded_int(p.get("replicas"), 1, 1000):
        replicas = Value(bounded_int(p.get("replicas"), 1, 1000), origin(p, "replicas") or "")
    else:
        replicas = Value(DEFAULT_WEB_REPLICAS if web else 1, "default" + (": two for availability" if web else ""))
    stop = p.get("stop_timeout")
    sleep = bounded_int(p.get("pre_stop_sleep"), 1, 3600)
    return ProcessSpec(
        key=p.key,
        label=label,
        name=f"{app}-{label}",
        role=role,
        argv=argv,
        command_origin=origin(p, "command") or "",
        note=note,
        port=port,
        replicas=replicas,
        resources=resources_for(p, settings),
        stop_timeout=Value(int(stop), origin(p, "stop_timeout") or "") if isinstance(stop, int)
        else Value(DEFAULT_STOP_TIMEOUT, f"default: {DEFAULT_STOP_TIMEOUT}s"),
        legacy_name=p.get("legacy_name"),
        renamed=renamed,
        pre_stop_sleep=Value(sleep, origin(p, "pre_stop_sleep") or "") if sleep else None,
        singleton=singleton,
    )


def _user(model: AppModel) -> Value:
    candidates = [p for p in model.processes if p.get("user")]
    candidates.sort(key=lambda p: p.get("role") != ProcessRole.WEB.value)
    for p in candidates:
        user = str(p.get("user"))
        if re.fullmatch(r"[a-z_][a-z0-9_-]{0,30}", user) and user not in _SYSTEM_USERS:
            return Value(user, f"legacy user: {origin(p, 'user')}")
    return Value("app", "default: no usable legacy user name")


# artisan's and Symfony console's caches a legacy deploy built on the host (Deployer's laravel recipe,
# an Envoy task, a deploy script): host steps, because the image's start script runs them instead
_CACHE_STEP = re.compile(r"(?:^|\s)(?:\S*/)?(?:artisan|bin/console)\s+(?:-\S+\s+)*"
                         r"((?:config|route|view|event):cache|optimize|cache:warmup)(?=\s|$)")


def _with_cache_commands(model: AppModel, runtime: Subject | None) -> Subject | None:
    """The runtime with ``cache_commands`` from the deploy's host steps when its provider did not state them
    (a provider reads files; the deploy readers found the commands, each at its own line)."""
    if runtime is None or runtime.get("cache_commands") or runtime.get("language") != "php":
        return runtime
    found: dict[str, Source] = {}
    for step in model.of(Kind.HOST_STEP):
        m = _CACHE_STEP.search(str(step.get("command") or step.key))
        if m and m.group(1) not in found:
            found[m.group(1)] = step.facts["command"].source if "command" in step.facts else next(
                iter(step.facts.values())).source
    if not found:
        return runtime
    value = tuple(found)
    fact = Fact("cache_commands", value, (Candidate(value, next(iter(found.values()))),), False,
                "the deploy's host steps: " + ", ".join(f"{c} ({src.where()})" for c, src in found.items()))
    return dataclasses.replace(runtime, facts={**runtime.facts, "cache_commands": fact})


def _health(model: AppModel, settings: GenerateSettings) -> Value | None:
    if settings.health_path:
        return Value(settings.health_path, "migrate.toml")
    checks = [h for h in model.of(Kind.HEALTH_CHECK) if str(h.get("path") or "").startswith("/")]
    if not checks:
        return None
    # one path serves every probe: among equals, not the one that checks dependencies (a readiness path as the
    # liveness probe restarts every pod when the database is down)
    best = max(checks, key=lambda h: (h.facts["path"].source.confidence, h.get("probe") != "readiness", -len(h.key)))
    return Value(str(best.get("path")), origin(best, "path") or "")


def _step(s: Subject) -> Step:
    argv, _ = container_argv(s.meaning, None)
    # the command as the image runs it (Ruby's gem executables through bundle exec, as the Job runs them)
    command = join(argv) if argv else str(s.get("command")).strip()
    return Step(command, argv, origin(s, "command") or "")


def _revision_history(model: AppModel) -> Value | None:
    """``keep_releases`` (Capistrano, Mina, Deployer): the old ReplicaSets a Deployment keeps to roll back to."""
    kept = model.runtime.get("keep_releases")
    if isinstance(kept, int) and not isinstance(kept, bool) and 1 <= kept <= 100:
        return Value(kept, origin(model.runtime, "keep_releases") or "")
    return None


def _build_steps(model: AppModel) -> tuple[Step, ...]:
    """Build steps from the analysis; plus collectstatic for a Django app with a STATIC_ROOT, which the
    legacy host (or Heroku's buildpack) ran at deploy time and a read-only pod cannot run at all."""
    steps = [_step(s) for s in model.of(Kind.BUILD_STEP) if s.get("command")]
    runtime = model.runtime
    if (runtime.get("framework") == "django" and runtime.get("static_root") and "manage.py" in model.files_read
            and not any("collectstatic" in s.command for s in steps)):
        command = "python manage.py collectstatic --noinput"
        why = f"inferred: STATIC_ROOT at {origin(runtime, 'static_root')}"
        steps.append(Step(command, tuple(command.split()), why))
    return tuple(steps)


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


def _rename_notes(renamed: tuple[Renamed, ...], what: str, subjects: list[Subject]) -> list[tuple[str, str]]:
    """(key, sentence) for every renamed key: both keys and the file:line each came from."""
    where = {s.key: (s.facts["command"].source if "command" in s.facts else s.sources[0]).where()
             for s in subjects if s.sources}
    return [(r.key, line) for r, line in zip(renamed, describe(renamed, what, where), strict=True)]


def _schedules(model: AppModel, app: str) -> tuple[ScheduleSpec, ...]:
    """A CronJob per valid schedule; names that collide after sanitising get ``-2``, ``-3`` ..."""
    subjects = [s for s in model.of(Kind.SCHEDULE)
                if s.get("command") and CRON.fullmatch(str(s.get("schedule") or ""))]
    wanted = [(s.key, f"{app}-{slug(s.key, 'job')}"[:_CRONJOB_NAME_MAX].rstrip("-")) for s in subjects]
    chosen, renamed = disambiguate(wanted, _CRONJOB_NAME_MAX)
    notes_renamed = dict(_rename_notes(renamed, "schedule", subjects))
    return tuple(_schedule(s, chosen[s.key], notes_renamed.get(s.key)) for s in subjects)


# A CronJob's name is at most 52 characters: the controller appends 11 for each Job it creates.
_CRONJOB_NAME_MAX = 52


def _schedule(s: Subject, name: str, renamed: str | None) -> ScheduleSpec:
    argv, _ = container_argv(s.meaning, None)
    return ScheduleSpec(s.key, name, str(s.get("schedule")), argv,
                        origin(s, "schedule") or origin(s, "command") or "", renamed)
