"""Paths the app writes at run time, read from its code: each needs a writable volume in a pod whose
root filesystem is read-only (``PermissionError: '/app/logs/debug.log'`` killed a release Job).

What is found, and the volume it needs (``storage``):

- log files: Django ``LOGGING`` / ``dictConfig`` file handlers, ``logging.FileHandler('...')``,
  ``RotatingFileHandler``, ``TimedRotatingFileHandler``, ``WatchedFileHandler``,
  ``logging.basicConfig(filename=...)`` -> an ``emptyDir`` at the log directory (logs belong on stdout;
  where a plain file handler's path comes from an env var, ``stdout_env`` names it, and the generator
  points it at ``/dev/stdout`` instead);
- SQLite files (``sqlite3.connect('...')``; Django ``DATABASES`` are read by
:mod:`analyzers.providers.python.python_web`)
  -> a PersistentVolumeClaim at the file's directory;
- upload folders (``UPLOAD_FOLDER``, ``UPLOAD_DIR``, Flask-Uploads' ``UPLOADS_DEFAULT_DEST``, in settings
  or ``app.config``) and the Flask instance folder (``app.instance_path``) -> a PersistentVolumeClaim;
- other constant paths opened for writing (``open(path, "w"/"a")``, ``Path.write_text``,
  ``os.makedirs``): state the app keeps (under ``/var/lib``, ``/srv`` or a ``data/``, ``db/``, ``storage/``
  ... directory) -> a PersistentVolumeClaim, anything else (caches, pid files, reports) -> an
  ``emptyDir``; ``tempfile`` with a ``dir=`` outside /tmp -> an ``emptyDir``.

Paths are evaluated statically (``BASE_DIR / "logs" / "debug.log"``, ``os.path.join(...)``,
``os.getenv("X", default)``); relative ones are relative to the working directory, the repo root (the
image's /app). A directory that holds code files, or the app directory itself, cannot take a volume
without hiding the code: that is a warning naming the file to change instead.
"""

from __future__ import annotations

import ast
import posixpath
import re
from collections.abc import Iterator

from analyzers import base
from analyzers.base import I, Item, Src
from analyzers.providers.python.pyast import ENV_GETTERS, PathEval, PyModule, arg, const_str, kwarg
from analyzers.providers.python.python_files import modules
from migrator.repo import RepoView

NAME = "python_writes"

TRIGGERS = ("FileHandler", "filename", "LOGGING", "open(", "write_text", "write_bytes", "makedirs", "mkdir",
            "sqlite3", "UPLOAD", "instance_path", "tempfile", "dictConfig")
_FILE_HANDLERS = re.compile(r"(^|\.)(FileHandler|RotatingFileHandler|TimedRotatingFileHandler|WatchedFileHandler|"
                            r"ConcurrentRotatingFileHandler|ConcurrentTimedRotatingFileHandler)$")
_PLAIN_HANDLERS = re.compile(r"(^|\.)(FileHandler|WatchedFileHandler)$")  # no rollover: /dev/stdout works
_UPLOAD_KEYS = {"UPLOAD_FOLDER", "UPLOAD_DIR", "UPLOADS_FOLDER", "UPLOAD_PATH", "UPLOADS_DEFAULT_DEST",
                "UPLOADED_FILES_DEST", "UPLOADED_PHOTOS_DEST"}
_TEMPFILE = {"tempfile.mkdtemp", "tempfile.mkstemp", "tempfile.NamedTemporaryFile", "tempfile.TemporaryFile",
             "tempfile.TemporaryDirectory", "tempfile.SpooledTemporaryFile"}
_WRITE_MODE = re.compile(r"[wax+]")
_SCRATCH = ("/tmp", "/dev", "/proc", "/sys", "/var/tmp")  # noqa: S108 - /tmp is the pod's emptyDir already
# Files a directory may hold and still take a volume (nothing of the app would be hidden).
_PLACEHOLDERS = re.compile(r"(^|/)(\.gitkeep|\.keep|\.gitignore|README(\.\w+)?|[^/]*\.log)$")
_SQLITE_SUFFIX = (".db", ".sqlite", ".sqlite3", ".db3")


class _Paths(PathEval):
    """PathEval that also knows Flask's ``app.root_path`` (the module's directory) and ``app.instance_path``
    (``instance/`` beside the module or package, under its import root)."""

    def eval(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Attribute) and node.attr == "instance_path":
            return posixpath.join(self.mod.import_root, "instance") if self.mod.import_root else "instance"
        if isinstance(node, ast.Attribute) and node.attr == "root_path":
            return posixpath.dirname(self.mod.rel)
        if isinstance(node, ast.Call) and _is_env_read(self.mod, node):
            # env("LOG_FILE", default=BASE_DIR / "x.log"), config(...): the default unless overridden
            default = kwarg(node, "default") or arg(node, 1)
            return self.eval(default) if default is not None else None
        return super().eval(node)


def analyze(repo: RepoView) -> Iterator[Item]:
    """One volume finding per directory the app writes, or a warning when none can be mounted there."""
    files = repo.files()
    best: dict[str, _Write] = {}
    for mod in modules(repo, NAME, TRIGGERS):
        paths = _Paths(mod)
        for item in _module_writes(mod, paths):
            if not isinstance(item, _Write):
                yield item
            elif item.directory not in best or _RANK[item.purpose] > _RANK[best[item.directory].purpose]:
                best[item.directory] = item  # one claim per directory: the one that needs the most
    for write in best.values():
        yield from write.findings(files)


_RANK = {"sqlite": 6, "uploads": 5, "instance": 4, "data": 3, "backups": 3, "logs": 2, "temp": 1, "scratch": 0}


class _Write:
    """A path the code writes: the directory that needs a volume, and why."""

    def __init__(self, path: str, purpose: str, storage: str, src: Src, what: str, *, is_dir: bool = False,
                 stdout_env: str | None = None) -> None:
        self.path = posixpath.normpath(path) if path else path
        self.directory = self.path if is_dir else posixpath.dirname(self.path)
        self.purpose, self.storage, self.src, self.what, self.stdout_env = purpose, storage, src, what, stdout_env

    def findings(self, files: tuple[str, ...]) -> Iterator[Item]:
        if self.directory.startswith("/") and self.directory.startswith(_SCRATCH):
            return
        absolute = self.directory.startswith("/")
        if not absolute and self.directory in ("", "."):
            yield base.warning(self.src, f"{self.what} writes {self.path!r} in the app directory, which is "
                                         "read-only in the pod: write it under a directory of its own (a volume "
                                         "is mounted there) or to stdout")
            return
        hidden = [] if absolute else [f for f in files if f.startswith(self.directory + "/")
                                      and not _PLACEHOLDERS.search(f[len(self.directory) + 1:])]
        if hidden and self.storage == "emptyDir":
            yield base.warning(self.src, f"{self.what} writes in {self.directory}/, which holds {hidden[0]}: a "
                                         "volume there would hide the code; write somewhere else (or to stdout)")
            return
        yield base.volume(self.directory, self.src, I, purpose=self.purpose, storage=self.storage,
                          relative_to=None if absolute else "repo", written=self.path, written_by=self.what,
                          stdout_env=self.stdout_env)


def _module_writes(mod: PyModule, paths: _Paths) -> Iterator[_Write | Item]:
    for name, value, stmt in mod.assignments():
        if name == "LOGGING" and isinstance(value, ast.Dict):
            yield from _logging_dict(mod, paths, value)
        elif name in _UPLOAD_KEYS:
            yield from _upload(mod, paths, name, value, stmt)
    for call in mod.nodes(ast.Call):
        yield from _call(mod, paths, call)
    for node in mod.nodes(ast.Assign):
        # app.config["UPLOAD_FOLDER"] = ...
        for target in node.targets:
            if isinstance(target, ast.Subscript) and const_str(target.slice) in _UPLOAD_KEYS:
                yield from _upload(mod, paths, str(const_str(target.slice)), node.value, node)


def _upload(mod: PyModule, paths: _Paths, key: str, value: ast.expr, at: ast.AST) -> Iterator[_Write]:
    path = paths.eval(value)
    if path:
        yield _Write(path, "uploads", "pvc", mod.src(at), f"{key} ({mod.rel}:{getattr(at, 'lineno', '?')})",
                     is_dir=True)


def _logging_dict(mod: PyModule, paths: _Paths, config: ast.Dict) -> Iterator[_Write]:
    handlers = _entry(config, "handlers")
    if not isinstance(handlers, ast.Dict):
        return
    for handler in handlers.values:
        if not isinstance(handler, ast.Dict):
            continue
        cls = const_str(_entry(handler, "class")) or ""
        filename = _entry(handler, "filename")
        if not _FILE_HANDLERS.search(cls) or filename is None:
            continue
        path = paths.eval(filename)
        if not path:
            continue
        env = _env_name(mod, filename) if _PLAIN_HANDLERS.search(cls) else None
        line = filename.lineno
        yield _Write(path, "logs", "emptyDir", mod.src(line), f"LOGGING handler {cls} ({mod.rel}:{line})",
                     stdout_env=env)


def _call(mod: PyModule, paths: _Paths, call: ast.Call) -> Iterator[_Write]:
    qual = mod.qualname(call.func) or ""
    func = call.func
    where = f"({mod.rel}:{call.lineno})"
    if _FILE_HANDLERS.search(qual) and (qual.startswith("logging") or "Handler" in qual):
        target = arg(call, 0) or kwarg(call, "filename")
        path = paths.eval(target) if target is not None else None
        if path:
            env = _env_name(mod, target) if _PLAIN_HANDLERS.search(qual) and target is not None else None
            yield _Write(path, "logs", "emptyDir", mod.src(call), f"{qual.rsplit('.', 1)[-1]} {where}", stdout_env=env)
    elif qual in ("logging.basicConfig", "logging.config.dictConfig"):
        target = kwarg(call, "filename")
        path = paths.eval(target) if target is not None else None
        if path:
            yield _Write(path, "logs", "emptyDir", mod.src(call), f"logging.basicConfig(filename=...) {where}")
        config = arg(call, 0)
        if qual.endswith("dictConfig") and isinstance(config, ast.Dict):
            yield from _logging_dict(mod, paths, config)
    elif qual == "sqlite3.connect":
        target = arg(call, 0) or kwarg(call, "database")
        path = paths.eval(target) if target is not None else None
        if path and path != ":memory:" and not path.startswith("file:"):
            yield _Write(path, "sqlite", "pvc", mod.src(call), f"sqlite3.connect {where}")
    elif qual in _TEMPFILE:
        target = kwarg(call, "dir")
        path = paths.eval(target) if target is not None else None
        if path:
            yield _Write(path, "temp", "emptyDir", mod.src(call), f"{qual}(dir=...) {where}", is_dir=True)
    elif qual in ("open", "io.open", "codecs.open"):
        yield from _open(mod, paths, call, arg(call, 0) or kwarg(call, "file"), arg(call, 1) or kwarg(call, "mode"))
    elif qual in ("os.makedirs", "os.mkdir"):
        target = arg(call, 0)
        path = paths.eval(target) if target is not None else None
        if path:
            purpose, storage = ("instance", "pvc") if path.rsplit("/", 1)[-1] == "instance" else storage_of(path + "/")
            yield _Write(path, purpose, storage, mod.src(call), f"{qual} {where}", is_dir=True)
    elif isinstance(func, ast.Attribute) and func.attr in ("write_text", "write_bytes", "open", "mkdir", "touch"):
        path = paths.eval(func.value) if not isinstance(func.value, ast.Name) or func.value.id in paths.names else None
        mode = arg(call, 0) if func.attr == "open" else None
        if path and (func.attr != "open" or _writes(mod, mode or kwarg(call, "mode"))):
            purpose, storage = storage_of(path + "/" if func.attr == "mkdir" else path)
            yield _Write(path, purpose, storage, mod.src(call), f"Path.{func.attr} {where}",
                         is_dir=func.attr == "mkdir")


def _open(mod: PyModule, paths: _Paths, call: ast.Call, target: ast.expr | None,
          mode: ast.expr | None) -> Iterator[_Write]:
    if target is None or not _writes(mod, mode):
        return
    path = paths.eval(target)
    if path:
        purpose, storage = storage_of(path)
        yield _Write(path, purpose, storage, mod.src(call), f"open(..., {mod.string(mode)!r}) "
                                                            f"({mod.rel}:{call.lineno})")


def _writes(mod: PyModule, mode: ast.expr | None) -> bool:
    text = mod.string(mode) if mode is not None else None
    return bool(text and _WRITE_MODE.search(text))


_LOGS = re.compile(r"(^|/)(logs?)(/|$)|\.log$")
_EPHEMERAL = re.compile(r"(^|/)(cache|caches|tmp|temp|run|pids?|locks?|spool)(/|$)|\.(pid|lock)$")
_BACKUPS = re.compile(r"(^|/)(backups?|dumps?|snapshots)(/|$)")
_PERSISTENT = re.compile(r"(^|/)(data|db|database|sqlite|uploads?|media|instance|storage|files|attachments|"
                         r"backups?|archive)(/|$)|^/var/lib/|^/srv/")


def storage_of(path: str) -> tuple[str, str]:
    """(purpose, storage) of a written path, from its name: logs and caches are scratch (emptyDir);
    databases, uploads and state under /var/lib or a data/ directory must outlive the pod (a PVC)."""
    if _LOGS.search(path):
        return "logs", "emptyDir"
    if path.endswith(_SQLITE_SUFFIX):
        return "sqlite", "pvc"
    if _EPHEMERAL.search(path):
        return "scratch", "emptyDir"
    if _BACKUPS.search(path):
        return "backups", "pvc"  # a claim of its own: a backup beside the data it saves is no backup
    if _PERSISTENT.search(path):
        return "data", "pvc"
    return "scratch", "emptyDir"


def _entry(d: ast.Dict, key: str) -> ast.expr | None:
    for k, v in zip(d.keys, d.values, strict=True):
        if const_str(k) == key:
            return v
    return None


def _env_name(mod: PyModule, node: ast.AST) -> str | None:
    """``os.environ.get("LOG_FILE", default)`` / ``env("LOG_FILE", default=...)``: the variable's name."""
    inner = node
    while isinstance(inner, ast.Call) and (mod.qualname(inner.func) or "") in ("str", "os.fspath", "pathlib.Path"):
        inner = inner.args[0] if inner.args else inner
        if not isinstance(inner, ast.Call):
            break
    if not isinstance(inner, ast.Call):
        return None
    name = mod.string(arg(inner, 0)) if _is_env_read(mod, inner) else None
    return name if name and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) else None


def _is_env_read(mod: PyModule, call: ast.Call) -> bool:
    """os.getenv / os.environ.get, django-environ's ``env(...)``/``env.str(...)``, decouple's ``config(...)``."""
    qual = mod.qualname(call.func) or ""
    return qual in ENV_GETTERS or qual in ("decouple.config", "config") or qual.split(".")[0] == "env"
