"""docker-compose files: the app's services become processes, image-only services backing services.

Reads ``docker-compose.yml``, ``docker-compose.*.yml``, ``compose.yaml``, ``compose.*.yaml`` (``.yml`` and
``.yaml``) anywhere in the repo through ruamel.yaml, keeping lines; ``x-`` anchors and ``<<:`` merges
work (a merged key's line is where the anchor writes it). A compose file describes a development setup,
so its values are weaker evidence than the legacy production configs: commands are INFERRED (dev servers
and files named ``*.dev``/``*.override``/``*.local`` HEURISTIC), env defaults HEURISTIC.

* A service with ``build:`` (or the image such a service builds) is the app: its ``command``/``entrypoint``
  (else the image's, from its Dockerfile) is a process named by the classifier (``web``, ``worker``,
  ``beat``) or the service; ``ports``/``expose``, ``environment`` (list and map forms; ``${X:-default}``
  resolved; values that point at another compose service have no default), ``env_file``,
  ``depends_on``, ``user``, ``working_dir``, ``healthcheck``, ``deploy`` replicas and limits; named
  volumes and bind mounts of upload directories become volumes (code mounts such as ``.:/code`` do not).
* A service that only runs an image is a backing service when the image is one (``postgres:15`` ->
  postgres 15, ``redis:7``, ``mysql``, ``rabbitmq``, ``memcached``, ``elasticsearch``, ``mongo`` ...), a
  reverse proxy replaced by the Ingress (``nginx``, ``caddy``, ``traefik``), else a warning.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from analyzers import base
from analyzers.base import H, I, Item, Src
from analyzers.commands import split
from analyzers.deploy import devenv, dockerfile, images
from analyzers.deploy.compose_fields import environment, interpolate, line_of, pairs, port, settings
from analyzers.deploy.image_command import (
    StartCommand,
    entrypoint_script,
    passes_arguments,
    process_items,
    start_command,
)
from analyzers.lib import yamllines
from analyzers.lib.dockerfile_parse import workdir as image_workdir
from migrator.model import Confidence
from migrator.repo import RepoView, join, normalize

NAME = "compose"

_FILE = re.compile(r"^(docker-)?compose(\.[\w.-]+)?\.ya?ml$")
_DEV_FILE = re.compile(r"\.(dev|development|local|override|test|ci)\.ya?ml$")
_TOOLS = re.compile(r"^(tests?|lint|docs|ci|shell|notebook|jupyter|storybook|mailhog|mailpit|adminer|pgadmin)$")
_TOOL_COMMANDS = {"pytest", "tox", "nox", "flake8", "ruff", "mypy", "black", "sphinx-build", "mkdocs", "jupyter"}
_WORKER_NAMES = re.compile(r"(worker|celery|rq|queue|consumer|jobs?)", re.I)
_SCHEDULER_NAMES = re.compile(r"(beat|scheduler|cron|clock)", re.I)
MAX_BYTES = 512 * 1024  # a compose file is small; a bigger YAML is data, and aliases could make it explode


def compose_files(repo: RepoView) -> list[str]:
    return [rel for rel in repo.files() if _FILE.match(rel.rsplit("/", 1)[-1])]


def analyze(repo: RepoView) -> Iterator[Item]:
    for rel in compose_files(repo):
        src = Src(NAME, rel)
        text = repo.read_text(rel)
        if text is None:
            continue
        if len(text) > MAX_BYTES:
            yield base.warning(src, f"larger than {MAX_BYTES // 1024} KiB: not read as a compose file")
            continue
        data, problem = _load(text)
        if problem is not None:
            yield base.warning(src.at(problem[0]), problem[1])
            continue
        services = _services(data)
        if services is None:
            yield base.warning(src, "no services: mapping; not a compose file")
            continue
        yield from _file(repo, rel, services)


def _load(text: str) -> tuple[Any, tuple[int | None, str] | None]:
    return yamllines.load(text, "ignored")


def _services(data: Any) -> dict[str, Any] | None:
    if not isinstance(data, dict):
        return None
    services = data.get("services")
    if isinstance(services, dict):
        return services
    # the version-1 format: services at the top level
    found = {k: v for k, v in data.items() if isinstance(v, dict) and ("image" in v or "build" in v)}
    return found or None


def _file(repo: RepoView, rel: str, services: dict[str, Any]) -> Iterator[Item]:
    builders = {str(s.get("image")): s.get("build") for s in services.values()
                if isinstance(s, dict) and s.get("build") and s.get("image")}
    dockerfiles: dict[str, tuple[Any, Any] | None] = {}
    confidence = H if _DEV_FILE.search(rel) else I
    names = set(services)
    for name, svc in services.items():
        at = Src(NAME, rel, line_of(services, name))
        if not isinstance(svc, dict):
            yield base.warning(at, f"service {name!r} is not a mapping; ignored")
            continue
        image = svc.get("image")
        dev = devenv.service(repo, rel, svc)
        if dev is not None:
            yield base.warning(at, f"service {name!r} is {dev}: not read as the production setup")
            continue
        if svc.get("build") is not None or (image is not None and str(image) in builders):
            build = svc.get("build") or builders[str(image)]  # runs the image another service builds
            yield from _app_service(repo, rel, str(name), svc, build, dockerfiles, confidence, names)
        elif image is not None:
            yield from _image_service(rel, str(name), svc, str(image))
        else:
            yield base.warning(at, f"service {name!r} has neither build: nor image:; ignored")


def _build_file(rel: str, build: Any) -> tuple[str, str | None]:
    """(repo path of the Dockerfile a ``build:`` uses, its target stage)."""
    folder = rel.rsplit("/", 1)[0] if "/" in rel else ""
    if isinstance(build, dict):
        context = str(build.get("context") or ".")
        name = str(build.get("dockerfile") or "Dockerfile")
        target = build.get("target")
    else:
        context, name, target = str(build), "Dockerfile", None
    path = normalize(join(f"{folder}/x" if folder else "x", f"{context.rstrip('/')}/{name}"))
    return path, str(target) if target else None


def _app_service(repo: RepoView, rel: str, name: str, svc: dict[str, Any], build: Any,
                 cache: dict[str, Any], confidence: Confidence, names: set[str]) -> Iterator[Item]:
    at = Src(NAME, rel, line_of(svc, "build") if "build" in svc else line_of(svc, "image"))
    path, target = _build_file(rel, build)
    if path not in cache:
        cache[path] = dockerfile.read_image(repo, path, target) if repo.exists(path) else None
    image = cache[path]
    if image is not None and not dockerfile.is_app(image[0]):
        yield base.warning(at, f"service {name!r} builds {path}, not a Python image: not the app; not modelled")
        return
    workdir_value = svc.get("working_dir")
    workdir = str(workdir_value) if workdir_value else (image_workdir(*image)[0] if image else None)
    start, where = _start(repo, svc, image, workdir)
    if start is None or _is_tool(name, start):
        if start is not None:
            yield base.warning(at, f"service {name!r} runs a development tool ({start.command.split()[0]}): "
                                   "not a workload")
        return
    number, port_line = port(svc)
    src = Src(NAME, rel, where if where is not None else at.line)
    items = process_items(start, src, workdir, number, legacy_name=f"{name} (compose service)",
                          name_hint=_slug(name), role_hint=_role_hint(name), confidence=confidence)
    key = yield from items
    yield from environment(repo, Src(NAME, rel), svc, names)
    if key is None:
        return
    if number is not None:
        yield base.process(key, Src(NAME, rel, port_line), I, port=number)
    yield from settings(Src(NAME, rel), svc, key, workdir)


def _start(repo: RepoView, svc: dict[str, Any], image: Any, workdir: str | None
           ) -> tuple[StartCommand | None, int | None]:
    """The service's start command: compose ``entrypoint``/``command`` over the image's."""
    entry, command = svc.get("entrypoint"), svc.get("command")
    if entry is None and command is None:
        if image is None:
            return None, None
        started = dockerfile.image_start(repo, *image)
        return (started[0], None) if started is not None else (None, None)

    def script(token: str) -> tuple[str, bool] | None:
        rel = entrypoint_script(token, workdir, repo)
        return (rel, passes_arguments(repo.read_text(rel) or "")) if rel else None

    entry_argv = _argv(entry) if entry is not None else (dockerfile.entrypoint(*image) if image else [])
    start = start_command(entry_argv, _argv(command), script)
    return start, line_of(svc, "command" if command is not None else "entrypoint")


def _argv(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return split(str(value))


def _is_tool(name: str, start: StartCommand) -> bool:
    argv = list(start.argv) if start.argv is not None else split(start.command)
    program = argv[0].rsplit("/", 1)[-1] if argv else ""
    module = argv[2] if len(argv) > 2 and argv[1] == "-m" else ""
    return bool(_TOOLS.match(name.lower())) or program in _TOOL_COMMANDS or module in _TOOL_COMMANDS


def _role_hint(name: str) -> str | None:
    if _SCHEDULER_NAMES.search(name):
        return "scheduler"
    if _WORKER_NAMES.search(name):
        return "worker"
    return None


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-") or "app"


def _image_service(rel: str, name: str, svc: dict[str, Any], image: str) -> Iterator[Item]:
    at = Src(NAME, rel, line_of(svc, "image"))
    for var, value, line in pairs(svc.get("environment")):
        found = base.check_assignment(Src(NAME, rel, line), var, interpolate(value) or "") if value else None
        if found is not None:
            yield found  # the service's own password in a dev file is still a committed secret
    ref = images.image_ref(interpolate(image) or image)
    if ref is None:
        yield base.warning(at, f"service {name!r}: image {image!r} is not a plain image reference; ignored")
        return
    known = images.service(ref)
    if known is not None:
        kind, version = known
        yield base.service(kind, at, I, version=version, image=str(ref), note=f"compose service {name!r}")
    elif images.is_proxy(ref):
        yield base.host_step(f"compose service {name} ({ref})", at,
                             f"reverse proxy ({ref.name}): the Ingress replaces it")
    else:
        yield base.warning(at, f"service {name!r} runs {ref}, which is not a backing service migrate knows: "
                               "not modelled (run it separately or use a managed service)")
