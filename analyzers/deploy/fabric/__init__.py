"""Fabric 1.x, Fabric 2/3 and Invoke task files: the deploy knowledge of hand-deployed Python apps.

Everything is read through :mod:`ast`; nothing from the repo is imported or run. Starting from each
task, the analyzer walks the task body and the helpers it calls (directly or via ``execute``), keeping
the context a command runs in (``cd``, ``prefix``, ``settings``, ``shell_env``, the user, the hosts),
resolves command strings statically (:mod:`analyzers.pyresolve`), splits ``&&``/``;`` lists and hands
each command to :func:`analyzers.deploy_commands.interpret`. On top of that it reports files copied to
the hosts (``put``/``upload_template``), the run-as user of processes started by hand, a replicas hint
from the number of hosts a web-deploying task targets, and hard-coded secrets (``env.password``).

The package, by seam: :mod:`.loading` finds task files and loads their sibling modules (Python 2 or 3);
one file's walk is :class:`.module.Module`, built in layers that each use only the ones below:
:mod:`.state` (what the walk keeps), :mod:`.effects` (what each call becomes: processes, steps, files,
variables), :mod:`.output` (secrets, scrubbing, dedup), :mod:`.hosts` (``env``, roledefs, ``@roles``/
``@hosts``), :mod:`.statements` (the statement walk, ``with`` contexts) and :mod:`.calls` (tasks,
helpers, ``run``/``sudo``/``local``/``cd``/``prefix``, Connection and Group); :mod:`.model` holds the
values and constants they share.
"""

from __future__ import annotations

from collections.abc import Iterator

from analyzers import base
from analyzers.base import Item, Src
from analyzers.deploy.fabric.loading import Loader, _candidates, _flavor
from analyzers.deploy.fabric.model import NAME as NAME
from analyzers.deploy.fabric.model import _OutOfBudget
from analyzers.deploy.fabric.module import Module
from analyzers.pyast import parse_source
from migrator.repo import RepoView


def analyze(repo: RepoView) -> Iterator[Item]:
    """Findings for every Fabric/Invoke task file in the repo."""
    loader = Loader(repo)
    for rel in _candidates(repo):
        source = repo.read_text(rel)
        if source is None:
            continue
        # Fabric 1 is Python 2 only, so a fabfile is often Python 2 (parse_source reads both). Its
        # syntax says which Python the operator's machine ran, not the servers: the app's version is
        # read from the app's own files (python_code, python_version), never from the fabfile's syntax.
        parsed = parse_source(source, rel)
        tree = parsed.tree
        if tree is None:
            message = f"cannot parse Python ({parsed.reason}); fabfile not analyzed"
            yield base.warning(Src(NAME, rel, parsed.line), message)
            continue
        flavor = _flavor(tree, rel)
        if flavor is None:
            continue
        module = Module(repo, rel, tree, flavor, loader)
        try:
            found = list(module.items())
        except (RecursionError, _OutOfBudget):
            found = [base.warning(Src(NAME, rel), "code nested too deeply to follow; fabfile not analyzed")]
        yield from found

