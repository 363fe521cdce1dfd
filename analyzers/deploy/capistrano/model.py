"""What the Capistrano reader keeps: servers and roles, tasks (Ruby bodies and the actions a plugin
implies), hooks, and the context a command runs in. ``NAME`` is the analyzer's name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from analyzers.base import Src
from analyzers.lib.rb import RubyFile

NAME = "capistrano"

# Capistrano 3's deploy flow (``cap <stage> deploy``), in order: every hook hangs on one of these.
FLOW3 = ("deploy:starting", "deploy:started", "deploy:updating", "deploy:updated", "deploy:publishing",
         "deploy:published", "deploy:finishing", "deploy:finished")
# Capistrano 2's ``deploy`` (update_code runs finalize_update; ``deploy:symlink`` is create_symlink's old name;
# ``deploy:migrations`` would add ``deploy:migrate`` after update_code, as many deploy.rb hooks do).
FLOW2 = ("deploy:update_code", "deploy:create_symlink", "deploy:symlink", "deploy:restart")


@dataclass(frozen=True)
class Server:
    """``server "h", user: "deploy", roles: %w{web app}, primary: true`` or one host of ``role :app, [...]``."""

    host: str
    roles: tuple[str, ...]
    file: str
    line: int
    user: str | None = None
    primary: bool = False


@dataclass(frozen=True)
class Body:
    """A Ruby task body (``task :x do ... end``) in ``file``, defined inside namespace ``ns``."""

    rf: RubyFile
    file: str
    node: Any
    ns: str
    line: int
    roles: tuple[str, ...] | None = None  # Capistrano 2: task :x, :roles => :app
    params: tuple[str, ...] = ()  # a def helper's parameters


@dataclass(frozen=True)
class Implied:
    """What a plugin's task runs, cited at the Capfile line that requires the plugin: a command the
    step rules classify, or (``host_reason``) a host-only step with its reason."""

    command: str
    src: Src
    host_reason: str | None = None
    env: tuple[tuple[str, str], ...] = ()
    fields: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class Invoke:
    """A plugin task that runs another (``deploy:compile_assets`` invokes ``deploy:assets:precompile``)."""

    task: str


@dataclass
class Task:
    name: str
    actions: list[Body | Implied | Invoke] = field(default_factory=list)
    deps: list[str] = field(default_factory=list)
    line: tuple[str, int] | None = None


@dataclass(frozen=True)
class Hook:
    """``before``/``after`` ``point``: run ``target`` (a task name) there."""

    when: str  # "before" | "after"
    point: str
    target: str
    file: str
    line: int
    ns: str = ""  # the namespace the hook was written in: its target resolves there when the walk starts


@dataclass(frozen=True)
class Ctx:
    """Where a command runs: ``within`` (cwd), ``with`` (env), ``as`` (user), ``on roles(...)``,
    ``run_locally``; the task and the flow point it runs under."""

    cwd: str | None = None
    env: tuple[tuple[str, str], ...] = ()
    user: str | None = None
    roles: tuple[str, ...] | None = None
    roles_line: int | None = None
    local: bool = False
    task: str = ""
    phase: str | None = None  # the point of the deploy flow (None: a task run by hand)
    hook: str | None = None  # the innermost hook that ran the task: "after deploy:migrate"
