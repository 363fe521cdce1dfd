"""haproxy configs -> ingress hosts, TLS, the web port, a replicas hint and the health check path.

haproxy in front of the app is replaced by the Ingress (its supervisor program or systemd unit is a
host step, see :func:`analyzers.commands.host_only`); its config says what the Ingress and the web
process need. Files: ``haproxy.cfg`` and ``*.cfg`` under a ``haproxy`` directory (and templates), read
by a small line-aware parser (sections ``global``/``defaults``/``frontend``/``backend``/``listen``).

Choices: the primary backend is the first frontend's ``default_backend`` (else the first backend or
``listen`` section with servers); its first server's port is the web port (INFERRED), several servers
a replicas hint (HEURISTIC), ``option httpchk``/``http-check send`` the health path (INFERRED). Hosts
come from ``hdr(host)``/``hdr_dom(host)``/``hdr_end(host)`` ACLs; ``bind ... ssl`` or a redirect to
https is ``tls``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from analyzers import base
from analyzers.base import H, I, Item, Src
from analyzers.deploy.hostcfg import strip_template
from migrator.repo import RepoView

NAME = "haproxy"

_SECTIONS = {"global", "defaults", "frontend", "backend", "listen", "userlist", "peers", "resolvers", "cache",
             "program", "http-errors", "ring", "mailers"}
_HOST_ACL = re.compile(r"\bhdr(?:_dom|_end|_beg|_reg)?\((?:host|Host)\)")
_IPV4 = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")


@dataclass
class Line:
    words: list[str]
    number: int


@dataclass
class Section:
    kind: str
    name: str
    line: int
    lines: list[Line] = field(default_factory=list)

    def all(self, keyword: str) -> list[Line]:
        return [ln for ln in self.lines if ln.words and ln.words[0] == keyword]


def config_files(repo: RepoView) -> list[str]:
    out = []
    for rel in repo.files():
        path = strip_template(rel)
        name = path.rsplit("/", 1)[-1]
        if name == "haproxy.cfg" or (path.endswith(".cfg") and "haproxy" in path.split("/")[:-1]):
            out.append(rel)
    return out


def parse(text: str) -> tuple[list[Section], list[tuple[int, str]]]:
    sections: list[Section] = []
    problems: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        words = raw.split("#", 1)[0].split() if not raw.lstrip().startswith("#") else []
        if not words:
            continue
        if words[0] in _SECTIONS and not raw[:1].isspace():
            sections.append(Section(words[0], words[1] if len(words) > 1 else "", number))
        elif not sections:
            problems.append((number, f"{words[0]!r} outside a section; ignored"))
        else:
            sections[-1].lines.append(Line(words, number))
    return sections, problems


def analyze(repo: RepoView) -> Iterator[Item]:
    for rel in config_files(repo):
        sections, problems = parse(repo.read_text(rel) or "")
        src = Src(NAME, rel)
        for line, message in problems:
            yield base.warning(src.at(line), message)
        yield from _config(sections, src)


def _config(sections: list[Section], src: Src) -> Iterator[Item]:
    fronts = [s for s in sections if s.kind in ("frontend", "listen")]
    backends = {s.name: s for s in sections if s.kind in ("backend", "listen")}
    for front in fronts:
        tls = next((ln for ln in front.all("bind") if "ssl" in ln.words), None) or next(
            (ln for ln in front.lines if ln.words[:2] == ["http-request", "redirect"] and "https" in ln.words), None)
        for acl in front.all("acl"):
            if _HOST_ACL.search(" ".join(acl.words)):
                for word in acl.words[3:]:
                    host = word.lower().split(":", 1)[0]
                    if not word.startswith("-") and "." in host and not _IPV4.match(host):
                        yield base.ingress(host, src.at(acl.number), base.D, path="/")
                        if tls is not None:
                            yield base.ingress(host, src.at(tls.number), base.D, tls=True)
    primary = _primary(fronts, backends, sections)
    if primary is None:
        return
    servers = [ln for ln in primary.all("server") if len(ln.words) > 2 and "backup" not in ln.words]
    ports = [(ln, int(m.group(1))) for ln in servers if (m := re.search(r":(\d+)$", ln.words[2]))]
    if ports:
        yield base.process("web", src.at(ports[0][0].number), I, port=ports[0][1], role="web")
        if len(ports) > 1:
            yield base.process("web", src.at(ports[0][0].number), H, replicas=len(ports))
    for ln in primary.lines:
        path = _check_path(ln.words)
        if path is not None:
            yield base.health_check(path, src.at(ln.number), I)


def _primary(fronts: list[Section], backends: dict[str, Section], sections: list[Section]) -> Section | None:
    for front in fronts:
        if front.kind == "listen" and front.all("server"):
            return front
        default = front.all("default_backend")
        if default and len(default[0].words) > 1 and default[0].words[1] in backends:
            return backends[default[0].words[1]]
    return next((s for s in sections if s.kind in ("backend", "listen") and s.all("server")), None)


def _check_path(words: list[str]) -> str | None:
    """``option httpchk GET /healthz`` / ``option httpchk /health`` / ``http-check send meth GET uri /x``."""
    if words[:2] == ["option", "httpchk"]:
        return next((w for w in words[2:] if w.startswith("/")), None)
    if words[:2] == ["http-check", "send"] and "uri" in words:
        index = words.index("uri") + 1
        return words[index] if index < len(words) and words[index].startswith("/") else None
    return None
