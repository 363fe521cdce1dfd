"""Project runners in front of a command: ``uv run``, ``poetry run``, ``pipenv run``, ``pdm run``,
``hatch run``, ``rye run``.

``uv run --extra dev pybabel compile -d i18n`` runs ``pybabel compile -d i18n`` in the project's
environment; in the image that environment is the image itself, so the container command is the inner
command. The runner's options are skipped by each tool's own table of options that take a value (both
``--opt value`` and ``--opt=value``), wherever they stand: before the ``run`` subcommand (``uv
--directory api run ...``, ``poetry -C api run ...``) or after it. What an option implies for the image
(an extra, a dependency group, ``--with`` packages, another project directory, an env file) is kept
in :attr:`RunWrapper.implies`, so a caller can say what the command needs installed.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class _Tool:
    value_opts: frozenset[str]  # options that take a value (the next word, or ``=value``)
    implies: dict[str, str]  # option -> what it means for the image


_PROJECT = {"--project": "project", "--directory": "project", "-C": "project", "-P": "project"}
_TOOLS = {
    "uv": _Tool(
        frozenset({
            "--extra", "--with", "--with-editable", "--with-requirements", "--project", "--directory", "--python",
            "-p", "--package", "--group", "--only-group", "--no-group", "--no-extra", "--env-file", "--index",
            "--default-index", "--index-url", "-i", "--extra-index-url", "--find-links", "-f", "--upgrade-package",
            "-P", "--reinstall-package", "--index-strategy", "--keyring-provider", "--resolution", "--prerelease",
            "--exclude-newer", "--link-mode", "--config-setting", "-C", "--refresh-package", "--cache-dir",
            "--config-file", "--color", "--python-platform", "--no-binary-package", "--no-build-package", "-w",
        }),
        {"--extra": "extra", "--with": "with", "-w": "with", "--with-editable": "with editable",
         "--with-requirements": "with requirements", "--group": "group", "--only-group": "only group",
         "--all-extras": "all extras", "--all-groups": "all groups", "--env-file": "env file",
         "--project": "project", "--directory": "project", "--package": "package"},
    ),
    "poetry": _Tool(frozenset({"-C", "--directory", "-P", "--project"}), dict(_PROJECT)),
    "pipenv": _Tool(frozenset({"--python", "--pypi-mirror"}), {}),
    "pdm": _Tool(frozenset({"-p", "--project", "--venv", "--skip", "-c", "--config"}),
                 {"-p": "project", "--project": "project", "--venv": "venv"}),
    "hatch": _Tool(frozenset({"-e", "--env", "-p", "--project", "--data-dir", "--cache-dir", "--color"}),
                   {"-e": "env", "--env": "env", "-p": "project", "--project": "project"}),
    "rye": _Tool(frozenset({"--pyproject"}), {"--pyproject": "pyproject"}),
}


@dataclass(frozen=True)
class RunWrapper:
    """``tool run [options] command``: the inner command as it runs in the image, and what the options
    implied (``("extra dev", "with pytest")``)."""

    tool: str
    command: tuple[str, ...]
    implies: tuple[str, ...]
    wrapper: tuple[str, ...]  # the runner's own words, as written

    def note(self) -> str | None:
        """``uv run --extra dev: needs extra dev`` when the runner set something up, else None."""
        if not self.implies:
            return None
        return f"{' '.join(self.wrapper)}: needs {', '.join(self.implies)}"


def run_wrapper(argv: list[str]) -> RunWrapper | None:
    """The runner at the head of ``argv`` (its program already stripped of wrappers such as sudo), or
    None when ``argv`` does not start with ``<tool> ... run <command>``."""
    if not argv:
        return None
    tool = argv[0].rsplit("/", 1)[-1]
    spec = _TOOLS.get(tool)
    if spec is None:
        return None
    implies: list[str] = []
    i = _skip_options(argv, 1, spec, implies)
    if i >= len(argv) or argv[i] != "run":
        return None
    i = _skip_options(argv, i + 1, spec, implies, hatch=tool == "hatch")
    if i < len(argv) and argv[i] == "--":
        i += 1
    if i >= len(argv):
        return None
    command = list(argv[i:])
    if tool == "uv" and command[0].startswith("--module="):
        command[:1] = ["-m", command[0].split("=", 1)[1]]
    if tool == "uv" and command[0] in ("-m", "--module") and len(command) > 1:
        command = ["python", "-m", *command[1:]]  # uv run -m pkg: the module under the project's python
    elif tool == "hatch" and ":" in command[0] and not command[0].startswith(("/", ".")):
        env, command[0] = command[0].split(":", 1)  # hatch run test:pytest -> pytest in env "test"
        implies.append(f"env {env}")
        if not command[0]:
            return None
    return RunWrapper(tool, tuple(command), tuple(implies), tuple(argv[:i]))


def _skip_options(argv: list[str], i: int, spec: _Tool, implies: list[str], hatch: bool = False) -> int:
    while i < len(argv):
        word = argv[i]
        if word == "--" or not word.startswith(("-", "+")) or (word.startswith("+") and not hatch):
            return i
        if (word in ("-m", "--module") or word.startswith("--module=")) and argv[0].rsplit("/", 1)[-1] == "uv":
            return i  # the module to run: part of the command
        name, eq, value = word.partition("=")
        if hatch and (word.startswith("+") or (eq and name not in spec.value_opts)):
            i += 1  # a matrix filter: +py=3.11, -version=9000
            continue
        if not eq and name in spec.value_opts:
            value = argv[i + 1] if i + 1 < len(argv) else ""
            i += 1
        i += 1
        what = spec.implies.get(name)
        if what is not None and not (what in ("project", "pyproject") and value in (".", "./")):
            implies.append(f"{what} {value}".strip())
    return i
