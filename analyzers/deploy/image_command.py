"""What a container starts: ``ENTRYPOINT`` + ``CMD`` (Dockerfile) or ``entrypoint`` + ``command`` (compose).

Shared by the Dockerfile and compose analyzers so both read a start command the same way:

* wait wrappers run before the real program and go (``wait-for-it.sh db:5432 -- gunicorn ...``,
  ``dockerize -wait tcp://db:5432 gunicorn ...``, ``wait-for db:5432 -- ...``);
* an entrypoint script from the repository that ends in ``exec "$@"`` runs its setup and then the
  command: the command is the process and the script is read as a shell script (see
  :func:`entrypoint_script`);
* a shell chain (``sh -c "python manage.py migrate && gunicorn ..."``) is split: the commands before
  the last are steps run at every start (release steps in Kubernetes), the last one is the process.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator
from dataclasses import dataclass, field

from analyzers import base
from analyzers.base import DEF, H, I, Item, Src
from analyzers.commands import basename, join, meaning, parse_argv, split
from analyzers.deploy.deploy_commands import parse_at
from analyzers.deploy.hostcfg import schedule_name
from analyzers.lib.shelltext import scan_quotes
from migrator.commands import StepKind
from migrator.model import Confidence
from migrator.repo import RepoView

_SHELLS = {"sh", "bash", "dash", "ash"}
_WAITERS = re.compile(r"^(wait-for-it|wait-for|wait-for-postgres|wait-for-db|wait-for-services|waitforit)(\.sh)?$")
_DOCKERIZE_VALUE_OPTS = {"-wait", "-timeout", "-template", "-stdout", "-stderr", "-env", "-wait-retry-interval",
                         "-wait-http-header", "-poll"}


@dataclass(frozen=True)
class StartCommand:
    """The long-running command, and the commands a shell chain runs before it."""

    command: str
    steps: tuple[str, ...] = ()
    script: str | None = None  # the repo entrypoint script run before the command, if any
    # the words each was read from (already split: process_items parses them without splitting again)
    argv: tuple[str, ...] | None = field(default=None, compare=False, repr=False)
    step_argv: tuple[tuple[str, ...], ...] = field(default=(), compare=False, repr=False)


def start_command(
    entrypoint: list[str], command: list[str], repo_script: Callable[[str], tuple[str, bool] | None]
) -> StartCommand | None:
    """Read ``entrypoint`` + ``command`` (argv lists); ``repo_script(token)`` gives (repo path, passes its
    arguments on with ``"$@"``) when the token names a script in the repository."""
    return _read([*entrypoint, *command], repo_script, None, 0)


def _read(argv: list[str], repo_script: Callable[[str], tuple[str, bool] | None], script: str | None,
          depth: int) -> StartCommand | None:
    argv = _unwait(argv)
    while argv and argv[0] == "exec":
        argv = _unwait(argv[1:])
    if argv and script is None:
        found = repo_script(argv[0])
        if found is not None:
            script, passes_args = found
            if passes_args and len(argv) > 1:
                argv = _unwait(argv[1:])  # setup, then `exec "$@"`: the arguments are the process
    if not argv:
        return None
    if len(argv) == 3 and basename(argv[0]) in _SHELLS and re.fullmatch(r"-[a-z]*c", argv[1]) and depth < 4:
        parts = [p for p in chain(argv[2]) if not _is_cd(p)]
        if not parts:
            return None
        last = _read(split(parts[-1]), repo_script, script, depth + 1)
        if last is None:
            return None
        words = [tuple(w) for p in parts[:-1] if (w := _unwait(split(p)))]
        return StartCommand(last.command, (*[join(w) for w in words], *last.steps), last.script, last.argv,
                            (*words, *last.step_argv))
    return StartCommand(join(argv), (), script, tuple(argv))


def chain(text: str) -> list[str]:
    """``a && b; c`` -> [a, b, c], splitting only outside quotes."""
    masked, _ = scan_quotes(text)
    masked = masked.ljust(len(text), "#")
    parts, start, i = [], 0, 0
    while i < len(text):
        two = masked[i : i + 2]
        if two == "&&" or masked[i] == ";":
            parts.append(text[start:i])
            i += 2 if two == "&&" else 1
            start = i
            continue
        i += 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def _is_cd(part: str) -> bool:
    return part.split(None, 1)[0] in ("cd", "pushd") if part.split() else False


def _unwait(argv: list[str]) -> list[str]:
    """``argv`` without leading wait wrappers (they only delay the real program until a port answers)."""
    while argv:
        head = basename(argv[0])
        if _WAITERS.match(head):
            argv = argv[argv.index("--") + 1 :] if "--" in argv else []
        elif head == "dockerize":
            rest = argv[1:]
            while rest and rest[0].startswith("-"):
                opt = rest.pop(0)
                if opt in _DOCKERIZE_VALUE_OPTS and rest and "=" not in opt:
                    rest.pop(0)
            argv = rest
        else:
            return argv
    return argv


def shell_form(text: str) -> list[str]:
    """A shell-form ``CMD``/``ENTRYPOINT``: Docker runs it with ``/bin/sh -c``."""
    return ["/bin/sh", "-c", text]


def passes_arguments(script_text: str) -> bool:
    """Whether an entrypoint script runs its arguments (``exec "$@"``, ``"$@"``, ``$*``)."""
    return bool(re.search(r"\$\{?[@*]\}?", script_text))


def entrypoint_script(token: str, workdir: str | None, repo: RepoView) -> str | None:
    """The repo path of an entrypoint/command token (``./entrypoint.sh``, ``/app/docker/start.sh``,
    ``/usr/local/bin/docker-entrypoint.sh``) when the repo has that file: paths inside the image are taken
    relative to its working directory (the build context is copied there), else the one repo file with
    that name (``COPY docker/entrypoint.sh /usr/local/bin/``)."""
    if not token or token.startswith("-") or "$" in token or token.endswith(".py"):
        return None
    candidates = []
    if token.startswith("/"):
        root = (workdir or "").rstrip("/")
        if root and token.startswith(root + "/"):
            candidates.append(token[len(root) + 1 :])
    else:
        candidates.append(token.removeprefix("./"))
    for rel in candidates:
        if repo.exists(rel) and _is_script(repo, rel):
            return rel
    same_name = repo.named(basename(token))
    if len(same_name) == 1 and _is_script(repo, same_name[0]):
        return same_name[0]  # copied into the image elsewhere (COPY docker/entrypoint.sh /usr/local/bin/)
    return None


def _is_script(repo: RepoView, rel: str) -> bool:
    if rel.endswith((".sh", ".bash")):
        return True
    text = repo.read_text(rel) or ""
    return bool(re.match(r"#!\s*\S*/(?:env\s+)?(?:ba|da|a)?sh\b", text))


def in_image(value: str, workdir: str | None) -> str:
    """A path under the image's working directory, relative to it (the generated image has its own)."""
    root = (workdir or "").rstrip("/")
    if root and (value == root or value.startswith(root + "/")):
        return value[len(root) + 1 :] or "."
    return value


def process_items(start: StartCommand, src: Src, workdir: str | None, port: int | None, *, legacy_name: str,
                  name_hint: str | None = None, role_hint: str | None = None, confidence: Confidence = I,
                  ) -> Generator[Item, None, str | None]:
    """Findings for a container's start command; its return value (``key = yield from ...``) is the
    process key, or None when the command is a release step."""
    for i, step in enumerate(start.steps):
        words = start.step_argv[i] if i < len(start.step_argv) else None
        cmd = parse_argv(step, words, src()) if words is not None else parse_at(step, src)
        done = meaning(cmd).in_dir(workdir)
        if done.step is StepKind.RELEASE:
            found = base.release_step(done.text or step, src, confidence, note="run at every container start")
            yield base.stating(found, cmd, done)
        elif done.step is StepKind.BUILD:
            yield base.stating(base.build_step(done.text or step, src, confidence), cmd, done)
    cmd = parse_argv(start.command, start.argv, src()) if start.argv is not None else parse_at(start.command, src)
    info = meaning(cmd)
    run = info.in_dir(workdir)
    command = run.text or start.command
    if info.role is not None and info.role.value == "release":
        yield base.stating(base.release_step(command, src, confidence), cmd, run)
        return None
    role = info.role.value if info.role else (role_hint or ("web" if port else "worker"))
    key = info.name or (name_hint if name_hint else "web" if role == "web" else schedule_name(run.container, "app"))
    yield base.stating(base.process(
        key, src, H if info.dev_server else confidence, command=command, legacy_name=legacy_name,
        app_server=info.server, workers=info.workers, threads=info.threads, timeout=info.timeout,
        port=info.port if info.port_declared else None, dev_server=True if info.dev_server else None), cmd, run)
    yield base.process(key, src, I if info.role else H, role=role)
    if info.port is not None and not info.port_declared:
        yield base.process(key, src, DEF, port=info.port)
    return key
