"""What Capistrano's variables say about the app in Kubernetes: where it lived (``:deploy_to`` ->
``legacy_app_dir``), the files and directories shared between releases (``:linked_files`` -> secrets,
env vars or Secret-mounted files; ``:linked_dirs`` -> emptyDirs for logs and scratch, claims for data),
``:keep_releases`` (-> revisionHistoryLimit), ``:default_env`` and ``:rails_env`` (env vars), hosts per role
(replicas hints), and the hard-coded secrets among the literals (``:ssh_options`` passwords and keys).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterator
from typing import Any

from analyzers import base
from analyzers.base import DEF, H, I, Item, Src
from analyzers.deploy import dotenv
from analyzers.deploy.capistrano.model import NAME, Server
from analyzers.deploy.capistrano.values import Op, Opaque, Vars, known, render
from analyzers.lib import rb
from migrator.repo import RepoView
from migrator.secrets import is_secret_name

_MASTER_KEYS = re.compile(r"^config/(master\.key|credentials/[\w.-]+\.key)$")
_IGNORED_DIRS = {"vendor/bundle": "the image carries the installed gems",
                 "bundle": "the image carries the installed gems",
                 ".bundle": "the image carries bundler's settings",
                 "node_modules": "the image carries the node modules",
                 "public/assets": "the image carries the compiled assets",
                 "public/packs": "the image carries the compiled assets",
                 "public/packs-test": "the image carries the compiled assets",
                 "tmp/cache/assets": "the image carries the compiled assets"}
_SCRATCH = re.compile(r"^tmp(/|$)")
_LOGS = re.compile(r"(^|/)(log|logs)(/|$)")  # log/, Symfony's var/log
_UPLOADS = re.compile(r"(^|/)(system|uploads?|files|attachments|images|media)$")


def _src(op: Op | None, fallback: Src, line: tuple[str, int] | None = None) -> Src:
    if line is not None:
        return Src(NAME, line[0], line[1])
    return Src(NAME, op.file, op.line) if op is not None else fallback


def app_dir(v: Vars, fallback: Src) -> Iterator[Item]:
    op = v.where("deploy_to")
    root = known(v.get("deploy_to"))
    if root is None and op is None and known(v.get("application")):
        yield base.runtime(_src(v.where("application"), fallback), DEF,
                           legacy_app_dir=v.path("current_path"))
    elif root is not None and root.startswith("/"):
        yield base.runtime(_src(op, fallback), base.D, legacy_app_dir=posixpath.join(root.rstrip("/"), "current"))
    keep = v.get("keep_releases")
    if isinstance(keep, int) and not isinstance(keep, bool) and keep > 0:
        yield base.runtime(_src(v.where("keep_releases"), fallback), base.D, keep_releases=keep)


def _entries(v: Vars, fallback: Src, key: str,
             only: Callable[[str], bool] | None) -> Iterator[tuple[Any, str | None, Src]]:
    """(value, its path relative to the app dir or None, where it was set) for each item of ``key``."""
    lines = v.literal_lines(key)
    op = v.where(key)
    for value in _items(v.get(key)):
        if only is None or only(render(value)):
            yield value, _relative(value, v), _src(op, fallback, lines.get(render(value)))


def linked_files(repo: RepoView, v: Vars, fallback: Src, key: str = "linked_files",
                 only: Callable[[str], bool] | None = None) -> Iterator[Item]:
    """``key``'s files (Mina: ``shared_files``): secrets, env var names, or files mounted from a Secret."""
    for value, path, src in _entries(v, fallback, key, only):
        if path is None:
            yield base.warning(src, f"linked file {render(value)!r} is not known before the deploy runs; not mapped")
        else:
            yield from linked_file(repo, path, src, key, v.path("shared_path"))


def linked_file(repo: RepoView, path: str, src: Src, key: str, shared_path: str) -> Iterator[Item]:
    """One file the hosts keep between releases (``path`` relative to the app dir), as the cluster gets it:
    a Rails master key as its env var, a ``.env`` as the env vars its template names, else a file mounted
    from a Secret. Shared with Deployer's ``shared_files``."""
    if _MASTER_KEYS.match(path):
        yield base.env_var("RAILS_MASTER_KEY", src, base.D, secret=True, required=True,
                           description=f"the hosts' shared {path} ({key}): Rails decrypts its "
                                       "credentials with it")
    elif posixpath.basename(path).startswith(".env"):
        yield from _dotenv(repo, path, src, key)
    elif path in (".rbenv-vars", ".ruby-env"):
        yield base.warning(src, f"shared file {path}: rbenv-vars sets env vars on the hosts that no file of the "
                                "repo lists; provide them in the ConfigMap or Secret")
    else:
        yield base.volume(path, src, base.D, purpose="linked_file", storage="secret", relative_to="repo",
                          linked_from=posixpath.join(shared_path, path))


def _dotenv(repo: RepoView, path: str, src: Src, key: str) -> Iterator[Item]:
    """A linked ``.env``: the hosts' copy holds values the repo never sees; its template lists the names."""
    folder, name = posixpath.dirname(path), posixpath.basename(path)
    templates = [f for f in repo.files() if posixpath.dirname(f) == folder
                 and dotenv.file_kind(posixpath.basename(f)) == "template"]
    names = [f for f in templates if posixpath.basename(f).startswith(name + ".")] or templates
    listed: list[str] = []
    for rel in names:
        text = repo.read_text(rel)
        entries, _ = dotenv.parse(text or "")
        listed += [e.name for e in entries if e.name not in listed]
        for entry in entries:
            yield base.env_var(entry.name, src, I, secret=True if is_secret_name(entry.name) else None,
                               description=f"the hosts' shared {path} ({key}); named in {rel}")
    if not listed:
        yield base.warning(src, f"linked file {path}: the hosts' shared copy sets env vars no file of the repo "
                                "lists (no .env.example); provide them as a Secret")


def linked_dirs(v: Vars, fallback: Src, key: str = "linked_dirs",
                only: Callable[[str], bool] | None = None) -> Iterator[Item]:
    """``key``'s directories (Mina: ``shared_dirs``): emptyDirs for logs and scratch, claims for data."""
    for value, path, src in _entries(v, fallback, key, only):
        if path is None:
            yield base.warning(src, f"linked dir {render(value)!r} is not known before the deploy runs; not mapped")
            continue
        found = linked_dir(path, src, key, v.path("shared_path"))
        if found is not None:
            yield found


def linked_dir(path: str, src: Src, key: str, shared_path: str) -> Item | None:
    """One directory the hosts keep between releases (``path`` relative to the app dir): an emptyDir for
    logs and scratch, a claim for data, None for what the image carries. Shared with Deployer's
    ``shared_dirs``."""
    path = path.rstrip("/")
    if path in _IGNORED_DIRS:
        return None
    shared = posixpath.join(shared_path, path)
    if _LOGS.search(path):
        return base.volume(path, src, base.D, purpose="logs", storage="emptyDir", relative_to="repo",
                           linked_from=shared, written_by=f"{key}: log files shared between releases")
    if _SCRATCH.match(path):
        return base.volume(path, src, base.D, purpose="scratch", storage="emptyDir", relative_to="repo",
                           linked_from=shared, written_by=f"{key}: pids, sockets and caches shared between releases")
    purpose = "uploads" if _UPLOADS.search(path) else "storage"
    return base.volume(path, src, base.D, purpose=purpose, relative_to="repo", linked_from=shared,
                       note="shared between releases on the hosts: data that outlives a release")


def default_env(v: Vars, fallback: Src) -> Iterator[Item]:
    env = v.get("default_env")
    op = v.where("default_env")
    if not isinstance(env, dict):
        return
    src = _src(op, fallback)
    for name, value in env.items():
        if name.upper() == "PATH":
            yield base.warning(src, "default_env sets PATH (rbenv/rvm shims on the hosts): a host detail the "
                                    "image does not need; dropped")
            continue
        text = value if isinstance(value, (str, int, float)) and not isinstance(value, bool) else None
        literal = known(str(text)) if text is not None else None
        yield base.env_var(name.upper() if name.islower() else name, src, base.D, default=literal,
                           description="Capistrano default_env")


def rails_env(v: Vars, rails: bool, fallback: Src) -> Iterator[Item]:
    value = known(v.get("rails_env"))
    if value is not None:
        yield base.env_var("RAILS_ENV", _src(v.where("rails_env"), fallback), base.D, default=value,
                           description="Capistrano :rails_env")
    elif rails and known(v.get("stage")):
        yield base.env_var("RAILS_ENV", fallback, I, default=known(v.get("stage")),
                           description="capistrano-rails: rails_env defaults to the stage")


def hosts(servers: list[Server], roles: tuple[str, ...]) -> list[Server]:
    """The servers that have any of ``roles`` (``all``: every server), one per host."""
    out: dict[str, Server] = {}
    for s in servers:
        if "all" in roles or set(s.roles) & set(roles):
            out.setdefault(s.host, s)
    return list(out.values())


def primary(servers: list[Server], role: str) -> Server | None:
    of_role = hosts(servers, (role,))
    return next((s for s in of_role if s.primary), of_role[0] if of_role else None)


def replicas_hint(key: str, servers: list[Server], roles: tuple[str, ...], per_host: int = 1,
                  **fields: Any) -> Iterator[Item]:
    found = hosts(servers, roles)
    if not found:
        return
    count = len(found) * per_host
    where = f"{len(found)} host{'s' if len(found) != 1 else ''} in role{'s' if len(roles) > 1 else ''} " + \
        ", ".join(roles) + (f" x {per_host} processes each" if per_host > 1 else "")
    first = found[0]
    yield base.process(key, Src(NAME, first.file, first.line), H, replicas=count, replicas_hint_from=where, **fields)


def secrets(ops: list[Op], repo: RepoView, secret_values: set[str]) -> Iterator[Item]:
    """Hard-coded secrets among the literal settings (``set :slack_webhook_url, "https://..."``,
    ``ssh_options: {password: "..."}``) and committed key files named by ``ssh_options[:keys]``."""
    for op in ops:
        for arg in op.args:
            yield from _literal_secrets(op, op.key, arg, repo, secret_values)


def _literal_secrets(op: Op, name: str, node: Any, repo: RepoView, found: set[str]) -> Iterator[Item]:
    for sub in rb.walk(node):
        if sub.type == "pair":
            key_node, value_node = sub.child_by_field_name("key"), sub.child_by_field_name("value")
            if key_node is None or value_node is None:
                continue
            key = op.rf.text(key_node) if key_node.type == "hash_key_symbol" else rb.text_of(op.rf.value(key_node))
            value = op.rf.value(value_node)
            if key in ("keys", "key_filename", "keys_only") or (key or "").endswith("key_file"):
                for path in rb.texts(value):
                    if repo.exists(path.removeprefix("./")):
                        yield base.hardcoded_secret(Src(NAME, op.file, op.rf.line(value_node)),
                                                    f"{name}[:{key}]", "private_key")
            elif key and isinstance(value, str):
                yield from _check(Src(NAME, op.file, op.rf.line(value_node)), f"{name}[:{key}]", key, value, found)
    if node.type in ("string", "bare_string"):
        value = op.rf.value(node)
        if isinstance(value, str):
            yield from _check(Src(NAME, op.file, op.rf.line(node)), name, name, value, found)


def _check(src: Src, label: str, name: str, value: str, found: set[str]) -> Iterator[Item]:
    secret = base.check_assignment(src, name, value)
    if secret is not None:
        found.add(value)
        yield base.hardcoded_secret(src, label, secret.kind)


def _items(value: Any) -> list[Any]:
    if isinstance(value, list):
        return [i for v in value for i in _items(v)]
    return [] if value is None else [value]


def _relative(value: Any, v: Vars) -> str | None:
    """A linked path as the release sees it (``config/database.yml``), or None when not known."""
    if isinstance(value, Opaque):
        return None
    text = render(value)
    if not text or "${" in text:
        return None
    for root in (v.path("release_path"), v.path("shared_path")):
        if text.startswith(root + "/"):
            text = text[len(root) + 1:]
    text = text.removeprefix("./")
    return None if text.startswith(("/", "../")) else text
