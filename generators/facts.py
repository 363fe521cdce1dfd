"""The spec's surroundings read from the model: env vars, volumes, ingress, system packages, dependency
files, and the notes on what could not be generated (for MIGRATION.md's open questions)."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from analyzers.lib.debian_names import for_release
from generators.image.base_image import BaseImage
from generators.image.debian_release import release_of
from generators.values import APP_DIR, Value, origin, slug
from migrator.model import AppModel, Kind, Subject
from migrator.secrets import bears_secret, is_secret_name

# Connection URLs usually embed credentials: they go to the Secret even when the name looks harmless.
_CREDENTIAL_URL_NAME = re.compile(r"(^|_)(DATABASE|DB|REDIS|BROKER|AMQP|RABBITMQ|MONGO(DB)?|CACHE|ELASTICSEARCH|"
                                  r"SENTRY|CELERY_BROKER|CELERY_RESULT_BACKEND)(_URL|_URI|_DSN)?$|_(URL|URI)$")
_SERVICE_URL_HINT = re.compile(r"(DATABASE|DB|REDIS|BROKER|AMQP|RABBITMQ|MONGO|CACHE|ELASTIC|SENTRY|CELERY)")
_WORKDIR_FIELDS = ("working_dir", "workdir", "working_directory", "directory", "chdir", "cwd")


@dataclass(frozen=True)
class EnvSpec:
    name: str
    value: str | None  # None for secrets and unknown required values
    origin: str
    required: bool


@dataclass(frozen=True)
class VolumeSpec:
    name: str
    mount_path: str
    legacy_path: str
    origin: str
    # pvc: a PersistentVolumeClaim (data that outlives the pod) | emptyDir: scratch | secret: one file the
    # legacy hosts kept outside the releases (Capistrano's linked_files), a key of the files Secret
    storage: str = "pvc"
    access_mode: str = "ReadWriteMany"
    purpose: str = ""
    note: str = ""
    key: str = ""  # storage "secret": the file's key in the files Secret (mounted with subPath)


@dataclass(frozen=True)
class IngressSpec:
    hosts: tuple[tuple[str, str], ...]  # (host, origin)
    max_body_size: Value | None
    tls: bool


_CODE_SUFFIXES = (".py", ".js", ".ts", ".mjs", ".cjs", ".rb")


def _read_site(var: Subject) -> str:
    """Where the app reads ``var``: the strongest source in code, else the strongest source at all
    (:attr:`Subject.sources` is ordered, so the answer is stable across runs)."""
    sources = var.sources
    in_code = [s for s in sources if s.file.endswith(_CODE_SUFFIXES)]
    return (in_code or list(sources))[0].where() if sources else ""


def env_specs(model: AppModel) -> tuple[tuple[EnvSpec, ...], tuple[EnvSpec, ...], tuple[EnvSpec, ...]]:
    config: list[EnvSpec] = []
    secret: list[EnvSpec] = []
    optional: list[EnvSpec] = []
    workdirs = legacy_dirs(model)
    # the variables a server's listen address is read from (``app.listen(PORT, process.env.HOST ?? '127.0.0.1')``)
    listen_hosts = {str(p.get("host_env")) for p in model.processes if p.get("host_env")}
    for e in model.env:
        if e.key == "PORT" or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", e.key):
            continue
        where = _read_site(e)
        default = e.get("default")
        if e.key in listen_hosts and not e.get("secret") and str(default) not in _ALL_INTERFACES:
            # a pod is reached on its own IP (the Service, the probes): loopback, or a host's address, is not it
            was = f", not its default {default}" if default is not None else ""
            config.append(EnvSpec(e.key, "0.0.0.0", f"{where} as the server's listen address: every interface{was}",  # noqa: S104
                                  bool(e.get("required"))))
            continue
        required = bool(e.get("required"))
        is_url = bool(_CREDENTIAL_URL_NAME.search(e.key) and _SERVICE_URL_HINT.search(e.key))
        # the ConfigMap's gate: whatever an analyzer said, a secret name or a secret-bearing value
        # (a URL with a password part, a token) goes to the Secret, without its value
        bearing = is_secret_name(e.key) or (default is not None and bears_secret(str(default)))
        if e.get("secret") or bearing or (is_url and default is None):
            secret.append(EnvSpec(e.key, None, where, required))
        elif default is not None:
            value, where_from = str(default), e.facts["default"].source.where()
            mapped = _mount_path(value, workdirs) if value.startswith("/") else value
            if mapped != value:
                # a host path under the legacy app dir (MEDIA_ROOT=/srv/app/media) is where the image
                # and its volume mounts put it now (/app/media): the old path does not exist in the pod
                value, where_from = mapped, f"{where_from}; legacy {default} mapped into the image"
            config.append(EnvSpec(e.key, value, where_from, required))
        elif required:
            config.append(EnvSpec(e.key, "", where, True))
        else:
            optional.append(EnvSpec(e.key, None, where, False))
    return tuple(config), tuple(secret), tuple(optional)


_ALL_INTERFACES = ("0.0.0.0", "::", "[::]")  # noqa: S104 - what a pod must listen on


def legacy_dirs(model: AppModel) -> list[str]:
    """Where the app lived on the legacy hosts (process working dirs, the rsync target), deepest first."""
    found = {str(p.get(f)).rstrip("/") for p in model.processes for f in _WORKDIR_FIELDS
             if isinstance(p.get(f), str) and str(p.get(f)).startswith("/")}
    app_dir = model.runtime.get("legacy_app_dir")
    if isinstance(app_dir, str) and app_dir.startswith("/"):
        found.add(app_dir.rstrip("/"))
    return sorted((d for d in found if d.count("/") > 1), key=len, reverse=True)


SQLITE_NOTE = ("SQLite allows one writer: with one replica a ReadWriteOnce claim is enough; more replicas need "
               "ReadWriteMany storage with working file locks, or a server database")


def _volume_dir(v: Subject) -> str:
    """The directory to mount: a SQLite volume names the database file, every other one a directory."""
    path = str(v.get("path") or v.key).rstrip("/") or "/"
    if v.get("purpose") == "sqlite":
        # the journal goes beside the file: the whole directory must be writable
        path = path.rsplit("/", 1)[0] if "/" in path else ""
        path = path or ("/" if str(v.get("path") or v.key).startswith("/") else ".")
    return path


def _unused(v: Subject, model: AppModel, redirected: set[str]) -> bool:
    """A volume the deployment never writes: a SQLite fallback where the env var is set (DATABASE_URL
    is a Secret key), or log files redirected to stdout."""
    unless = v.get("unless_env")
    if unless and any(e.key == unless and (e.get("secret") or e.get("required") or e.get("default") is not None)
                      for e in model.env):
        return True
    return bool(v.get("stdout_env")) and str(v.get("stdout_env")) in redirected


def volume_specs(model: AppModel, app: str, redirected: set[str] | None = None) -> tuple[VolumeSpec, ...]:
    """One volume per directory the app writes (or serves uploads from): a PersistentVolumeClaim for
    data that must outlive the pod, an emptyDir for logs and scratch; the first source per mount path
    wins, and a claim wins over an emptyDir at the same path. A file the legacy hosts linked into every
    release (``storage = "secret"``) is a key of the files Secret, mounted at its place."""
    workdirs = legacy_dirs(model)
    out: dict[str, VolumeSpec] = {}
    for v in model.of(Kind.VOLUME):
        if _unused(v, model, redirected or set()):
            continue
        legacy = _volume_dir(v)
        mount = _mount_path(legacy, workdirs)
        if not _mountable(mount):
            continue  # reported by notes()
        purpose = str(v.get("purpose") or "")
        if v.get("storage") == "secret":
            _secret_file(out, app, v, legacy, mount)
            continue
        storage = "emptyDir" if v.get("storage") == "emptyDir" else "pvc"
        sqlite = purpose == "sqlite"
        same = next((o for o in out.values() if o.mount_path == mount), None)
        if same is not None and not (same.storage == "emptyDir" and storage == "pvc"):
            continue
        if same is not None:
            del out[same.name]
        label = slug(purpose or legacy.rsplit("/", 1)[-1], "data")
        name = f"{app}-{label}"
        for n in range(2, 100):
            if name not in out:
                break
            name = f"{app}-{label}-{n}"
        # the note says why: SQLite's one writer, or what writes an emptyDir (a claim's origin says it)
        why = SQLITE_NOTE if sqlite else str(v.get("written_by") or "") if storage == "emptyDir" else ""
        out[name] = VolumeSpec(name, mount, legacy if legacy != "." else "", origin(v, "path") or "", storage,
                               "ReadWriteOnce" if sqlite else "ReadWriteMany", purpose, why)
    return tuple(out.values())


def _secret_file(out: dict[str, VolumeSpec], app: str, v: Subject, legacy: str, mount: str) -> None:
    """A linked file as a key of the files Secret: the key is the file's name (its path, dashed, when two
    files share a name), the volume is named after the key."""
    if any(o.mount_path == mount for o in out.values()):
        return
    keys = {o.key for o in out.values() if o.storage == "secret"}
    key = re.sub(r"[^-._a-zA-Z0-9]", "-", posixpath.basename(mount)) or "file"
    if key in keys:
        key = re.sub(r"[^-._a-zA-Z0-9]", "-", mount.removeprefix(APP_DIR + "/"))
    name = f"{app}-file-{slug(key, 'file')}"
    out[name] = VolumeSpec(name, mount, legacy, origin(v, "path") or "", "secret", "ReadOnlyMany",
                           str(v.get("purpose") or "linked_file"), str(v.get("note") or ""), key)


def _mount_path(legacy: str, workdirs: list[str]) -> str:
    """Where a legacy path lives in the container: under /app when it was under the legacy app dir."""
    legacy = legacy.rstrip("/") or "/"
    for wd in workdirs:
        if legacy == wd or legacy.startswith(wd + "/"):
            return APP_DIR + legacy[len(wd):]
    if not legacy.startswith("/"):
        rel = legacy.removeprefix("./").strip("/")
        return f"{APP_DIR}/{rel}" if rel and rel != "." else APP_DIR
    return legacy


def ingress_spec(model: AppModel) -> IngressSpec | None:
    hosts = [i for i in model.of(Kind.INGRESS) if re.fullmatch(r"[a-z0-9*]([a-z0-9.-]*[a-z0-9])?", str(i.key))]
    if not hosts:
        return None
    body = next((i for i in hosts if i.get("max_body_size")), None)
    return IngressSpec(
        hosts=tuple((str(i.key), origin(i, "host") or "") for i in hosts),
        max_body_size=Value(str(body.get("max_body_size")), origin(body, "max_body_size") or "") if body else None,
        tls=any(bool(i.get("tls")) for i in hosts),
    )


def packages(model: AppModel, stage: str, base: BaseImage | None = None) -> tuple[tuple[str, str], ...]:
    """(package, why) for one stage, named as ``base``'s Debian release names them.

    A package claimed only for some Pythons (``compiles_on``: no wheel there) is kept only when the
    image's Python is one of them; a source that claims it without ``compiles_on`` needs it always.
    """
    release = release_of(base)[0] if base else None
    python = base.version if base else None
    out: dict[str, str] = {}
    for p in model.of(Kind.SYSTEM_PACKAGE):
        if p.get("stage", "runtime") != stage or not re.fullmatch(r"[a-z0-9][a-z0-9+.-]*", p.key):
            continue
        if _provided(p, base):  # the legacy host installed the runtime itself: the base image is that runtime
            continue
        if not _needed(p, python):
            continue
        name = for_release(p.key, release) if release else p.key
        why = origin(p, "stage") or ""
        if name != p.key:
            why += f"; {release} calls {p.key} {name}"
        out.setdefault(name, why)
    return tuple(out.items())


# Debian packages of a runtime that its own base image already is (a NodeSource or Debian nodejs installed
# on the legacy host): installing them again would put a second node beside the image's. Python's are left
# out by the install-line reader already (analyzers.lib.debian_names).
IMAGE_PROVIDES: dict[str, frozenset[str]] = {
    "node": frozenset({"nodejs", "npm", "yarnpkg", "node-gyp", "corepack", "libnode-dev", "nodejs-dev"}),
    # Debian's ruby, its versioned packages (ruby3.1, ruby2.7-dev) and Bundler; rbenv and ruby-build build
    # a ruby on the host: the ruby image is one (its headers included, for native gems)
    "ruby": frozenset({"ruby", "ruby-full", "ruby-dev", "rubygems", "rubygems-integration", "ruby-bundler", "bundler",
                       "rbenv", "ruby-build", "rake"}
                      | {f"ruby{v}{dev}" for v in ("1.9.1", "2.0", "2.1", "2.2", "2.3", "2.5", "2.7", "3.0", "3.1",
                                                   "3.2", "3.3", "3.4") for dev in ("", "-dev")}),
}


# Debian's PHP packages (php7.4-gd, php-mysql, php8.1-fpm, libapache2-mod-php7.4) and Composer: the php image
# is PHP with Apache and mod_php; an extension they stand for is a PHP extension finding of its own
_DEBIAN_PHP = re.compile(r"^(php[0-9.]*(-.+)?|libapache2-mod-php[0-9.]*|composer|php-fpm|php-pear|pecl)$")


def _provided(p: Subject, base: BaseImage | None) -> bool:
    """Whether ``p`` is no Debian package to install: a PHP extension (``ext-gd``: the image compiles those),
    or a package of the runtime the base image already is."""
    if p.get("php_extension") or p.key.startswith("ext-"):
        return True
    if base is None:
        return False
    return p.key in IMAGE_PROVIDES.get(base.language, frozenset()) or (
        base.language == "php" and bool(_DEBIAN_PHP.match(p.key)))


def php_extensions(model: AppModel) -> tuple[tuple[str, str], ...]:
    """(extension, why) of every system package finding that names a PHP extension, its reason and where."""
    out: dict[str, str] = {}
    for p in model.of(Kind.SYSTEM_PACKAGE):
        name = p.get("php_extension")
        if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", name.lower()):
            continue
        reason = str(p.get("reason") or "")
        where = ", ".join(dict.fromkeys(s.where() for s in p.sources))
        out.setdefault(name.lower(), f"{reason} ({where})" if reason else where)
    return tuple(sorted(out.items()))


def _needed(p: Subject, python: str | None) -> bool:
    only = p.facts.get("compiles_on")
    if only is None or python is None:
        return True
    conditional = {c.source for c in only.candidates}
    if any(c.source not in conditional for c in p.facts["stage"].candidates):
        return True  # some source needs it on every Python
    return any(isinstance(c.value, tuple) and python in c.value for c in only.candidates)


def package_notes(model: AppModel, base: BaseImage) -> tuple[str, ...]:
    """What MIGRATION.md says about system package names: mapped from another distribution, renamed for
    the image's Debian release, or not checkable (a non-Debian base image)."""
    release, why = release_of(base)
    out: list[str] = []
    subjects = [p for p in model.of(Kind.SYSTEM_PACKAGE) if _needed(p, base.version) and not _provided(p, base)]
    out += [f"System package `{p.key}` ({', '.join(s.where() for s in p.sources)}) is left out: the {base.image} "
            f"image is that runtime already" for p in model.of(Kind.SYSTEM_PACKAGE)
            if _provided(p, base) and not (p.get("php_extension") or p.key.startswith("ext-"))]
    if subjects and release is None:
        out.append(f"System packages ({', '.join(p.key for p in subjects)}) are installed with apt, but {why}")
    for p in subjects:
        legacy, note = p.get("legacy_name"), p.get("note")
        if legacy and note:
            out.append(f"System package `{legacy}` ({origin(p, 'legacy_name')}): {note}; installed as `{p.key}`")
    return tuple(out)


CRON = re.compile(r"\S+( \S+){4}")
_RESERVED_MOUNTS = ("/", APP_DIR, "/tmp", "/opt/venv", "/usr", "/etc", "/bin", "/lib", "/proc", "/dev", "/sys")  # noqa: S108


def _mountable(path: str) -> bool:
    return not any(path == r or (r not in ("/", APP_DIR) and path.startswith(r + "/")) for r in _RESERVED_MOUNTS)


def notes(model: AppModel) -> tuple[str, ...]:
    notes = []
    for s in model.of(Kind.SCHEDULE):
        if s.get("command") and not CRON.fullmatch(str(s.get("schedule") or "")):
            notes.append(f"schedule {s.key!r} ({origin(s, 'schedule') or origin(s, 'command')}) has no 5-field "
                         "cron expression: no CronJob was generated")
    for v in model.of(Kind.VOLUME):
        path = str(v.get("path") or v.key)
        if _unused(v, model, set()) or _mountable(_mount_path(_volume_dir(v), legacy_dirs(model))):
            continue
        if v.get("purpose") == "sqlite":
            notes.append(f"SQLite database {path!r} ({origin(v, 'path')}) is in the app directory, read-only in "
                         "the pod: SQLite writes its journal beside the file. Move it to a directory of its own "
                         "(e.g. BASE_DIR / \"var\" / \"db.sqlite3\"; a volume is mounted there), or use a server "
                         "database")
        else:
            notes.append(f"volume {path!r} ({origin(v, 'path')}) would hide the app or the system: not mounted")
    return tuple(notes)


_DEP_FILE = re.compile(r"^(requirements[^/]*\.txt|constraints[^/]*\.txt|requirements/[^/]+\.(txt|in)|Pipfile|"
                       r"Pipfile\.lock|pyproject\.toml|poetry\.lock|uv\.lock|pdm\.lock|setup\.py|setup\.cfg)$")


def dependency_files(model: AppModel) -> tuple[str, ...]:
    req = model.runtime.get("requirements_file")
    found = {f for f in model.files_read if _DEP_FILE.match(f)}
    if isinstance(req, str) and req and not req.startswith(("/", "../")):
        found.add(req)  # wherever it lives: it is the one pip installs
    return tuple(sorted(found))
