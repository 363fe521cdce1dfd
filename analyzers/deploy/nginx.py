"""nginx site configs -> ingress hosts, the web process port, static paths and media volumes.

Files are parsed by :mod:`analyzers.lib.nginx_parse`, which keeps the line of every directive;
``include`` inside ``server``/``location`` blocks is spliced in here when the file is in the repo
(host-only includes such as ``proxy_params`` are simply absent). A broken file (unbalanced braces, a
missing ``;``) gives a warning and everything that parsed is still used.

Choices:

* each real ``server_name`` is an ingress host (``_``, ``localhost``, IPs, regexes and template
  variables are not); TLS from ``ssl_certificate``/``listen ... ssl``; ``client_max_body_size``
  (server, else http level) -> ``max_body_size``; proxied prefix locations -> ``paths``;
* the backend of ``location /`` (else a named location, else the first proxied one) is the web
  process: ``proxy_pass``/``uwsgi_pass``/``fastcgi_pass`` to ``host:port`` or to an ``upstream``
  gives its port (INFERRED); an upstream with several servers hints at that many replicas (HEURISTIC);
* ``location /static/ { alias ... }`` -> ``static_path``/``static_root`` on the ingress (the image can
  serve them); media/upload aliases -> a ``volume`` (INFERRED, ``purpose="media"``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from analyzers import base
from analyzers.base import H, I, Item, Src
from analyzers.deploy.hostcfg import host_glob, strip_template
from analyzers.lib import nesting
from analyzers.lib.nginx_parse import Directive, ParseResult, parse
from migrator.model import Value
from migrator.repo import RepoView, join, normalize

NAME = "nginx"

_CONF_DIRS = {"nginx", "sites-available", "sites-enabled", "conf.d", "deploy"}
_LOOKS_NGINX = re.compile(r"^\s*(server|upstream|http|location)\b[^\n;]*\{", re.MULTILINE)
_IPV4 = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")
_PASS = {"proxy_pass": "http", "uwsgi_pass": "uwsgi", "fastcgi_pass": "fastcgi", "grpc_pass": "grpc"}
_MEDIA = re.compile(r"(^|/)(media|uploads?|user[-_]?files|files)(/|$)", re.IGNORECASE)
MAX_INCLUDE_DEPTH = 5


def config_files(repo: RepoView) -> list[str]:
    """nginx configs: ``nginx.conf``, ``*.conf`` under nginx/sites-*/conf.d/deploy, site files, templates."""
    out = []
    for rel in repo.files():
        path = strip_template(rel)
        parts = path.split("/")
        dirs = set(parts[:-1])
        if (
            parts[-1] == "nginx.conf"
            or (path.endswith(".conf") and dirs & _CONF_DIRS)
            or (dirs & {"sites-available", "sites-enabled"} and "." not in parts[-1])
        ):
            out.append(rel)
    return out


class _Context:
    """Parsed files (cached), upstreams from every config, and include resolution."""

    def __init__(self, repo: RepoView) -> None:
        self.repo = repo
        self.parsed: dict[str, ParseResult] = {}
        self.upstreams: dict[str, list[Directive]] = {}

    def load(self, rel: str) -> ParseResult:
        if rel not in self.parsed:
            self.parsed[rel] = parse(self.repo.read_text(rel) or "", rel)
        return self.parsed[rel]

    def resolve_include(self, from_file: str, pattern: str) -> list[str]:
        if "$" in pattern or "{{" in pattern:
            return []
        if not pattern.startswith("/"):
            # nginx resolves relative includes against its prefix (conf dir): try the including file's dir
            target = join(from_file, pattern)
            found = [] if target.startswith("../") else self.repo.glob(normalize(target))
            return found or self.repo.glob("*/" + normalize(pattern))
        return host_glob(self.repo, pattern)

    def expand(self, directives: list[Directive], depth: int = 0) -> list[Directive]:
        """``directives`` with ``include`` replaced by the included files' directives (when in the repo)."""
        out: list[Directive] = []
        for d in directives:
            if d.name == "include" and d.args and depth < MAX_INCLUDE_DEPTH:
                for rel in self.resolve_include(d.file, d.args[0]):
                    out.extend(self.expand(self.load(rel).directives, depth + 1))
            else:
                out.append(d)
        return out


def analyze(repo: RepoView) -> Iterator[Item]:
    """Ingress hosts, the web port, static paths and media volumes from every nginx config."""
    ctx = _Context(repo)
    seen_text: set[str] = set()
    files: list[str] = []
    for rel in config_files(repo):
        text = repo.read_text(rel)
        if not text or not _LOOKS_NGINX.search(text) or text in seen_text:
            continue  # not an nginx config (or a copy, e.g. sites-enabled -> sites-available)
        seen_text.add(text)
        files.append(rel)
        for line, message in ctx.load(rel).problems:
            yield base.warning(Src(NAME, rel, line), message)
    servers: list[tuple[Directive, list[Directive]]] = []
    for rel in files:
        # blocks within blocks 100,000 deep: that file is a warning, the other configs still count
        found: list[tuple[Directive, list[Directive]]] = []
        try:
            _collect(ctx.load(rel).directives, [], ctx, found)
        except RecursionError:
            yield nesting.too_deep(Src(NAME, rel), rel)
            continue
        servers += found
    for server, inherited in servers:
        yield from nesting.guard(functools.partial(_server, server, inherited, ctx), _src(server),
                                 f"server block in {server.file}")


def _collect(directives: list[Directive], inherited: list[Directive], ctx: _Context,
             servers: list[tuple[Directive, list[Directive]]]) -> None:
    """Find upstreams and server blocks at main/http level (``inherited`` = enclosing http directives)."""
    for d in directives:
        if d.block is None:
            continue
        if d.name == "upstream" and d.args:
            ctx.upstreams.setdefault(d.args[0], [s for s in d.block if s.name == "server" and s.args])
        elif d.name == "http":
            _collect(d.block, [x for x in d.block if x.block is None], ctx, servers)
        elif d.name == "server":
            servers.append((d, inherited))


def _server(server: Directive, inherited: list[Directive], ctx: _Context) -> Iterator[Item]:
    body = ctx.expand(server.block or [])
    hosts: list[tuple[str, Directive]] = []
    for d in body:
        if d.name == "server_name":
            for name in d.args:
                host = _host(name)
                if host is not None:
                    hosts.append((host, d))
                elif "{{" in name or "$" in name:
                    yield base.warning(_src(d), f"server_name {name} is a template variable; no ingress host")
    host_fields: list[tuple[Directive, dict[str, Value]]] = []
    for d in body:
        if d.name == "ssl_certificate" or (d.name == "listen" and "ssl" in d.args):
            host_fields.append((d, {"tls": True}))
            break
    size = _last(body, "client_max_body_size") or _last(inherited, "client_max_body_size")
    if size is not None and size.args:
        host_fields.append((size, {"max_body_size": size.args[0]}))
    locations = list(_locations(body, ctx))
    backends = [(loc, d) for loc, d in ((loc, _pass(loc)) for loc in locations) if d is not None]
    paths = tuple(dict.fromkeys(_path(loc) for loc, _ in backends if _modifier(loc) in ("", "^~")))
    static = [(loc, alias) for loc in locations if (alias := _alias(loc)) is not None and _pass(loc) is None
              and not _MEDIA.search(_path(loc)) and _modifier(loc) in ("", "^~") and _path(loc) != "/"]
    if static:
        loc, alias = static[0]
        host_fields.append((alias, {"static_path": _path(loc), "static_root": _root_of(loc, alias)}))
    for host, d in hosts:
        yield base.ingress(host, _src(d), base.D, path=_main_path(paths), paths=paths or None)
        for where, fields in host_fields:
            yield base.ingress(host, _src(where), base.D, **fields)
    for loc in locations:
        alias = _alias(loc)
        if alias is not None and _pass(loc) is None and _MEDIA.search(_path(loc)):
            yield base.volume(_root_of(loc, alias), _src(alias), I, purpose="media", url_path=_path(loc))
    yield from _web_port(backends, ctx)


def _main_path(paths: tuple[str, ...]) -> str | None:
    """The report's one ``path``: ``/`` when the whole site goes to the app, else the first proxied prefix."""
    if not paths:
        return None
    return "/" if "/" in paths else paths[0]


def _host(name: str) -> str | None:
    name = name.strip().lower()
    if name.startswith("."):
        name = name[1:]  # ".example.com" means example.com and its subdomains
    if (not name or name in ("_", "localhost", "default_server") or name.startswith("~") or _IPV4.match(name)
            or ":" in name or "$" in name or "{{" in name or "." not in name):
        return None
    return name


def _locations(directives: list[Directive], ctx: _Context) -> Iterator[Directive]:
    for d in directives:
        if d.name == "location" and d.block is not None:
            d.block = ctx.expand(d.block)
            yield d
            yield from _locations(d.block, ctx)


def _modifier(loc: Directive) -> str:
    return loc.args[0] if len(loc.args) > 1 else ""


def _path(loc: Directive) -> str:
    return loc.args[-1] if loc.args else ""


def _pass(loc: Directive) -> Directive | None:
    return next((d for d in loc.block or [] if d.name in _PASS and d.args), None)


def _alias(loc: Directive) -> Directive | None:
    return next((d for d in loc.block or [] if d.name in ("alias", "root") and d.args), None)


def _root_of(loc: Directive, alias: Directive) -> str:
    """The directory a static/media location serves: ``alias`` as is, ``root`` plus the location path."""
    path = alias.args[0] if alias.name == "alias" else alias.args[0].rstrip("/") + "/" + _path(loc).lstrip("/")
    return path.rstrip("/") or "/"


def _last(directives: list[Directive], name: str) -> Directive | None:
    found = [d for d in directives if d.name == name and d.block is None]
    return found[-1] if found else None


def _src(d: Directive) -> Src:
    return Src(NAME, d.file, d.line)


def _web_port(backends: list[tuple[Directive, Directive]], ctx: _Context) -> Iterator[Item]:
    """The primary backend's port (location /, else a named location, else the first proxied one)."""
    if not backends:
        return
    ranked = sorted(backends, key=lambda b: 0 if _path(b[0]) == "/" and not _modifier(b[0])
                    else 1 if _path(b[0]).startswith("@") else 2)
    primary_port: int | None = None
    for _, directive in ranked:
        target = _target(directive)
        if target is None:
            continue
        servers = ctx.upstreams.get(target[0])
        if servers:
            ports = [(s, _port_of(s.args[0], None)) for s in servers if not {"backup", "down"} & set(s.args[1:])]
            where, port = next(((s, p) for s, p in ports if p is not None), (None, None))
        else:
            where, port = directive, target[1]
        if port is None or where is None:
            continue
        if primary_port is None:
            primary_port = port
            protocol = _PASS[directive.name]
            yield base.process("web", _src(where), I, port=port, role="web",
                               protocol=None if protocol == "http" else protocol)
            if servers and len(ports) > 1:
                yield base.process("web", _src(servers[0]), H, replicas=len(ports))
        elif port != primary_port:
            yield base.warning(_src(directive), f"this location proxies to port {port}, another backend than the "
                                                f"web process (port {primary_port}); not modelled")


def _target(directive: Directive) -> tuple[str, int | None] | None:
    """(host or upstream name, explicit port) of a ``*_pass`` argument; None for variables and sockets."""
    arg = directive.args[0]
    if "$" in arg or "{{" in arg:
        return None
    arg = re.sub(r"^[a-z]+://", "", arg)
    if arg.startswith("unix:"):
        return None
    hostport = arg.split("/", 1)[0]
    return hostport.rsplit(":", 1)[0] if _port_of(hostport, None) else hostport, _port_of(hostport, None)


def _port_of(hostport: str, default: int | None) -> int | None:
    m = re.search(r":(\d{1,5})$", hostport)  # longer is no port (and int() refuses 4,300+ digits)
    return int(m.group(1)) if m else default
