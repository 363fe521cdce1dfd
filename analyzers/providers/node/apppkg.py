"""Which package.json is the app: the root one, or in a monorepo the workspace a Procfile line runs, else
the rules of :func:`.workspaces.app_package`. Shared by the runtime analyzers, so both read the same one.
"""

from __future__ import annotations

from dataclasses import dataclass

from analyzers.commands import parse_command
from analyzers.providers.node.pkg import Package, root_package
from analyzers.providers.node.workspaces import AppChoice, Hint, Workspaces, app_package, workspaces
from migrator.model import Confidence, Source
from migrator.repo import RepoView


@dataclass(frozen=True)
class App:
    root: Package  # the repo's package.json
    package: Package  # the app's (the root itself for a single package)
    workspaces: Workspaces | None
    choice: AppChoice | None  # how the workspace was chosen (None for a single package)

    @property
    def packages(self) -> tuple[Package, ...]:
        """The root and every workspace package (what one install at the root installs)."""
        return (self.root, *(self.workspaces.packages if self.workspaces else ()))


def procfile_hints(repo: RepoView) -> list[Hint]:
    """Each Procfile process command, split once, as a hint for the workspace the app is."""
    if not repo.exists("Procfile"):
        return []
    out = []
    for number, line in enumerate(repo.lines("Procfile"), 1):
        name, sep, command = line.partition(":")
        if sep and name.strip() and not name.lstrip().startswith("#") and command.strip():
            parsed = parse_command(command.strip(), Source("Procfile", number, "node_packaging", Confidence.DECLARED))
            out.append(Hint(parsed.core, command.strip(), "Procfile", number))  # env assignments, exec stripped
    return out


def the_app(repo: RepoView) -> App | None:
    """The app package of ``repo``, or None when the repo has no readable root package.json."""
    root = root_package(repo)
    if root is None:
        return None
    ws = workspaces(repo, root)
    if ws is None:
        return App(root, root, None, None)
    choice = app_package(ws, root, procfile_hints(repo))
    return App(root, choice.package or root, ws, choice)
