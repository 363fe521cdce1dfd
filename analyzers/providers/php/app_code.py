"""Read the PHP app's own code and config (through tree-sitter-php and text, never run): env vars, secrets,
backing services, health routes and the directories the app writes. The PHP counterpart of
:mod:`analyzers.providers.ruby.app_code`, emitting the same kinds and field names.

- env: every ``getenv('X')``, ``env('X', default)`` (Laravel), ``$_ENV['X']``, ``$_SERVER['X']`` (CGI
  variables such as ``REQUEST_URI`` are not env vars and are left out), with the default ``??``/``?:``
  give, and Symfony's ``%env(X)%`` (PHP strings, ``config/packages/*.yaml``, ``config/services.yaml``; a
  ``parameters: env(X): default`` entry is the variable's default) of the app's PHP files
  (:func:`app_sources`: not ``vendor/``, tests, caches, WordPress core). The read is DECLARED, its
  literal default HEURISTIC; a default that is a real secret is reported by file and line, never copied.
  Laravel's ``env()`` outside ``config/`` is a warning: once ``config:cache`` runs (the image runs it at
  start), ``env()`` returns null everywhere but in config files (Blade views' ``{{ env('X') }}`` included,
  read by pattern: Blade is template text to the grammar). ``APP_KEY`` (Laravel) and ``APP_SECRET``
  (Symfony) are required secrets; a connection URL/DSN variable (``DATABASE_URL``, ``REDIS_URL``) is secret.
- WordPress ``wp-config.php``: the ``DB_*`` and ``WP_HOME``/``WP_SITEURL`` defines are settings the
  deployment provides (env vars, the literal as default when it is not secret); ``DB_PASSWORD`` and the
  eight keys and salts are secret env vars, their literal values reported by place only; ``$table_prefix``
  and ``WP_DEBUG`` are noted.
- services: Laravel's ``config/database.php`` default connection (``DB_CONNECTION`` in ``.env.example``
  first), the cache/queue/session drivers set to redis or memcached, Symfony's ``DATABASE_URL`` scheme,
  WordPress's MySQL, the clients the code creates (``new Redis``, ``new Predis\\Client`` through its ``use``
  alias, ``new mysqli``, ``mysqli_connect``, ``pg_connect``, a PDO DSN such as ``'pgsql:host=...'``) and
  Composer packages (:data:`PACKAGES`); the redis service says its ``client`` (phpredis or predis). The
  dotenv templates are read for values only here (:mod:`analyzers.deploy.dotenv` reports their names);
  a placeholder is never taken as a value.
- health routes: Laravel ``Route::get('/health', ...)`` (``routes/api.php`` under ``/api``, group
  prefixes followed), Laravel 11's ``withRouting(health: '/up')``, Slim/Lumen ``$app->get('/healthz')``,
  Symfony ``#[Route('/health')]`` and ``@Route("/health")`` (with the class's prefix) and
  ``config/routes.yaml``, WordPress ``register_rest_route`` (under ``/wp-json``), a hand-written router's
  ``$path === '/healthz'`` / ``case '/healthz':``, a plain ``health.php`` under the document root.
- writable directories (a pod's root filesystem is read-only) as volumes: Laravel ``storage/``
  (``storage/app/public`` uploads: a claim; logs and ``framework/{cache,sessions,views}``: emptyDirs) and
  ``bootstrap/cache``; Symfony ``var/cache``, ``var/log`` (Symfony 2's ``app/cache``, ``app/logs``);
  WordPress ``wp-content/uploads`` (a claim) and ``wp-content/cache`` (with a page cache); CodeIgniter's
  ``writable/``; and the directories the app's code writes with ``file_put_contents``/``fopen``/``mkdir``/
  ``move_uploaded_file``/``error_log`` or Monolog's ``StreamHandler`` to a literal path (:func:`_code_writes`).
  Bounds: :data:`MAX_FILES` files and :data:`MAX_TOTAL_BYTES` of them, each parsed in bounds by lib/php.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace

from analyzers import base
from analyzers.base import D, H, I, Item, Src
from analyzers.deploy import dotenv
from analyzers.lib import php
from analyzers.lib.php import Attribute, Call, Chain, Const, EnvRef, Interp, PhpFile, PhpValue, Unknown
from analyzers.providers.php import app_programs
from analyzers.providers.php import wp_config as wpconf
from analyzers.providers.php.composer import composer
from analyzers.providers.php.frameworks import Framework, framework
from analyzers.providers.python.python_routes import judge
from migrator.model import Confidence, SecretFinding
from migrator.repo import RepoView, UnreadableFile
from migrator.secrets import bears_secret, is_placeholder

NAME = "php_code"

MAX_FILES = 3000  # PHP files read per repo: a large app has a few thousand of its own
MAX_TOTAL_BYTES = 24 * 1024 * 1024  # parsed and walked at about 0.5 MB/s on a busy core
MAX_WARNINGS = 50  # per kind of warning (env() outside config/): the rest are counted in one more
# directories that are never the app's own code: dependencies, tests, caches, WordPress core
_NOT_APP = re.compile(r"(^|/)(vendor|node_modules|tests?|spec|storage|var|cache|\.git)/|^bootstrap/cache/"
                      r"|(^|/)wp-(admin|includes)/|(^|/)wp-[a-z-]+\.php$")
_WP_CONFIG = "wp-config.php"
# CGI/server variables PHP puts in $_SERVER (and getenv under mod_php): the request's, not the deployment's
_SERVER_VARS = re.compile(r"^(HTTP_|REQUEST_|SERVER_|REMOTE_|SCRIPT_|PHP_|REDIRECT_|CONTENT_|ORIG_|PATH_)"
                          r"|^(DOCUMENT_ROOT|HTTPS|QUERY_STRING|GATEWAY_INTERFACE|AUTH_TYPE|UNIQUE_ID|argv|argc"
                          r"|PATH|HOME|USER|PWD|SHELL|TERM|HOSTNAME)$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TRIGGERS = (b"getenv", b"env(", b"$_ENV", b"$_SERVER", b"%env(", b"define", b"Route", b"->get(", b"file_put_contents",
             b"fopen", b"mkdir", b"move_uploaded_file", b"error_log", b"Redis", b"Memcache", b"->map(",
             b"withRouting", b"addRoute", b"PDO", b"mysql", b"pg_connect", b"register_rest_route", b"Handler",
             b"=== '/", b'=== "/', b"case '/", b'case "/', b"== '/", b"Predis", b"AMQP", b"MongoDB",
             *app_programs.TRIGGERS)

# Composer packages that need a backing service
PACKAGES: Mapping[str, str] = {
    "predis/predis": "redis", "snc/redis-bundle": "redis", "laravel/horizon": "redis",
    "php-amqplib/php-amqplib": "rabbitmq", "enqueue/amqp-lib": "rabbitmq", "vladimir-yuldashev/laravel-queue-rabbitmq":
    "rabbitmq", "mongodb/mongodb": "mongodb", "jenssegers/mongodb": "mongodb", "mongodb/laravel-mongodb": "mongodb",
    "doctrine/mongodb-odm-bundle": "mongodb", "elasticsearch/elasticsearch": "elasticsearch",
    "ruflin/elastica": "elasticsearch", "friendsofsymfony/elastica-bundle": "elasticsearch",
}
CONNECTIONS: Mapping[str, str] = {"mysql": "mysql", "mariadb": "mysql", "pgsql": "postgres", "postgres": "postgres",
                                  "postgresql": "postgres", "sqlsrv": "sqlserver", "sqlite": "sqlite"}
# Laravel settings whose value "redis"/"memcached" means that service (older and newer names)
_DRIVERS = ("CACHE_DRIVER", "CACHE_STORE", "QUEUE_CONNECTION", "QUEUE_DRIVER", "SESSION_DRIVER",
            "BROADCAST_DRIVER", "BROADCAST_CONNECTION")
_Adder = Callable[[str, Src, Confidence, str], Iterator[Item]]  # one service finding per kind
WP_SALTS = wpconf.WP_SALTS


def analyze(repo: RepoView) -> Iterator[Item]:
    fw = framework(repo)
    sources = app_sources(repo)
    if fw is None and not sources:
        return
    try:
        files, warnings = read_sources(repo, sources)
    except php.Unavailable as exc:
        yield base.warning(Src(NAME, sources[0] if sources else "composer.json"),
                           f"the PHP grammar is not installed ({exc}); the PHP code was not read")
        return
    yield from warnings
    templates = template_values(repo)
    yaml_refs = list(_yaml_refs(repo))
    yield from _code_env(repo, fw, files)
    yield from _symfony_yaml(repo, yaml_refs)
    yield from _app_secrets(fw, files, yaml_refs)
    yield from _defined_secrets(repo, fw, files)
    wp_config = next((f for f in files if posixpath.basename(f.rel) == _WP_CONFIG and f.rel.count("/") <= 1), None)
    if wp_config is not None:
        yield from _wordpress_config(repo, wp_config)
    yield from _services(repo, fw, files, templates)
    yield from _health(repo, fw, files)
    yield from _writable(repo, fw, wp_config)
    yield from _code_writes(fw, files)
    yield from app_programs.programs(((f.rel, f.parsed) for f in files), NAME)


# -- the app's files ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    rel: str
    parsed: PhpFile


def app_sources(repo: RepoView) -> list[str]:
    """The app's own PHP files, at most :data:`MAX_FILES` (config/ and the root first, then the rest)."""
    found = [rel for rel in repo.files() if rel.endswith(".php") and (
        not _NOT_APP.search(rel) or posixpath.basename(rel) == _WP_CONFIG)]
    found.sort(key=lambda r: (not r.startswith("config/"), r.count("/"), r))
    return found[:MAX_FILES]


def read_php(repo: RepoView, rel: str, analyzer: str) -> tuple[PhpFile | None, list[Item]]:
    """``rel`` parsed, and the warnings it earns: not parsed in bounds (nothing read), or syntax errors
    (what parses is still read: tree-sitter recovers around the error)."""
    src = Src(analyzer, rel, 1)
    try:
        data = repo.read_bytes(rel)
    except UnreadableFile as exc:
        return None, [base.warning(src, f"{unreadable(exc)}; not read")]
    if data is None:
        return None, []
    parsed = PhpFile.parse(data)
    if parsed is None:
        return None, [base.warning(src, "PHP file is too large or too slow to parse; not read")]
    warnings: list[Item] = []
    if parsed.has_errors:
        warnings.append(base.warning(src, "PHP file has syntax errors; what parses around them is read"))
    if parsed.truncated:
        warnings.append(base.warning(src, f"PHP file has more than {php.MAX_ITEMS} calls; the rest was not read"))
    return parsed, warnings


def unreadable(exc: UnreadableFile) -> str:
    """Why a file was not read, without its name (the warning carries it)."""
    return str(exc).removeprefix(f"{exc.rel}: ")


def peek(repo: RepoView, rel: str, limit: int | None = None) -> bytes | None:
    """``rel``'s bytes for a look at what it holds, or None when it cannot be read (too large, a FIFO, a link
    out of the repo: :func:`read_php` says so when the file is read for real)."""
    try:
        return repo.read_bytes(rel) if limit is None else repo.read_bytes(rel, limit=limit)
    except UnreadableFile:
        return None


def read_sources(repo: RepoView, sources: Iterable[str]) -> tuple[list[Source], list[Item]]:
    files: list[Source] = []
    warnings: list[Item] = []
    total = 0
    for rel in sources:
        try:
            data = repo.read_bytes(rel)
        except UnreadableFile as exc:
            warnings.append(base.warning(Src(NAME, rel), f"{unreadable(exc)}; not read"))
            continue
        if not data or not any(t in data for t in _TRIGGERS):
            continue
        total += len(data)
        if total > MAX_TOTAL_BYTES:
            warnings.append(base.warning(Src(NAME, rel), f"more than {MAX_TOTAL_BYTES // 2**20} MB of PHP: the "
                                                         "files from here on were not read"))
            break
        parsed, found = read_php(repo, rel, NAME)
        warnings += found
        if parsed is not None:
            files.append(Source(rel, parsed))
    return files, warnings


def template_values(repo: RepoView) -> dict[str, tuple[str, str, int]]:
    """NAME -> (value, file, line) from the dotenv templates and committed ``.env`` (Symfony commits its
    defaults there); placeholders are not values. Read for what the values mean (DB_CONNECTION=mysql),
    never reported as values: :mod:`analyzers.deploy.dotenv` reports the names."""
    out: dict[str, tuple[str, str, int]] = {}
    for rel in sorted(repo.files(), key=lambda r: (r.count("/"), r)):
        if rel.count("/") > 1 or dotenv.file_kind(posixpath.basename(rel)) is None:
            continue
        entries, _ = dotenv.parse(repo.read_text(rel) or "")
        for entry in entries:
            value = entry.value.strip()
            if value and not is_placeholder(value) and not re.fullmatch(r"\$\{?\w+\}?", value):
                out.setdefault(entry.name, (value, rel, entry.line))
    return out


# -- env -----------------------------------------------------------------------------------------------


def env_name(ref: EnvRef) -> bool:
    """Whether ``ref`` reads a deployment variable (not a CGI/request one such as ``$_SERVER['HTTP_HOST']``)."""
    return bool(_ENV_NAME.match(ref.name)) and not _SERVER_VARS.match(ref.name)


def scalar(value: PhpValue) -> str | None:
    """A literal scalar as the text an env var would hold (``false`` -> ``"false"``); None otherwise."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return value if isinstance(value, str) else None


# a connection URL/DSN carries its credentials (mysql://user:password@db/shop): the variable is a secret
_CREDENTIAL_URL = re.compile(r"^(DATABASE|DB|REDIS|MONGO\w*|AMQP|RABBITMQ|MESSENGER_TRANSPORT|MAILER|QUEUE|CACHE"
                             r"|ELASTICSEARCH|MEMCACHED)_(URL|DSN|URI)$")


def env_findings(ref: EnvRef, src: Src, secret: bool | None = None) -> Iterator[Item]:
    """An env read (DECLARED) and its literal default (HEURISTIC); a default that is a real secret is
    reported by file and line only."""
    if secret is None and _CREDENTIAL_URL.match(ref.name):
        secret = True
    yield base.env_var(ref.name, src, D, secret=secret)
    default = scalar(ref.default) if ref.has_default else None
    if secret or not default:
        return
    found = base.check_assignment(src, ref.name, default)
    if found is not None:
        yield replace(found, fallback=True)
        return
    yield base.env_var(ref.name, src, H, default=default)


def _code_env(repo: RepoView, fw: Framework | None, files: list[Source]) -> Iterator[Item]:
    laravel = fw is not None and fw.name == "laravel"
    outside: list[tuple[str, int, str]] = []
    if laravel:  # Blade is no PHP to the grammar ({{ env('X') }} is template text): its env() calls by pattern
        for rel in (r for r in repo.files() if r.endswith(".blade.php") and not _NOT_APP.search(r)):
            for number, text in enumerate(repo.lines(rel), 1):
                for m in _BLADE_ENV.finditer(text):
                    yield base.env_var(m.group(1), Src(NAME, rel, number), D)
                    outside.append((rel, number, m.group(1)))
    for source in files:
        if posixpath.basename(source.rel) == _WP_CONFIG:
            continue  # its defines are settings (_wordpress_config); its env reads are read there
        seen: set[tuple[str, int]] = set()
        for ref in source.parsed.env_reads:
            if not env_name(ref) or (ref.name, ref.line) in seen:
                continue
            seen.add((ref.name, ref.line))
            yield from env_findings(ref, Src(NAME, source.rel, ref.line))
            if laravel and ref.source == "env" and not source.rel.startswith("config/"):
                outside.append((source.rel, ref.line, ref.name))
    for rel, line, name in outside[:MAX_WARNINGS]:
        yield base.warning(Src(NAME, rel, line), f"env('{name}') outside config/: it returns null once "
                                                 "`php artisan config:cache` runs (the container runs it at start); "
                                                 f"read it in a config file and use config(...) here")
    if len(outside) > MAX_WARNINGS:
        yield base.warning(Src(NAME, outside[MAX_WARNINGS][0], outside[MAX_WARNINGS][1]),
                           f"{len(outside) - MAX_WARNINGS} more env() calls outside config/ (see above)")


_BLADE_ENV = re.compile(r"""\benv\(\s*['"]([A-Za-z_][A-Za-z0-9_]*)['"]""")
_PARAMETER_ENV = re.compile(r"^\s+env\(([A-Za-z_][A-Za-z0-9_]*)\)\s*:\s*(.*?)\s*(#.*)?$")


def _yaml_refs(repo: RepoView) -> Iterator[tuple[str, EnvRef]]:
    """(file, read) of each ``%env(X)%`` in Symfony's YAML config (``config/packages/``, ``services.yaml``,
    Symfony 2/3's ``app/config/``), and each ``parameters: env(X): value`` (the variable's default)."""
    for rel in repo.files():
        if not (rel.startswith(("config/packages/", "app/config/")) or rel in ("config/services.yaml",
                                                                             "config/routes.yaml")) \
                or not rel.endswith((".yaml", ".yml")):
            continue
        text = repo.read_text(rel) or ""
        if "env(" not in text:
            continue
        for ref in php.env_placeholders(text):
            if env_name(ref):
                yield rel, ref
        for number, line in enumerate(text.splitlines(), 1):
            m = _PARAMETER_ENV.match(line)
            if m is not None:
                yield rel, EnvRef(m.group(1), m.group(2).strip().strip("'\""), number, "%env%", has_default=True)


def _symfony_yaml(repo: RepoView, refs: list[tuple[str, EnvRef]]) -> Iterator[Item]:
    for rel, ref in refs:
        yield from env_findings(ref, Src(NAME, rel, ref.line))


def _app_secrets(fw: Framework | None, files: list[Source], yaml_refs: list[tuple[str, EnvRef]]) -> Iterator[Item]:
    """The framework's own key: Laravel's APP_KEY (encrypts cookies and sessions), Symfony's APP_SECRET."""
    if fw is None or fw.name not in ("laravel", "symfony"):
        return
    name = "APP_KEY" if fw.name == "laravel" else "APP_SECRET"
    reads = [(s.rel, r) for s in files for r in s.parsed.env_reads] + yaml_refs
    at = next(((rel, r.line) for rel, r in reads if r.name == name), None)
    src = Src(NAME, *at) if at else Src(NAME, fw.file, fw.line)
    what = "Laravel encrypts cookies and sessions with it (php artisan key:generate --show makes one)" \
        if name == "APP_KEY" else "Symfony signs CSRF tokens, remember-me cookies and URIs with it"
    yield base.env_var(name, src, D if at else I, secret=True, required=True, description=what)


def _defined_secrets(repo: RepoView, fw: Framework | None, files: list[Source]) -> Iterator[Item]:
    """A real secret a ``define('DB_PASSWORD', '...')`` hard-codes in the app's own files (wp-config.php is
    read in :func:`_wordpress_config`), reported by place only; ``needed_by`` says what loads the file (another
    file's ``require``/``include``, the framework): the image cannot simply leave such a file out."""
    found: list[SecretFinding] = []
    for source in files:
        if posixpath.basename(source.rel) == _WP_CONFIG:
            continue
        for define in source.parsed.defines:
            if isinstance(define.value, str):
                secret = base.check_assignment(Src(NAME, source.rel, define.line), define.name, define.value)
                found += [secret] if secret is not None else []
    if not found:
        return
    loaded = _loaded_by(repo, fw, {s.file for s in found})
    yield from (replace(s, needed_by=loaded.get(s.file, "")) for s in found)


def _loaded_by(repo: RepoView, fw: Framework | None, targets: set[str]) -> dict[str, str]:
    """target -> what loads it at run time: ``included by index.php:2`` (a literal ``require``/``include``
    path: ``__DIR__ . '/config.php'``, ``'config.php'`` against the file's directory or the document root),
    or the framework (WordPress loads its plugins and themes, Laravel every ``config/*.php``). The files that
    name a target are parsed again here: few do, and :func:`read_sources` skips files without env triggers."""
    root = fw.document_root if fw is not None else "."
    out: dict[str, str] = {}
    for target in sorted(targets):
        if fw is not None and fw.name == "wordpress" and _WP_CODE.search(target):
            out[target] = "WordPress loads the code of wp-content's plugins and themes"
        elif fw is not None and fw.name == "laravel" and re.fullmatch(r"config/[^/]+\.php", target):
            out[target] = "Laravel loads every config/*.php"
    names = {posixpath.basename(t).encode() for t in targets if t not in out}
    for rel in (r for r in app_sources(repo) if names):
        data = peek(repo, rel) or b""
        if not any(n in data for n in names) or not (b"require" in data or b"include" in data):
            continue
        parsed, _ = read_php(repo, rel, NAME)
        for inc in parsed.includes if parsed is not None else ():
            for path in _included_paths(inc.value, rel, root):
                if path in targets and path != rel:
                    verb = "required" if inc.how.startswith("require") else "included"
                    out.setdefault(path, f"{verb} by {rel}:{inc.line} ({inc.how})")
    return out


_WP_CODE = re.compile(r"(^|/)(wp-content|app)/(mu-plugins|plugins|themes)/")


def _included_paths(value: PhpValue, rel: str, root: str) -> list[str]:
    """The repo paths a require/include may load: relative to the file's directory, then the document root."""
    if isinstance(value, str):
        if value.startswith("/"):
            return []
        here = posixpath.dirname(rel)
        return list(dict.fromkeys(posixpath.normpath(posixpath.join(d, value)) for d in (here, root) if d is not None))
    path = _path_of(value, rel, root)
    return [path] if path is not None and not path.startswith(("/", "..")) and "*" not in path else []


# -- WordPress -------------------------------------------------------------------------------------------


def _wordpress_config(repo: RepoView, source: Source) -> Iterator[Item]:
    rel = source.rel
    parsed = source.parsed
    hard_coded: list[str] = []
    for define in parsed.defines:
        src = Src(NAME, rel, define.line)
        value = define.value
        if isinstance(value, EnvRef):  # define('DB_HOST', getenv('WORDPRESS_DB_HOST') ?: 'db')
            if env_name(value):
                yield from env_findings(value, src, secret=True if _wp_secret(define.name) else None)
            continue
        if define.name == "ABSPATH" or not _ENV_NAME.match(define.name):
            continue
        if define.name == "WP_DEBUG" and value is True:
            yield base.warning(src, "WP_DEBUG is true in wp-config.php: production should not show errors")
        literal = scalar(value)
        hard_coded.append(define.name)
        described = f"wp-config.php define('{define.name}')"
        if _wp_secret(define.name) or (literal is not None and wpconf.secret_value(define.name, literal)):
            if literal and wpconf.secret_value(define.name, literal):
                kind = "password" if "PASSWORD" in define.name else "secret_key"
                yield replace(base.hardcoded_secret(src, define.name, kind), needed_by=wpconf.REQUIRED_BY)
            yield base.env_var(define.name, src, D, secret=True, required=True, description=described)
        else:  # the image's own wp-config.php reads every constant, the repo's literal as its default
            yield base.env_var(define.name, src, D, description=described)
            if literal:  # an empty default is no value to the ConfigMap: the image's file keeps it
                yield base.env_var(define.name, src, H, default=literal)
    yield from _wp_reads(source)
    yield from wpconf.findings(rel, parsed, wpconf.install_dir(repo), NAME)
    if hard_coded:
        yield base.warning(Src(NAME, rel, 1), f"wp-config.php hard-codes {', '.join(hard_coded)}: deployment "
                                              "settings, each an env var (ConfigMap, Secret); a wp-config.php in the "
                                              "image must read them from the environment (getenv), as the official "
                                              "WordPress image's wp-config-docker.php does")
    prefix = wpconf.table_prefix(parsed)
    if prefix is not None:
        yield base.warning(Src(NAME, rel, prefix[1]), f"WordPress table prefix '{prefix[0]}' (wp-config.php): the "
                                                      "migrated database keeps its tables under it")


def _wp_reads(source: Source) -> Iterator[Item]:
    defined = {d.line for d in source.parsed.defines if isinstance(d.value, EnvRef)}
    for ref in source.parsed.env_reads:
        if env_name(ref) and ref.line not in defined:
            yield from env_findings(ref, Src(NAME, source.rel, ref.line))


_wp_secret = wpconf.is_secret


# -- services ------------------------------------------------------------------------------------------


def _services(repo: RepoView, fw: Framework | None, files: list[Source],
              templates: Mapping[str, tuple[str, str, int]]) -> Iterator[Item]:
    kinds: set[str] = set()
    config = {s.rel: s.parsed for s in files if s.rel.startswith("config/")}
    client = _redis_client(repo, config, templates, files)

    def add(kind: str, src: Src, confidence: Confidence, note: str) -> Iterator[Item]:
        if kind not in kinds:
            kinds.add(kind)
            yield base.service(kind, src, confidence, note=note, client=client if kind == "redis" else None)

    yield from _database(repo, fw, config, templates, add)
    defaults = {r.name: (scalar(r.default), s.rel, r.line) for s in files for r in s.parsed.env_reads
                if r.has_default and scalar(r.default)}
    for name in _DRIVERS:
        found = templates.get(name) or defaults.get(name)
        if found is not None and found[0] in ("redis", "memcached"):
            yield from add(str(found[0]), Src(NAME, found[1], found[2]), I, f"{name}={found[0]}")
    reads = {r.name: (s.rel, r.line) for s in files for r in s.parsed.env_reads}
    for name, kind in (("REDIS_HOST", "redis"), ("REDIS_URL", "redis"), ("MEMCACHED_HOST", "memcached")):
        if name in reads and (fw is None or fw.name != "laravel"):  # Laravel's stock config reads them all
            yield from add(kind, Src(NAME, *reads[name]), I, f"the code reads {name}")
        # Laravel's stock .env.example lists REDIS_HOST=127.0.0.1 whether the app uses Redis or not: a host of
        # its own says it does
        found = templates.get(name)
        if found is not None and name.endswith("_HOST") and found[0] not in ("127.0.0.1", "localhost", "null") \
                and not bears_secret(found[0]):
            yield from add(kind, Src(NAME, found[1], found[2]), I, f"{name}={found[0]}")
    for name, found in templates.items():
        scheme = found[0].strip("'\"").split("://", 1)[0].lower() if "://" in found[0] else ""
        if scheme in _SCHEMES and name.endswith(("_URL", "_DSN", "_HOST")):
            yield from add(_SCHEMES[scheme], Src(NAME, found[1], found[2]), I, f"{name} is a {scheme}:// URL")
    for source in files:
        for kind, line, note in _code_services(source.parsed):
            yield from add(kind, Src(NAME, source.rel, line), I, note)
    if any(s.parsed.resolve(c.name) == "PDO" for s in files for c in s.parsed.creations):
        for source in files:  # the DSN may be built in another file than the one that connects (a Config class)
            m = _DSN.search(source.parsed.data)
            if m is not None:
                scheme = m.group(1).decode()
                kind = {"pgsql": "postgres", "sqlsrv": "sqlserver"}.get(scheme, scheme)
                line = source.parsed.data.count(b"\n", 0, m.start()) + 1
                yield from add(kind, Src(NAME, source.rel, line), I, f"PDO DSN {scheme}:")
                break
    c = composer(repo)
    for package, kind in PACKAGES.items():
        where = c.where(package) if c.has(package) else None
        if where is not None:
            yield from add(kind, Src(NAME, where.file, where.line), I, f"depends on {package}")
    if fw is not None and fw.name == "wordpress":
        wp_config = next((s for s in files if posixpath.basename(s.rel) == _WP_CONFIG), None)
        host = next((d.line for d in wp_config.parsed.defines if d.name == "DB_HOST"), None) if wp_config else None
        src = Src(NAME, wp_config.rel, host) if wp_config is not None else Src(NAME, fw.file, fw.line)
        yield from add("mysql", src, I, "WordPress stores everything in MySQL/MariaDB")


def _redis_client(repo: RepoView, config: Mapping[str, PhpFile], templates: Mapping[str, tuple[str, str, int]],
                  files: list[Source]) -> str | None:
    """The Redis client the app talks through: ``phpredis`` (the redis extension) or ``predis`` (a Composer
    package): REDIS_CLIENT, Laravel's ``'redis' => ['client' => ...]``, the code's ``new Redis()``, predis."""
    if "REDIS_CLIENT" in templates:
        return templates["REDIS_CLIENT"][0].lower()
    parsed = config.get("config/database.php")
    returned = parsed.returned() if parsed is not None else None
    section = returned.get("redis") if isinstance(returned, dict) else None
    chosen = section.get("client") if isinstance(section, dict) else None
    chosen = chosen.default if isinstance(chosen, EnvRef) else chosen
    if isinstance(chosen, str) and chosen in ("predis", "phpredis"):
        return chosen
    clients = {note for s in files for kind, _, note in _code_services(s.parsed) if kind == "redis"}
    if "phpredis client" in clients:
        return "phpredis"
    return "predis" if "predis client" in clients or composer(repo).has("predis/predis") else None


_CLIENTS: Mapping[str, tuple[str, str]] = {
    "Redis": ("redis", "phpredis client"), "RedisCluster": ("redis", "phpredis client"),
    "Predis\\Client": ("redis", "predis client"), "Memcached": ("memcached", "Memcached client"),
    "Memcache": ("memcached", "Memcache client"), "mysqli": ("mysql", "mysqli connection"),
    "MongoDB\\Client": ("mongodb", "MongoDB client"), "MongoDB\\Driver\\Manager": ("mongodb", "MongoDB client"),
    "PhpAmqpLib\\Connection\\AMQPStreamConnection": ("rabbitmq", "AMQP connection"),
}
_CONNECT_FUNCTIONS: Mapping[str, str] = {"mysqli_connect": "mysql", "mysql_connect": "mysql", "mysql_pconnect": "mysql",
                                         "mysqli_real_connect": "mysql", "pg_connect": "postgres",
                                         "pg_pconnect": "postgres"}
_DSN = re.compile(rb"""['"](mysql|pgsql|sqlsrv|mongodb|redis):""")


def _code_services(parsed: PhpFile) -> Iterator[tuple[str, int, str]]:
    """(kind, line, note) of each backing service the code connects to: a client class it creates (through
    its ``use`` imports: ``use Predis\\Client as Redis``), ``mysqli_connect``/``pg_connect``."""
    for created in parsed.creations:
        full = parsed.resolve(created.name)
        if full in _CLIENTS:
            kind, note = _CLIENTS[full]
            yield kind, created.line, note
    for call in parsed.calls:
        if call.lname in _CONNECT_FUNCTIONS:
            yield _CONNECT_FUNCTIONS[call.lname], call.line, f"{call.name}()"


def _database(repo: RepoView, fw: Framework | None, config: Mapping[str, PhpFile],
              templates: Mapping[str, tuple[str, str, int]], add: _Adder) -> Iterator[Item]:
    """Laravel's default connection (config/database.php, DB_CONNECTION first), Symfony's DATABASE_URL."""
    url = templates.get("DATABASE_URL")
    if url is not None:
        scheme = url[0].strip("'\"").split(":", 1)[0].lower()
        kind = CONNECTIONS.get(scheme.split("+")[0])
        if kind and kind != "sqlite":
            yield from add(kind, Src(NAME, url[1], url[2]), I, f"DATABASE_URL scheme {scheme}")
        elif kind == "sqlite":
            path = re.sub(r"^sqlite:/*(%kernel\.project_dir%/)?", "", url[0].strip("'\""))
            if path and ":memory" not in path:
                yield base.volume(path, Src(NAME, url[1], url[2]), I, purpose="sqlite", relative_to="repo")
    parsed = config.get("config/database.php")
    returned = parsed.returned() if parsed is not None else None
    connection: str | None = None
    src: Src | None = None
    if "DB_CONNECTION" in templates:
        found = templates["DB_CONNECTION"]
        connection, src = found[0], Src(NAME, found[1], found[2])
    elif isinstance(returned, dict):
        default = returned.get("default")
        chosen = default.default if isinstance(default, EnvRef) else default
        if isinstance(chosen, str):
            connection = chosen
            src = Src(NAME, "config/database.php", default.line if isinstance(default, EnvRef) else None)
    if connection is None or src is None:
        return
    kind = CONNECTIONS.get(connection.lower())
    if kind is None:
        return
    if kind != "sqlite":
        yield from add(kind, src, I, f"DB_CONNECTION={connection}")
        return
    connections = returned.get("connections") if isinstance(returned, dict) else None
    sqlite = connections.get("sqlite") if isinstance(connections, dict) else None
    database = sqlite.get("database") if isinstance(sqlite, dict) else None
    file = _path_value(database.default if isinstance(database, EnvRef) else database)
    if file and ":memory" not in file:
        yield base.volume(file, src, I, purpose="sqlite", relative_to=None if file.startswith("/") else "repo")


# -- health routes ---------------------------------------------------------------------------------------

_SCHEMES: Mapping[str, str] = {"redis": "redis", "rediss": "redis", "amqp": "rabbitmq", "amqps": "rabbitmq",
                               "memcached": "memcached", "mongodb": "mongodb", "mongodb+srv": "mongodb"}
_ROUTE_VERBS = frozenset({"get", "any", "match", "map", "addroute"})
_ROUTERS = frozenset({"route", "app", "router", "r", "routes", "group"})
_MAX_CLIMB = 64


def _health(repo: RepoView, fw: Framework | None, files: list[Source]) -> Iterator[Item]:
    seen: set[str] = set()
    for path, handler, src in _routes(repo, fw, files):
        judged = judge(path.removesuffix(".php"), handler)  # judge() refuses a dot: /health.php is a file
        if judged is None or path in seen:
            continue
        seen.add(path)
        confidence, probe = judged
        if handler and "health" in handler.lower():
            confidence = I
        yield base.health_check(path, src, confidence, probe=probe)


def _routes(repo: RepoView, fw: Framework | None, files: list[Source]) -> Iterator[tuple[str, str | None, Src]]:
    for source in files:
        parsed = source.parsed
        api = source.rel == "routes/api.php"
        for chain in parsed.chains:
            health = chain.link("withRouting")
            if health is not None and isinstance(health.named.get("health"), str):
                yield str(health.named["health"]), "health", Src(NAME, source.rel, health.line)
            # Route::get('/health', ...), Route::middleware('web')->get('/health', ...)
            verb = next((link for link in chain.links if link.lname in _ROUTE_VERBS), None)
            if chain.receiver_name.lower() not in _ROUTERS or verb is None:
                continue
            args = verb.args
            path = args[1] if verb.lname in ("match", "addroute") and len(args) > 1 else args[0] if args else None
            if not isinstance(path, str):
                continue
            prefix = _group_prefix(chain)
            if prefix is None:
                continue
            if api:
                prefix = "/api" + prefix
            handler = next((php.text_of(a) or str(a) for a in args[1:] if not isinstance(a, Unknown)), None)
            yield _joined_path(prefix, path), handler, Src(NAME, source.rel, chain.line)
        for attr in parsed.attributes:
            if _is_route(attr) and (attr.target is None or attr.target.type != "class_declaration"):
                name = attr.named.get("name")
                yield (_joined_path(_class_prefix(parsed, attr), str(attr.arg(0, "path"))),
                       name if isinstance(name, str) else None, Src(NAME, source.rel, attr.line))
        for call in parsed.function_calls("register_rest_route"):
            namespace, route = call.arg(0), call.arg(1)
            if isinstance(namespace, str) and isinstance(route, str):  # WordPress's REST API lives under /wp-json
                yield _joined_path(f"wp-json/{namespace}", route), None, Src(NAME, source.rel, call.line)
        for text, line in parsed.compared:  # a hand-written router: $path === '/healthz', case '/healthz':
            if text.startswith("/") and len(text) > 1:
                yield text, None, Src(NAME, source.rel, line)
        for note in parsed.annotations:
            if note.name.rsplit("\\", 1)[-1] == "Route" and note.first is not None:
                yield note.first, note.text, Src(NAME, source.rel, note.line)
    yield from _yaml_routes(repo)
    root = fw.document_root if fw is not None else "."
    for name in ("health.php", "healthz.php", "healthcheck.php", "ping.php", "status.php"):
        rel = name if root in (".", "") else f"{root}/{name}"
        if repo.exists(rel):
            yield "/" + name, name, Src(NAME, rel)


def _joined_path(prefix: str, path: str) -> str:
    return "/" + "/".join(p.strip("/") for p in (prefix, path) if p.strip("/"))


def _group_prefix(chain: Chain) -> str | None:
    """The literal prefix of the route groups around ``chain`` (``Route::prefix('ops')->group(function ()
    {...})``, ``$app->group('/v1', ...)``); None when a prefix is not a literal (the path is not exact)."""
    parts: list[str] = []
    outer = chain.outer
    for _ in range(_MAX_CLIMB):
        if outer is None:
            break
        if outer.link("group") is not None:
            prefix = _prefix_of(outer)
            if prefix is None:
                return None
            parts.append(prefix)
        outer = outer.outer
    return "/".join(p.strip("/") for p in reversed(parts) if p.strip("/"))


def _prefix_of(chain: Chain) -> str | None:
    link = chain.link("prefix")
    if link is not None:
        return link.args[0] if link.args and isinstance(link.args[0], str) else None
    group = chain.link("group")
    first = group.args[0] if group is not None and group.args else None
    if isinstance(first, dict):
        value = first.get("prefix", "")
        return value if isinstance(value, str) else None
    if isinstance(first, str):  # Slim: $app->group('/v1', function ...)
        return first
    return ""


def _class_prefix(parsed: PhpFile, attr: Attribute) -> str:
    """The path of the ``#[Route('/api')]`` on the class around a method's attribute ("" when none)."""
    if attr.scope is None or attr.target is None or attr.target == attr.scope:
        return ""
    for other in parsed.attributes:
        if other.target == attr.scope and _is_route(other):
            return str(other.arg(0, "path"))
    return ""


def _is_route(attr: Attribute) -> bool:
    return attr.name.rsplit("\\", 1)[-1] == "Route" and isinstance(attr.arg(0, "path"), str)


_YAML_PATH = re.compile(r"^\s+path:\s*['\"]?(/[^'\"\s#]*)")


def _yaml_routes(repo: RepoView) -> Iterator[tuple[str, str | None, Src]]:
    for rel in ("config/routes.yaml", "config/routes.yml", "app/config/routing.yml"):
        for number, line in enumerate(repo.lines(rel) if repo.exists(rel) else [], 1):
            m = _YAML_PATH.match(line)
            if m:
                yield m.group(1), None, Src(NAME, rel, number)


# -- writable directories ------------------------------------------------------------------------------


def _writable(repo: RepoView, fw: Framework | None, wp_config: Source | None) -> Iterator[Item]:
    if fw is None:
        return
    src = Src(NAME, fw.file, fw.line)
    if fw.name == "laravel":
        public = _line_at(repo, "config/filesystems.php", "storage_path('app/public')") or src
        yield base.volume("storage/app/public", public, I, purpose="uploads", relative_to="repo",
                          written_by="Laravel's public disk (Storage::disk('public'), served through storage:link)")
        logs = _line_at(repo, "config/logging.php", "storage_path('logs/") or src
        yield base.volume("storage/logs", logs, I, purpose="logs", storage="emptyDir", relative_to="repo",
                          written="storage/logs/laravel.log",
                          written_by="Laravel's single/daily log channels (LOG_CHANNEL=stderr sends logs to stdout)")
        for part, config in (("cache", "config/cache.php"), ("sessions", "config/session.php"),
                             ("views", "config/view.php")):
            at = _line_at(repo, config, f"framework/{part}") or src
            yield base.volume(f"storage/framework/{part}", at, I, purpose=f"framework-{part}", storage="emptyDir",
                              relative_to="repo", written_by=f"Laravel (storage/framework/{part}: compiled views, "
                                                             "file cache and sessions; the directory must exist)")
        yield base.volume("bootstrap/cache", src, I, purpose="bootstrap-cache", storage="emptyDir",
                          relative_to="repo", written_by="php artisan config:cache/route:cache at start, and the "
                                                         "package manifest Laravel rebuilds there")
    elif fw.name == "symfony":
        legacy = not repo.glob("var/*") and (repo.exists("app/AppKernel.php") or fw.document_root == "web")
        base_dir = "app" if legacy else "var"
        yield base.volume(f"{base_dir}/cache", src, I, purpose="cache", storage="emptyDir", relative_to="repo",
                          written_by=f"Symfony's kernel cache ({base_dir}/cache/prod; cache:warmup at start fills it)")
        yield base.volume(f"{base_dir}/{'logs' if legacy else 'log'}", src, I, purpose="logs", storage="emptyDir",
                          relative_to="repo", written_by="Symfony's Monolog file handler (php://stderr sends logs "
                                                         "to stdout)")
    elif fw.name == "codeigniter":
        yield from _codeigniter(repo, src)
    elif fw.name == "wordpress":
        content = _wp_content(repo, fw)
        defines = {d.name: d for d in wp_config.parsed.defines} if wp_config is not None else {}
        src = Src(NAME, wp_config.rel) if wp_config is not None else src
        yield base.volume(f"{content}/uploads", src, I, purpose="uploads", relative_to="repo",
                          written_by="WordPress media uploads")
        cache = defines.get("WP_CACHE")
        if (cache is not None and cache.value is True) or repo.exists(f"{content}/advanced-cache.php"):
            at = src.at(cache.line) if cache is not None else Src(NAME, f"{content}/advanced-cache.php")
            yield base.volume(f"{content}/cache", at, I, purpose="cache", storage="emptyDir", relative_to="repo",
                              written_by="the page cache (WP_CACHE / advanced-cache.php)")
        mods = defines.get("DISALLOW_FILE_MODS")
        if mods is None or mods.value is not True:
            yield base.warning(src, "WordPress updates core, plugins and themes into its own files: the image's are "
                                    "read-only; set define('DISALLOW_FILE_MODS', true) and update by rebuilding it")


def _codeigniter(repo: RepoView, src: Src) -> Iterator[Item]:
    """CodeIgniter 4's ``writable/`` (cache, logs, session, uploads) or 3's ``application/cache`` and
    ``application/logs`` (beside its ``system/``)."""
    if repo.exists("spark") or repo.glob("writable/*"):
        for part in ("cache", "logs", "session"):
            yield base.volume(f"writable/{part}", src, I, purpose=part, storage="emptyDir", relative_to="repo",
                              written_by=f"CodeIgniter 4 (writable/{part})")
        yield base.volume("writable/uploads", src, I, purpose="uploads", relative_to="repo",
                          written_by="CodeIgniter 4 uploads ($file->move(WRITEPATH . 'uploads'))")
        return
    root = src.file[: -len("system/core/CodeIgniter.php")] if src.file.endswith("system/core/CodeIgniter.php") else ""
    for part in ("cache", "logs"):
        yield base.volume(f"{root}application/{part}", src, I, purpose=part, storage="emptyDir", relative_to="repo",
                          written_by=f"CodeIgniter 3 (application/{part}, its default {part} path)")


def _line_at(repo: RepoView, rel: str, needle: str) -> Src | None:
    """Where ``needle`` is first written in ``rel`` (a config line that names a directory), or None."""
    for number, line in enumerate(repo.lines(rel) if repo.exists(rel) else [], 1):
        if needle in line.replace('"', "'") and not line.lstrip().startswith(("//", "#", "*")):
            return Src(NAME, rel, number)
    return None


def _wp_content(repo: RepoView, fw: Framework) -> str:
    root = "" if fw.document_root in (".", "") else fw.document_root + "/"
    if not repo.exists(f"{root}wp-content") and repo.glob(f"{root}app/*") and not repo.glob(f"{root}wp-content/*"):
        return f"{root}app"  # Bedrock: web/app is the content directory
    return f"{root}wp-content"


_WRITE_CALLS = {"file_put_contents": 0, "fopen": 0, "mkdir": 0, "touch": 0, "move_uploaded_file": 1,
                "error_log": 2, "copy": 1, "rename": 1, "tempnam": 0, "streamhandler": 0, "rotatingfilehandler": 0}
_LOG_WRITES = frozenset({"error_log", "streamhandler", "rotatingfilehandler"})
_KEPT = re.compile(r"(^|/)(data|db|storage|uploads?|files|media|shared|attachments)(/|$)|^/(var/lib|srv)(/|$)")
_SCRATCH = ("/tmp", "/dev", "/proc", "/sys", "/var/tmp", "php://")  # noqa: S108 - /tmp is already an emptyDir
# a Laravel path helper with a literal argument, or one that starts with a literal ('exports/' . $name)
_HELPERS = re.compile(r"^(storage_path|base_path|public_path|app_path|database_path)"
                      r"""\(\s*(?:['"]([^'"]*)['"])?\s*(\)$|\.)""")
_HELPER_DIRS = {"storage_path": "storage", "base_path": "", "public_path": "public", "app_path": "app",
                "database_path": "database"}
_DIRNAME = re.compile(r"^dirname\(\s*(__FILE__|__DIR__)\s*(?:,\s*(\d+)\s*)?\)$")


def _code_writes(fw: Framework | None, files: list[Source]) -> Iterator[Item]:
    root = fw.document_root if fw is not None else "."
    covered = _covered(fw)
    best: dict[str, Item] = {}
    for source in files:
        for call in [*source.parsed.calls, *_log_handlers(source.parsed)]:
            index = _WRITE_CALLS.get(call.lname)
            if index is None or index >= len(call.args):
                continue
            if call.lname == "fopen" and not _writing_mode(call.arg(1)):
                continue
            if call.lname == "error_log" and call.arg(1) != 3:
                continue  # error_log($msg) goes to the SAPI's log; only type 3 appends to a file
            path = _path_of(call.args[index], source.rel, root)
            if path is None:
                continue
            directory = path if call.lname == "mkdir" and "*" not in path else posixpath.dirname(path)
            directory = posixpath.normpath(directory.rstrip("/") or ".")
            if directory in ("", ".") or directory.startswith(("..", *_SCRATCH)) or \
                    any(directory == c or directory.startswith(c + "/") for c in covered):
                continue
            upload = call.lname == "move_uploaded_file"
            storage = "pvc" if upload or _KEPT.search(directory) else "emptyDir"
            logs = call.lname in _LOG_WRITES or "log" in directory.rsplit("/", 1)[-1]
            purpose = "uploads" if upload else "logs" if logs else "data" if storage == "pvc" else "temp"
            best.setdefault(directory, base.volume(
                directory, Src(NAME, source.rel, call.line), I, purpose=purpose, storage=storage,
                relative_to=None if directory.startswith("/") else "repo", written=path,
                written_by=f"{call.name} ({source.rel}:{call.line})"))
    yield from best.values()


_LOG_HANDLERS = frozenset({"Monolog\\Handler\\StreamHandler", "Monolog\\Handler\\RotatingFileHandler"})


def _log_handlers(parsed: PhpFile) -> Iterator[Call]:
    """Monolog's file handlers as writes: ``new StreamHandler($path)`` appends to
    ``$path`` (through an env read, its default: ``getenv('LOG_FILE') ?: __DIR__.'/../var/log/app.log'``)."""
    for created in parsed.creations:
        if parsed.resolve(created.name) not in _LOG_HANDLERS or not created.args:
            continue
        path = created.args[0].default if isinstance(created.args[0], EnvRef) else created.args[0]
        if isinstance(path, str) and path.startswith("php://"):
            continue
        yield Call(created.name.rsplit("\\", 1)[-1], (path,), created.line, {}, created.node)


def _covered(fw: Framework | None) -> tuple[str, ...]:
    """Directories the framework's own volumes already cover (a write there needs no other mount)."""
    if fw is None:
        return ()
    return {"laravel": ("storage", "bootstrap/cache"), "symfony": ("var", "app/cache", "app/logs"),
            "wordpress": ("wp-content/uploads", "wp-content/cache", "web/app/uploads")}.get(fw.name, ())


def _writing_mode(mode: PhpValue) -> bool:
    return isinstance(mode, str) and bool(re.match(r"[waxc]", mode))


def _path_of(value: PhpValue, rel: str, root: str) -> str | None:
    """The repo-relative (or absolute) path a write names, when it is literal enough: a string (relative to
    the document root: PHP's working directory under Apache is the front controller's), ``__DIR__ . '/x'``,
    ``dirname(__FILE__) . '/x'``, ``storage_path('x')``; a non-literal tail is the file's name."""
    here = posixpath.dirname(rel)
    parts = value.parts if isinstance(value, Interp) else (value,)
    out = ""
    for i, part in enumerate(parts):
        if isinstance(part, str):
            out += part
            continue
        if i > 0:
            out += "*"  # the file's name (or a directory below) is computed: the directory before it stands
            break
        base_dir = _base_of(part, here)
        if base_dir is None:
            return None
        out = base_dir
        if out.endswith("*"):
            break
    if not out or "*" in out.split("/")[0]:
        return None
    if out.startswith("/") and isinstance(parts[0], str):
        return out
    if isinstance(parts[0], str):
        return posixpath.normpath(posixpath.join(root, out)) if not out.startswith("/") else out
    return posixpath.normpath(out.lstrip("/")) if not out.startswith("//") else None


def _base_of(part: PhpValue, here: str) -> str | None:
    """The directory a non-literal first part stands for (``__DIR__``, ``dirname(__FILE__, 2)``, helpers)."""
    if isinstance(part, Const) and part.text in ("__DIR__",):
        return here
    if isinstance(part, Unknown):
        m = _DIRNAME.match(part.text)
        if m:
            # dirname(__FILE__) is the file's directory, dirname(__DIR__) its parent; a second argument climbs more
            levels = int(m.group(2) or 1) - (1 if m.group(1) == "__FILE__" else 0)
            out = here
            for _ in range(levels):
                out = posixpath.dirname(out)
            return out
        m = _HELPERS.match(part.text)
        if m:
            return posixpath.join(_HELPER_DIRS[m.group(1)], m.group(2) or "") + ("*" if m.group(3) == "." else "")
    return None


def _path_value(value: PhpValue) -> str | None:
    """A path from a literal or a Laravel path helper (``database_path('database.sqlite')``)."""
    if isinstance(value, str):
        return value
    if isinstance(value, Unknown):
        m = _HELPERS.match(value.text)
        if m and m.group(3) == ")":
            return posixpath.join(_HELPER_DIRS[m.group(1)], m.group(2) or "")
    return None


