"""Which files holding hard-coded secrets the image leaves out, and which it cannot.

Every file where the analysis located a secret (``secrets_found``) is left out of the build context by
the ``.dockerignore``, unless the app needs it: a module another module imports (the analysis says so
in ``needed_by``), or a file a workload's command names (``uwsgi --ini deploy/uwsgi.ini``,
``python -m billing.nightly``, ``deploy/backup.sh``, gunicorn's ``gunicorn.conf.py``). Leaving such a
file out would break the app, so MIGRATION.md lists it as a blocker to fix before building (a default
the code only falls back on is listed as a value to remove, not a blocker: the Secret sets the variable).
A needed file the image replaces with its own is left out after all, and is no blocker: WordPress's
``wp-config.php`` (``wp-load.php`` requires it), which the image rewrites to read the environment
(:mod:`generators.image.php_wpconfig`). A needed file nothing replaces (a plain PHP app's ``config.php``
that ``index.php`` includes) stays a blocker.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from generators.image import php_wpconfig
from migrator.model import AppModel, Kind, SecretFinding

_COMMAND_KINDS = (Kind.PROCESS, Kind.SCHEDULE, Kind.RELEASE_STEP, Kind.BUILD_STEP)


@dataclass(frozen=True)
class SecretFile:
    path: str
    names: tuple[str, ...]  # what is hard-coded there ("SECRET_KEY (secret_key) at line 3")
    needed_by: str  # why the image keeps it; "" when the .dockerignore leaves it out
    fallback_only: bool  # every secret in it is a default the deployment overrides
    replaced: str = ""  # how the image does without it although the app needs it; "" when it does not

    @property
    def blocker(self) -> bool:
        return bool(self.needed_by) and not self.fallback_only and not self.replaced

    @property
    def left_out(self) -> bool:
        """Whether the .dockerignore leaves it out: the app does not need it, or the image replaces it."""
        return not self.needed_by or bool(self.replaced)


def secret_files(model: AppModel) -> tuple[SecretFile, ...]:
    """One entry per file of ``model.secrets_found``, sorted by path."""
    by_file: dict[str, list[SecretFinding]] = {}
    for s in model.secrets_found:
        if not s.file.startswith("(") and s.file != "migrate.toml":
            by_file.setdefault(s.file, []).append(s)
    tokens = _command_tokens(model)
    wp_config = php_wpconfig.target(model)
    out = []
    for path, found in sorted(by_file.items()):
        needed = next((s.needed_by for s in found if s.needed_by), "") or _named_by_command(path, tokens, model)
        names = tuple(f"{s.name} ({s.kind}){f' at line {s.line}' if s.line else ''}" for s in found)
        replaced = php_wpconfig.REPLACED if path == wp_config else ""
        out.append(SecretFile(path, names, needed, all(s.fallback for s in found), replaced))
    return tuple(out)


def _command_tokens(model: AppModel) -> dict[str, str]:
    """Every word of every command that runs in the image -> the subject it belongs to."""
    out: dict[str, str] = {}
    for kind in _COMMAND_KINDS:
        for subject in model.of(kind):
            if subject.meaning is None:
                continue
            who = f"{kind.value}[{subject.key}]"
            for token in subject.meaning.container:
                for part in (token, *token.split("=", 1)[1:]):
                    out.setdefault(part.removeprefix("./"), who)
    return out


def _named_by_command(path: str, tokens: dict[str, str], model: AppModel) -> str:
    module = path.removesuffix(".py").replace("/", ".").removesuffix(".__init__") if path.endswith(".py") else None
    for token, who in tokens.items():
        if token == path or token.endswith("/" + path):
            return f"run by {who}"
        if module and (token == module or token.split(":", 1)[0] == module):
            return f"run by {who}"
    if path == "gunicorn.conf.py" and any(p.get("app_server") == "gunicorn" for p in model.processes):
        return "read by gunicorn at start (its default config file)"
    return ""


def excluded(files: Iterable[SecretFile]) -> list[str]:
    return [f.path for f in files if f.left_out]
