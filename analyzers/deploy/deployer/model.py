"""What the Deployer reader keeps from ``deploy.php`` or ``deploy.yaml``: settings in the order they were
written, hosts, tasks (their actions, or the tasks they group), hooks and the recipes required. Both
formats fill one :class:`Config`; the walk and the settings read only that. ``NAME`` is the analyzer's name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from analyzers.base import Item

NAME = "deployer"


@dataclass(frozen=True)
class Setting:
    """``set('key', value)`` / ``add('key', [...])`` at ``file:line``; ``lines``: each list item's own line."""

    verb: str  # "set" | "add"
    key: str
    value: Any
    file: str
    line: int
    lines: tuple[tuple[str, int], ...] = ()


@dataclass
class Host:
    """``host('a', 'b')`` / ``localhost()`` (or a ``hosts:`` entry) and what its chain set."""

    name: str
    file: str
    line: int
    settings: dict[str, Any] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    roles: tuple[str, ...] = ()
    local: bool = False

    @property
    def stage(self) -> str | None:
        return self.labels.get("stage")


@dataclass(frozen=True)
class Run:
    """A command a task runs (``run``, ``runLocally``, a YAML ``run:``), its placeholders unrendered."""

    command: str
    file: str
    line: int
    local: bool = False
    cwd: str | None = None


@dataclass(frozen=True)
class Invoke:
    """``invoke('other:task')`` inside a task body."""

    task: str
    file: str
    line: int


@dataclass(frozen=True)
class Upload:
    """``upload('local', '{{release_path}}/x')``: files copied to the hosts."""

    source: str
    dest: str
    file: str
    line: int


@dataclass(frozen=True)
class Secret:
    """A secret met in a task body (``ask_hidden``, a literal password argument): reported, never copied."""

    label: str
    kind: str
    file: str
    line: int


Action = Run | Invoke | Upload | Secret


@dataclass
class Task:
    name: str
    file: str
    line: int
    actions: list[Action] = field(default_factory=list)
    group: list[str] | None = None  # task('deploy', ['a', 'b'])
    group_lines: dict[str, int] = field(default_factory=dict)  # each grouped name's own line
    roles: tuple[str, ...] = ()  # ->onRoles('worker') (Deployer 6: ->onStage/onHosts too)
    select: str | None = None  # ->select('stage=prod') (Deployer 7)
    once: bool = False
    local: bool = False  # ->local() (Deployer 6)


@dataclass(frozen=True)
class Hook:
    """``before('point', 'target')`` / ``after`` / ``fail``."""

    when: str
    point: str
    target: str
    file: str
    line: int


@dataclass
class Config:
    file: str
    version: int | None = None
    version_why: str = ""
    recipes: list[tuple[str, int]] = field(default_factory=list)  # (name, line of its require)
    settings: list[Setting] = field(default_factory=list)
    hosts: list[Host] = field(default_factory=list)
    tasks: dict[str, Task] = field(default_factory=dict)
    hooks: list[Hook] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)  # warnings and secrets met while reading
    secret_values: set[str] = field(default_factory=set)
    inventories: list[tuple[str, int]] = field(default_factory=list)  # inventory('hosts.yml') / import('x.yaml')
