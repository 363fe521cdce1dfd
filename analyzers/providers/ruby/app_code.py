"""Read the Ruby app's own code and config (through tree-sitter and YAML, never run): env vars, secrets,
Rails credentials, backing services, health routes and the paths Rails writes. The Ruby counterpart of
:mod:`analyzers.providers.python.python_code` and :mod:`analyzers.providers.node.app_code`, emitting the
same kinds and field names.

- env: every ``ENV["X"]``, ``ENV.fetch("X", d)``, ``ENV.fetch("X") { d }``, ``ENV["X"] || d``,
  ``ENV.key?("X")`` of the app's Ruby (``app/``, ``config/``, ``lib/``, ``config.ru``, root files such as a
  Sinatra ``app.rb``; :func:`.app_rb.app_sources`) and of the ERB in ``config/**/*.yml``
  (``database.yml``, ``secrets.yml``, ``cable.yml``, ``storage.yml``, ``sidekiq.yml`` ...). The read is
  DECLARED (``required`` when ``ENV.fetch`` has no default), its literal default HEURISTIC; a default that
  is a real secret is reported by file and line, never copied. Secret names are classified by the shared
  rules (:func:`analyzers.base.env_var`); a variable read for a database ``url``/``password`` is secret.
- Rails credentials: ``config/credentials.yml.enc`` (or ``config/credentials/production.yml.enc``) needs
  ``RAILS_MASTER_KEY`` (a required secret, cited at the file); a committed ``config/master.key`` is a
  SecretFinding (location only). ``SECRET_KEY_BASE``: a secret Rails reads in production (required
  unless credentials hold it).
- literal secrets in ``secrets.yml`` / ``database.yml`` (``password: hunter2``): SecretFindings.
- services: ``database.yml`` adapters (the production section), ``cable.yml``'s redis adapter and gems
  (:data:`SERVICES`); SQLite is a volume where the database file is (unless ``DATABASE_URL`` is set).
- health routes (:mod:`.app_routes`), the paths Rails writes (:mod:`.app_writes`) and those the app's code
  writes (:mod:`.app_code_writes`).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Mapping
from dataclasses import replace

from analyzers import base
from analyzers.base import D, I, Item, Src
from analyzers.lib import rb
from analyzers.lib.rb import Unavailable
from analyzers.providers.ruby import app_code_writes, app_routes, app_server_config, app_writes
from analyzers.providers.ruby.app_rb import ErbYaml, app_sources, bundle, key_line, load_erb_yaml, read_ruby
from migrator.model import Finding, Kind, SecretFinding, Warning
from migrator.repo import RepoView

NAME = "ruby_code"

# Gemfile gems that need a backing service (the driver, the queue library, the client)
SERVICES: Mapping[str, str] = {
    "pg": "postgres", "activerecord-postgis-adapter": "postgres",
    "mysql2": "mysql", "trilogy": "mysql", "activerecord-trilogy-adapter": "mysql",
    "redis": "redis", "hiredis": "redis", "redis-rails": "redis", "redis-store": "redis", "kredis": "redis",
    "sidekiq": "redis", "resque": "redis", "redis-namespace": "redis",
    "dalli": "memcached",
    "elasticsearch": "elasticsearch", "elasticsearch-model": "elasticsearch", "searchkick": "elasticsearch",
    "chewy": "elasticsearch",
    "mongoid": "mongodb", "mongo": "mongodb",
    "bunny": "rabbitmq", "sneakers": "rabbitmq", "hutch": "rabbitmq",
}
ADAPTERS: Mapping[str, str] = {"postgresql": "postgres", "postgis": "postgres", "mysql2": "mysql",
                               "mysql": "mysql", "trilogy": "mysql", "sqlite3": "sqlite"}
_TRIGGER = ("ENV", "secret_key_base")
_SECRET_KEYS = re.compile(r"(^|_)(url|password|passwd|secret|secret_key_base|token|key)$", re.IGNORECASE)
_CREDENTIALS = ("config/credentials.yml.enc", "config/credentials/production.yml.enc", "config/secrets.yml.enc")
_MASTER_KEYS = ("config/master.key", "config/credentials/production.key")
_PRODUCTION = ("production", "prod")


def analyze(repo: RepoView) -> Iterator[Item]:
    try:
        yield from _code_env(repo)
        yield from app_routes.health(repo, NAME)
        yield from app_writes.writable(repo, NAME)
        yield from app_code_writes.code_writes(repo, NAME, rails=repo.exists("config/application.rb"))
    except Unavailable as exc:
        yield base.warning(Src(NAME, "Gemfile"), f"the Ruby grammar is not installed ({exc}); the Ruby code was "
                                                 "not read")
        return
    yamls = {rel: _yaml(repo, rel) for rel in repo.files() if rel.startswith("config/")
             and rel.endswith((".yml", ".yaml")) and not rel.startswith("config/locales/")}
    for rel, loaded in yamls.items():
        if isinstance(loaded, Warning):
            yield loaded
        elif loaded is not None:
            yield from _yaml_env(repo, rel, loaded)
    yield from _credentials(repo)
    yield from _services(repo, {r: y for r, y in yamls.items() if isinstance(y, ErbYaml)})


def _code_env(repo: RepoView) -> Iterator[Item]:
    seen: set[tuple[str, int]] = set()
    for rel in app_sources(repo):
        if app_server_config.owns(rel):
            continue  # config/puma.rb and unicorn.rb: ruby_server_config reads their env
        text = repo.read_text(rel)
        if not text or not any(t in text for t in _TRIGGER):
            continue
        parsed, warnings = read_ruby(repo, rel, NAME, "Ruby file")
        yield from warnings
        if parsed is None:
            continue
        lines = text.splitlines()
        for ref in parsed.env_reads():
            if _sets_itself(lines, ref.name, ref.line):
                continue  # ENV["BUNDLE_GEMFILE"] ||= ...: the app sets its own default, nothing to provide
            if (ref.name, ref.line) not in seen:
                seen.add((ref.name, ref.line))
                yield from _fallback(app_server_config.env_findings(ref, Src(NAME, rel, ref.line)))


def _sets_itself(lines: list[str], name: str, line: int) -> bool:
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    return re.search(r"ENV\[\s*[\"']" + re.escape(name) + r"[\"']\s*\]\s*\|\|=", text) is not None


def _fallback(items: Iterator[Item]) -> Iterator[Item]:
    for item in items:
        yield replace(item, fallback=True) if isinstance(item, SecretFinding) else item


def _yaml(repo: RepoView, rel: str) -> ErbYaml | Warning | None:
    text = repo.read_text(rel)
    if text is None:
        return None
    loaded = load_erb_yaml(text)
    if loaded.error is not None and "<%" not in text:
        return None  # not ours to judge: a YAML file the app does not load through ERB
    if loaded.error is not None:
        return base.warning(Src(NAME, rel, loaded.error[0]), f"{rel} (YAML with ERB) {loaded.error[1]}")
    return loaded


def _yaml_env(repo: RepoView, rel: str, loaded: ErbYaml) -> Iterator[Item]:
    """The env reads of the file's ERB, and literal secrets its values hold (secrets.yml, database.yml)."""
    text = repo.read_text(rel) or ""
    for line, code in rb.erb_snippets(text):
        snippet = rb.RubyFile.parse(code.strip(), line_offset=line - 1)
        if snippet is None:
            continue
        key = _yaml_key_at(text, line)
        secret = True if key and _SECRET_KEYS.search(key) else None  # url: <%= ENV["DATABASE_URL"] %>
        for ref in snippet.env_reads():
            yield from _fallback(app_server_config.env_findings(ref, Src(NAME, rel, ref.line), secret))
    if posixpath.basename(rel) in ("secrets.yml", "database.yml", "mongoid.yml"):
        yield from _literal_secrets(rel, loaded.data, ())


_KEY_LINE = re.compile(r"^\s*([A-Za-z0-9_:-]+)\s*:")


def _yaml_key_at(text: str, line: int) -> str | None:
    lines = text.splitlines()
    m = _KEY_LINE.match(lines[line - 1]) if 0 < line <= len(lines) else None
    return m.group(1).lstrip(":") if m else None


def _literal_secrets(rel: str, data: object, path: tuple[str, ...]) -> Iterator[Item]:
    if not isinstance(data, dict) or len(path) > 8:
        return
    for key, value in data.items():
        name = str(key)
        if isinstance(value, dict):
            if not path and name in ("development", "test"):
                continue  # a committed development secret is a development secret
            yield from _literal_secrets(rel, value, (*path, name))
        elif isinstance(value, str) and value and "__erb" not in value and _SECRET_KEYS.search(name):
            found = base.check_assignment(Src(NAME, rel, key_line(data, key)), name.upper(), value)
            if found is not None:
                yield found


def _credentials(repo: RepoView) -> Iterator[Item]:
    encrypted = [rel for rel in _CREDENTIALS if repo.exists(rel)]
    for rel in encrypted:
        yield base.env_var("RAILS_MASTER_KEY", Src(NAME, rel), D, secret=True, required=True,
                           description=f"decrypts {rel} (Rails credentials)")
    for rel in _MASTER_KEYS:
        if repo.exists(rel):
            yield base.hardcoded_secret(Src(NAME, rel), "RAILS_MASTER_KEY", "rails_master_key")
    if not repo.exists("config/application.rb"):
        return
    mention = _secret_key_base_site(repo)
    src = mention or Src(NAME, "config/application.rb", _line_of(repo, "config/application.rb", "Application"))
    # Rails reads ENV["SECRET_KEY_BASE"] in production; with credentials, they hold it instead
    yield base.env_var("SECRET_KEY_BASE", src, D if mention else I, secret=True, required=not encrypted,
                       description="Rails signs and encrypts cookies with it" + (
                           f"; {encrypted[0]} holds it when RAILS_MASTER_KEY is set" if encrypted else ""))


def _secret_key_base_site(repo: RepoView) -> Src | None:
    for rel in ("config/secrets.yml", "config/initializers/secret_token.rb", "config/environments/production.rb"):
        line = _line_of(repo, rel, "secret_key_base") or _line_of(repo, rel, "secret_token")
        if line is not None:
            return Src(NAME, rel, line)
    return None


def _line_of(repo: RepoView, rel: str, needle: str) -> int | None:
    for number, line in enumerate(repo.lines(rel) if repo.exists(rel) else [], 1):
        if needle in line and not line.lstrip().startswith("#"):
            return number
    return None


def _services(repo: RepoView, yamls: Mapping[str, ErbYaml]) -> Iterator[Item]:
    kinds: set[str] = set()
    db = yamls.get("config/database.yml")
    if db is not None:
        for item in _database(db):
            if item.kind is Kind.SERVICE:
                kinds.add(item.key)
            yield item
    cable = yamls.get("config/cable.yml")
    section = _production(cable.data) if cable is not None else None
    if isinstance(section, dict) and section.get("adapter") == "redis" and "redis" not in kinds:
        kinds.add("redis")
        yield base.service("redis", Src(NAME, "config/cable.yml", key_line(section, "adapter")), I,
                           note="Action Cable's redis adapter")
    found = bundle(repo)
    if found is None:
        return
    for name, kind in SERVICES.items():
        where = found.where(name) if found.has(name) else None
        if where is not None and kind not in kinds:
            kinds.add(kind)
            yield base.service(kind, Src(NAME, *where), I, note=f"depends on gem {name}")


def _section_line(data: object, section: object) -> int | None:
    for key, value in data.items() if isinstance(data, dict) else ():
        if value is section:
            return key_line(data, key)
    return None


def _production(data: object) -> object:
    if not isinstance(data, dict):
        return None
    return next((data[k] for k in _PRODUCTION if k in data), None)


def _database(db: ErbYaml) -> Iterator[Finding]:
    rel = "config/database.yml"
    section = _production(db.data)
    if isinstance(section, dict) and not any(k in section for k in ("adapter", "url", "database")):
        # Rails 6 multiple databases: production: { primary: {...}, cache: {...} }
        section = next((v for v in section.values() if isinstance(v, dict)), section)
    if not isinstance(section, dict):
        section = next((v for v in (db.data.values() if isinstance(db.data, dict) else ())
                        if isinstance(v, dict) and "adapter" in v), None)
    if not isinstance(section, dict):
        return
    adapter = str(section.get("adapter") or "")
    kind = ADAPTERS.get(adapter)
    # an adapter merged in from a &default anchor has no line of its own here: the section's line
    at = Src(NAME, rel, key_line(section, "adapter") or _section_line(db.data, section))
    if kind in ("postgres", "mysql"):
        yield base.service(kind, at, I, note=f"database.yml adapter {adapter}")
        # ActiveRecord merges DATABASE_URL over database.yml: the deployment may set it instead
        yield base.env_var("DATABASE_URL", at, I, secret=True, required=False,
                           description="ActiveRecord reads it over config/database.yml")
    elif kind == "sqlite":
        database = section.get("database")
        if isinstance(database, str) and "__erb" not in database and not database.startswith(":memory"):
            yield base.volume(database, Src(NAME, rel, key_line(section, "database")), I, purpose="sqlite",
                              relative_to=None if database.startswith("/") else "repo", unless_env="DATABASE_URL")

