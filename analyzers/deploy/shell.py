"""Shell deploy scripts: what ``deploy.sh`` and friends do on the hosts, and what it means in Kubernetes.

Reads ``deploy.sh``, every ``*.sh`` / ``*.bash``, and files with a shell shebang under ``scripts/``,
``bin/``, ``deploy/`` and ``tools/`` (files with another interpreter's shebang are skipped). Each script
is parsed with bashlex, and with tree-sitter-bash where bashlex cannot (``case``, ``[[ ]]``, arrays ...;
never run), and walked by :class:`analyzers.deploy.shellwalk.ShellWalker`; each simple command becomes
findings through :func:`analyzers.deploy.deploy_commands.interpret`: release/build/host steps,
system packages, health checks, env exports, hard-coded secrets, processes started by hand, and a
heuristic ``replicas`` hint when a loop deploys to several hosts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from analyzers import base
from analyzers.base import Item, Src
from analyzers.deploy.shellwalk import ShellWalker
from migrator.repo import RepoView

NAME = "shell"

# bashlex reads about a thousand commands a second: a bigger script is an installer or generated
# (a shar archive, a vendored tool), not a hand-written deploy script, and would stall the analysis.
MAX_SCRIPT_CHARS = 200_000
_SCRIPT_DIRS = {"scripts", "script", "bin", "deploy", "tools", "ops"}
_SHELL_SHEBANG = re.compile(r"^#!\s*\S*/(?:env\s+(?:-\S+\s+)*)?(?:ba|da|k|z|a)?sh\b")


def script_files(repo: RepoView) -> list[str]:
    """The repo's shell scripts, sorted: by name, or by a shell shebang in a scripts directory."""
    out = []
    for rel in repo.files():
        name = rel.rsplit("/", 1)[-1]
        dirs = set(rel.split("/")[:-1])
        if name == "deploy.sh" or name.endswith((".sh", ".bash")):
            shebang = _shebang(repo, rel)
            if shebang is None or _SHELL_SHEBANG.match(shebang):
                out.append(rel)
        elif dirs & _SCRIPT_DIRS and "." not in name:
            shebang = _shebang(repo, rel)
            if shebang is not None and _SHELL_SHEBANG.match(shebang):
                out.append(rel)
    return out


def _shebang(repo: RepoView, rel: str) -> str | None:
    text = repo.read_text(rel)
    if not text or not text.startswith("#!"):
        return None
    return text.split("\n", 1)[0]


def analyze(repo: RepoView) -> Iterator[Item]:
    """Findings from every shell script in the repo (an empty result: no scripts)."""
    for rel in script_files(repo):
        text = repo.read_text(rel)
        if text is None:
            continue
        if len(text) > MAX_SCRIPT_CHARS:
            yield base.warning(Src(NAME, rel), f"script is larger than {MAX_SCRIPT_CHARS // 1000} kB "
                               "(generated or vendored?); not read as a deploy script")
            continue
        walker = ShellWalker(Src(NAME, rel))
        try:
            walker.walk_text(text)
        except RecursionError:
            yield base.warning(Src(NAME, rel, 1), "the script nests too deeply to read; the rest was skipped")
        yield from walker.finish()
