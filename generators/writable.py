"""File logging pointed at stdout where the app lets an env var choose the file.

A pod's root filesystem is read-only and its logs belong on stdout, where the cluster collects them.
When a plain file handler (``logging.FileHandler``, ``WatchedFileHandler``: no rollover, which would
rename the file) takes its path from an env var (``"filename": os.environ.get("DJANGO_LOG_FILE",
BASE_DIR / "logs" / "debug.log")``), the ConfigMap sets that var to ``/dev/stdout`` and no volume is
needed; every other log file gets an ``emptyDir`` (:func:`generators.facts.volume_specs`).
"""

from __future__ import annotations

from generators.facts import EnvSpec
from migrator.model import AppModel, Kind

STDOUT = "/dev/stdout"


def log_redirects(model: AppModel) -> dict[str, str]:
    """env var -> why it is set to /dev/stdout, for every log file an env var can move."""
    secret = set(model.secret_env_names())
    out: dict[str, str] = {}
    for v in model.of(Kind.VOLUME):
        name = v.get("stdout_env")
        if v.get("purpose") == "logs" and isinstance(name, str) and name not in secret and name not in out:
            where = v.facts["stdout_env"].source.where()
            out[name] = f"{where}, the log file's path: file logging goes to stdout instead of {v.get('written')}"
    return out


def with_log_redirects(config: tuple[EnvSpec, ...], optional: tuple[EnvSpec, ...],
                       redirects: dict[str, str]) -> tuple[tuple[EnvSpec, ...], tuple[EnvSpec, ...]]:
    """The ConfigMap's env with each redirected var set to /dev/stdout (taken out of the optional ones)."""
    if not redirects:
        return config, optional
    kept = [e for e in config if e.name not in redirects]
    kept += [EnvSpec(name, STDOUT, why, False) for name, why in sorted(redirects.items())]
    return tuple(kept), tuple(e for e in optional if e.name not in redirects)
