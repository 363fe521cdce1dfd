"""The paths a Rails app writes at run time (a pod's root filesystem is read-only) and the production
settings that decide them, read from ``config/environments/production.rb``, ``config/storage.yml`` and the
Gemfile:

- ``tmp/`` (``tmp/cache``, ``tmp/pids/server.pid``, bootsnap's cache, ``tmp/sockets``): an ``emptyDir``;
- ``log/``: Rails writes ``log/production.log`` unless it logs to stdout. ``config.logger =
  ActiveSupport::Logger.new(STDOUT)`` outside any condition: nothing to mount. Behind ``if
  ENV["RAILS_LOG_TO_STDOUT"].present?`` (Rails 5 to 7.0): the ConfigMap sets ``RAILS_LOG_TO_STDOUT`` (INFERRED,
  the value the code compares with, else ``true``) and the ``log/`` ``emptyDir`` is only a fallback
  (``unless_env``). Neither: an ``emptyDir`` and a warning;
- static files: ``config.public_file_server.enabled = ENV["RAILS_SERVE_STATIC_FILES"].present?`` (Rails 5+),
  ``config.serve_static_files``/``serve_static_assets`` (Rails 4): the ConfigMap sets the variable to ``true``
  (nginx served ``public/`` on the old host; in the pod Rails does, unless a CDN or sidecar is added); a
  literal ``false`` is a warning;
- Active Storage's ``Disk`` service (the service ``config.active_storage.service`` names in production,
  with its ``root: <%= Rails.root.join("storage") %>``): a PersistentVolumeClaim; CarrierWave's
  ``public/uploads`` and Paperclip's ``public/system`` (file storage, the gems' defaults): claims too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from analyzers import base
from analyzers.base import H, I, Item, Src
from analyzers.lib.rb import RubyFile
from analyzers.providers.ruby.app_rb import bundle, key_line, load_erb_yaml, read_ruby
from migrator.repo import RepoView

PRODUCTION = "config/environments/production.rb"
_STDOUT = re.compile(r"\b(STDOUT|\$stdout)\b")
_LOG_ENV = "RAILS_LOG_TO_STDOUT"
_STATIC_ENV = "RAILS_SERVE_STATIC_FILES"
_STATIC_SETTINGS = ("config.public_file_server.enabled", "config.serve_static_files", "config.serve_static_assets")
_COMPARED = re.compile(r"""ENV\[["'](\w+)["']\]\s*==\s*["']([^"']+)["']""")
_ROOT_JOIN = re.compile(r"""Rails\.root\.join\(\s*["']([^"']+)["']\s*\)|Rails\.root\}?/?([A-Za-z0-9_./-]*)""")
_MAX_CLIMB = 64


def writable(repo: RepoView, analyzer: str) -> Iterator[Item]:
    if not repo.exists("config/application.rb"):
        yield from _uploads(repo, analyzer)
        return
    app = Src(analyzer, "config/application.rb", 1)
    yield base.volume("tmp", app, I, purpose="temp", storage="emptyDir", relative_to="repo", written="tmp/cache",
                      written_by="Rails (tmp/cache, tmp/pids/server.pid, bootsnap)")
    parsed, warnings = read_ruby(repo, PRODUCTION, analyzer, PRODUCTION) if repo.exists(PRODUCTION) else (None, [])
    yield from warnings
    src = Src(analyzer, PRODUCTION, 1)
    if parsed is None:
        yield _log_volume(app, None)
        yield base.warning(app, f"no {PRODUCTION}: Rails logs to log/production.log; in a container set "
                                "config.logger to STDOUT")
    else:
        yield from _logs(parsed, src)
        yield from _static(parsed, src)
        yield from _storage(repo, parsed, src)
    yield from _uploads(repo, analyzer)


def _assignments(parsed: RubyFile, names: tuple[str, ...]) -> Iterator[tuple[Any, str, str]]:
    """(node, left text, right text) of each ``config.x = ...`` whose left side is one of ``names``."""
    stack = [parsed.root]
    while stack:
        node = stack.pop()
        if node.type == "assignment":
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left is not None and right is not None and parsed.text(left) in names:
                yield node, parsed.text(left), parsed.text(right)
        stack.extend(reversed(node.children))


def _condition(parsed: RubyFile, node: Any) -> str | None:
    """The text of the nearest ``if``/``unless`` condition around ``node`` (None when unconditional)."""
    for _ in range(_MAX_CLIMB):
        node = node.parent
        if node is None:
            return None
        if node.type in ("if", "unless", "if_modifier", "unless_modifier", "conditional"):
            cond = node.child_by_field_name("condition")
            return parsed.text(cond) if cond is not None else ""
    return None


def _log_volume(src: Src, unless: str | None) -> Item:
    return base.volume("log", src, I, purpose="logs", storage="emptyDir", relative_to="repo",
                       written="log/production.log", written_by="the Rails logger", unless_env=unless)


def _logs(parsed: RubyFile, src: Src) -> Iterator[Item]:
    loggers = [(n, r) for n, _, r in _assignments(parsed, ("config.logger",)) if _STDOUT.search(r)]
    if any(_condition(parsed, n) is None for n, _ in loggers):
        return  # logs to stdout whatever the environment says
    read = next((ref for ref in parsed.env_reads() if ref.name == _LOG_ENV), None)
    if read is None:
        yield _log_volume(src.at(loggers[0][0].start_point[0] + 1) if loggers else src, None)
        yield base.warning(src, "Rails logs to log/production.log: in a container logs belong on stdout "
                                "(config.logger = ActiveSupport::Logger.new(STDOUT)); an emptyDir holds them meanwhile")
        return
    at = src.at(read.line)
    value = _compared_with(parsed, _LOG_ENV) or "true"
    yield base.env_var(_LOG_ENV, at, I, default=value, description="Rails logs to stdout when it is set")
    yield _log_volume(at, _LOG_ENV)


def _compared_with(parsed: RubyFile, name: str) -> str | None:
    for m in _COMPARED.finditer(parsed.data.decode("utf-8", "replace")):
        if m.group(1) == name:
            return m.group(2)
    return None


def _static(parsed: RubyFile, src: Src) -> Iterator[Item]:
    for node, left, right in _assignments(parsed, _STATIC_SETTINGS):
        at = src.at(parsed.line(node))
        if _STATIC_ENV in right:
            value = _compared_with(parsed, _STATIC_ENV) or "true"
            yield base.env_var(_STATIC_ENV, at, I, default=value,
                               description="Rails serves public/ (assets) itself: nginx did on the old host")
        elif right.strip() == "false":
            yield base.warning(at, f"{left} = false: Rails does not serve public/ (nginx did on the old host); in "
                                   "the pod set it true (or put assets behind a CDN or an nginx sidecar)")
        return


def _storage(repo: RepoView, parsed: RubyFile, src: Src) -> Iterator[Item]:
    chosen = next(((n, r) for n, _, r in _assignments(parsed, ("config.active_storage.service",))), None)
    if chosen is None or not repo.exists("config/storage.yml"):
        return
    service = chosen[1].strip().lstrip(":").strip("'\"")
    loaded = load_erb_yaml(repo.read_text("config/storage.yml") or "")
    entry = loaded.data.get(service) if isinstance(loaded.data, dict) else None
    if not isinstance(entry, dict) or str(entry.get("service")) != "Disk":
        return
    root = entry.get("root")
    codes = loaded.erb_codes(root)
    path = None
    if codes:
        m = _ROOT_JOIN.search(codes[0])
        path = (m.group(1) or m.group(2)) if m else None
    elif isinstance(root, str):
        path = root
    line = key_line(entry, "root") or key_line(loaded.data, service)
    at = Src(src.analyzer, "config/storage.yml", line)
    if not path:
        yield base.warning(at, f"Active Storage service {service} (Disk) stores files at a root that is not a "
                               "literal path: mount a PersistentVolumeClaim there")
        return
    yield base.volume(path.rstrip("/"), at, I, purpose="uploads", relative_to=None if path.startswith("/") else "repo",
                      written_by=f"Active Storage Disk service {service} ({PRODUCTION}:{parsed.line(chosen[0])})")


_UPLOAD_GEMS = {"carrierwave": "public/uploads", "paperclip": "public/system", "kt-paperclip": "public/system"}
_REMOTE = re.compile(r"storage\s*:?\s*(=\s*)?:?(fog|aws|s3|gcloud|azure)|storage:\s*:s3|fog_credentials")


def _uploads(repo: RepoView, analyzer: str) -> Iterator[Item]:
    found = bundle(repo)
    if found is None:
        return
    for gem, path in _UPLOAD_GEMS.items():
        where = found.where(gem) if found.has(gem) else None
        if where is None:
            continue
        remote = [rel for rel in repo.files() if rel.startswith(("app/uploaders/", "config/initializers/",
                                                                  "app/models/", "config/environments/production"))
                  and rel.endswith(".rb") and _REMOTE.search(repo.read_text(rel) or "")]
        if remote:
            yield base.warning(Src(analyzer, remote[0]), f"{gem} stores files remotely ({remote[0]}): no volume")
            continue
        yield base.volume(path, Src(analyzer, *where), H, purpose="uploads", relative_to="repo",
                          written_by=f"{gem} file storage (its default directory)")

