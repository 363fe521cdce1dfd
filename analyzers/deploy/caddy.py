"""Caddyfiles -> ingress hosts, TLS, the body size limit, static paths, media volumes and the web port.

Caddy in front of the app on the legacy host is replaced by the Ingress (a supervisor program or
systemd unit running it is a host step, see :func:`analyzers.commands.host_only`); its config says
what the Ingress and the web process need. Files: ``Caddyfile``, ``Caddyfile.*``, ``*.caddyfile``
(and their templates), parsed by :mod:`analyzers.lib.caddy_parse`.

Choices:

* each site address with a real host name is an ingress host (``:80``, ``localhost``, IPs and
  ``{$VAR}`` placeholders are not); Caddy serves HTTPS automatically for a host name unless the address
  says ``http://`` or port 80, so that is ``tls``;
* ``request_body { max_size 20MB }`` -> ``max_body_size`` (``20m``, the Ingress annotation's unit);
* the site's main ``reverse_proxy`` (no path matcher, else the first one) gives the web port (INFERRED),
  several upstreams a replicas hint (HEURISTIC), ``health_uri`` a health check;
* ``handle_path /static/* { root * DIR; file_server }`` -> static path and root (``handle`` keeps the
  prefix, so its root is ``DIR/static``); a media/upload path -> a volume (INFERRED).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from analyzers import base
from analyzers.base import H, I, Item, Src
from analyzers.deploy.hostcfg import strip_template
from analyzers.lib.caddy_parse import Node, Site, parse
from migrator.model import Value
from migrator.repo import RepoView

NAME = "caddy"

_FILE = re.compile(r"^(Caddyfile([.-][\w.-]+)?|[\w.-]+\.caddyfile)$", re.IGNORECASE)
_MEDIA = re.compile(r"(^|/)(media|uploads?|user[-_]?files|files)(/|$)", re.IGNORECASE)
_IPV4 = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")
_SIZE = re.compile(r"^(\d+)\s*([kmgt])i?b?$", re.IGNORECASE)
_ROUTES = ("handle", "handle_path", "route")


def config_files(repo: RepoView) -> list[str]:
    return [rel for rel in repo.files() if _FILE.match(strip_template(rel).rsplit("/", 1)[-1])]


def analyze(repo: RepoView) -> Iterator[Item]:
    for rel in config_files(repo):
        parsed = parse(repo.read_text(rel) or "")
        src = Src(NAME, rel)
        for line, message in parsed.problems:
            yield base.warning(src.at(line), message)
        for site in parsed.sites:
            yield from _site(site, src)


def host_of(address: str) -> tuple[str | None, bool]:
    """(host name or None, served over TLS) of a site address such as ``https://example.com:443``."""
    scheme, sep, rest = address.partition("://")
    if not sep:
        scheme, rest = "", address
    hostport = rest.split("/", 1)[0]
    host, _, port = hostport.rpartition(":") if re.search(r":\d+$", hostport) else (hostport, "", "")
    host = host.lower().lstrip("*.")
    tls = scheme != "http" and port != "80"
    if not host or "{" in host or "$" in host or host == "localhost" or _IPV4.match(host) or "." not in host:
        return None, tls
    return host, tls


def _site(site: Site, src: Src) -> Iterator[Item]:
    hosts = [(h, tls) for h, tls in map(host_of, site.addresses) if h]
    fields: list[tuple[int, dict[str, Value]]] = []
    size = _find(site.directives, "max_size")
    if size is not None and size.args:
        m = _SIZE.match(size.args[0])
        fields.append((size.line, {"max_body_size": f"{m.group(1)}{m.group(2).lower()}" if m else size.args[0]}))
    static, media = _files(site.directives)
    if static:
        path, root, line = static[0]
        fields.append((line, {"static_path": path, "static_root": root}))
    proxies = list(_proxies(site.directives, ""))
    paths = tuple(dict.fromkeys(p or "/" for p, _ in proxies))
    for host, tls in hosts:
        main_path = "/" if "/" in paths else (paths[0] if paths else None)
        yield base.ingress(host, src.at(site.line), base.D, path=main_path, paths=paths or None,
                           tls=True if tls else None)
        for line, values in fields:
            yield base.ingress(host, src.at(line), base.D, **values)
    for path, root, line in media:
        yield base.volume(root, src.at(line), I, purpose="media", url_path=path)
    yield from _web(proxies, src)


def _find(nodes: list[Node], name: str) -> Node | None:
    for n in nodes:
        if n.name == name:
            return n
        found = _find(n.block or [], name)
        if found is not None:
            return found
    return None


def _path(args: list[str]) -> str | None:
    """A path matcher (``/static/*``) at the start of a directive's arguments."""
    return args[0] if args and args[0].startswith("/") else None


def _files(nodes: list[Node]) -> tuple[list[tuple[str, str, int]], list[tuple[str, str, int]]]:
    """(static, media) as (url path, directory, line) from ``handle``/``handle_path`` blocks with a
    ``file_server`` and a ``root``."""
    static: list[tuple[str, str, int]] = []
    media: list[tuple[str, str, int]] = []
    for n in nodes:
        if n.name not in _ROUTES or n.block is None:
            continue
        path = _path(n.args)
        if path is None:
            continue
        url = path.rstrip("*").rstrip("/") + "/"
        root = next((r for r in n.block if r.name == "root" and r.args), None)
        serves = any(r.name == "file_server" for r in n.block)
        if root is None or not serves or any(r.name == "reverse_proxy" for r in n.block):
            continue
        folder = root.args[-1].rstrip("/")
        if n.name != "handle_path":  # handle keeps the prefix: the files are under root + path
            folder = f"{folder}/{url.strip('/')}"
        (media if _MEDIA.search(url) else static).append((url, folder, root.line))
    return static, media


def _proxies(nodes: list[Node], prefix: str) -> Iterator[tuple[str, Node]]:
    """(path prefix, reverse_proxy directive) for every reverse_proxy, through handle/route blocks."""
    for n in nodes:
        if n.name == "reverse_proxy":
            path = _path(n.args)
            yield (path.rstrip("*") if path else prefix), n
        elif n.name in _ROUTES and n.block is not None:
            path = _path(n.args)
            yield from _proxies(n.block, path.rstrip("*") if path else prefix)


def _upstreams(node: Node) -> list[tuple[str, int]]:
    words = [a for a in node.args if not a.startswith(("/", "@", "*"))]
    words += [a for sub in node.block or [] if sub.name == "to" for a in sub.args]
    out = []
    for word in words:
        m = re.search(r":(\d+)$", re.sub(r"^[a-z+]+://", "", word))
        if m and not word.startswith("unix/"):
            out.append((word, int(m.group(1))))
    return out


def _web(proxies: list[tuple[str, Node]], src: Src) -> Iterator[Item]:
    if not proxies:
        return
    ranked = sorted(proxies, key=lambda p: 0 if p[0] in ("", "/") else 1)
    path, node = ranked[0]
    upstreams = _upstreams(node)
    if not upstreams:
        return
    yield base.process("web", src.at(node.line), I, port=upstreams[0][1], role="web")
    if len(upstreams) > 1:
        yield base.process("web", src.at(node.line), H, replicas=len(upstreams))
    health = next((sub for sub in node.block or [] if sub.name == "health_uri" and sub.args), None)
    if health is not None:
        yield base.health_check(health.args[0], src.at(health.line), I, port=upstreams[0][1])
    for other_path, other in ranked[1:]:
        ports = {p for _, p in _upstreams(other)}
        if ports and upstreams[0][1] not in ports:
            yield base.warning(src.at(other.line), f"{other_path or '/'} proxies to port {sorted(ports)[0]}, "
                               f"another backend than the web process (port {upstreams[0][1]}); not modelled")
