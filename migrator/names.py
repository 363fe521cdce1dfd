"""Names derived from paths and app names: image repositories and tags, container, network and
Kubernetes object names, namespaces, kind clusters. One module makes them and checks them.

A checkout directory is whatever the user cloned into (``owner+name``, ``My App``, ``Näme``,
``2024.backup``, 300 characters, or only characters no rule allows); a Procfile type or a crontab
command is whatever its author typed. Every rule here gives a valid name for any input, the same name
for the same input, and :func:`disambiguate` keeps names that collide after sanitising apart (and says
which ones did), so no process or schedule is ever lost.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

DNS_LABEL_MAX = 63
_NON_DNS = re.compile(r"[^a-z0-9]+")
_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_NON_DOCKER = re.compile(r"[^A-Za-z0-9_.-]+")
_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
_KIND_CLUSTER = re.compile(r"[a-z0-9]([a-z0-9.-]{0,48}[a-z0-9])?")

# The Docker reference grammar (distribution/reference): [domain[:port]/]path[/path...][:tag][@digest]
_DOMAIN_PART = r"(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])"
_DOMAIN = rf"(?:{_DOMAIN_PART}(?:\.{_DOMAIN_PART})*(?::[0-9]+)?)"
_PATH_PART = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_NAME = rf"(?:{_DOMAIN}/)?{_PATH_PART}(?:/{_PATH_PART})*"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
_REFERENCE = re.compile(rf"(?P<name>{_NAME})(?::{_TAG.pattern})?(?:@{_DIGEST})?")
# The same grammars as plain patterns (no named groups), for JSON Schema.
IMAGE_REFERENCE_PATTERN = rf"{_NAME}(?::{_TAG.pattern})?(?:@{_DIGEST})?"
REGISTRY_PATTERN = rf"{_DOMAIN}(?:/{_PATH_PART})*"
_REPOSITORY = re.compile(_NAME)
_REGISTRY = re.compile(REGISTRY_PATTERN)


def ascii_fold(text: str) -> str:
    """``Näme`` -> ``Name``: accents dropped (NFKD), anything without an ASCII form removed."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def dns_label(text: str, fallback: str = "app", limit: int = DNS_LABEL_MAX) -> str:
    """A DNS-1035 label: lower-case letters, digits and dashes, starting with a letter and ending with
    a letter or digit, at most ``limit`` characters; ``fallback`` when nothing usable is left.

    A leading digit gets ``fallback``'s first letter and a dash (``2fa`` -> ``a-2fa``), so the name keeps
    what the user recognises.
    """
    out = _NON_DNS.sub("-", ascii_fold(text).lower()).strip("-")
    if out and not out[0].isalpha():
        out = f"{fallback[0]}-{out}"
    return out[:limit].strip("-") or fallback


def is_dns_label(text: str, limit: int = DNS_LABEL_MAX) -> bool:
    """True for a DNS-1123 label (Kubernetes namespaces and most object names)."""
    return len(text) <= limit and _DNS_LABEL.fullmatch(text) is not None


def image_repository(text: str, prefix: str = "") -> str:
    """An image repository for ``text`` (a directory or app name), under ``prefix`` when given."""
    name = dns_label(text, "app", 128)
    return f"{prefix.rstrip('/')}/{name}" if prefix else name


def image_tag(text: str) -> str:
    """A valid image tag: ``[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}``."""
    out = _NON_DOCKER.sub("-", ascii_fold(text)).lstrip(".-")[:128]
    return out or "untagged"


def docker_name(*parts: str) -> str:
    """A container, network or volume name made of ``parts`` joined by dashes:
    ``[a-zA-Z0-9][a-zA-Z0-9_.-]*`` (what the Docker Engine accepts)."""
    out = _NON_DOCKER.sub("-", ascii_fold("-".join(p for p in parts if p))).lstrip("._-")
    return out or "migrate"


def hostname(text: str) -> str:
    """A host name (a DNS-1123 label) for ``text``: what a container may call itself."""
    out = _NON_DNS.sub("-", ascii_fold(text).lower()).strip("-")
    return out[:DNS_LABEL_MAX].strip("-") or "host"


def with_suffix(name: str, suffix: str, limit: int = DNS_LABEL_MAX) -> str:
    """``name`` + ``suffix`` within ``limit``: the name is shortened, never the suffix that keeps it apart
    (``<cronjob>-manual-<run id>``: cutting the run id off the end made two runs' Jobs collide)."""
    return f"{name[: max(limit - len(suffix), 1)].rstrip('-.')}{suffix}"


def is_image_reference(text: str) -> bool:
    """True for a Docker image reference: ``[registry[:port]/]path[:tag][@digest]``."""
    m = _REFERENCE.fullmatch(text)
    return m is not None and len(m.group("name")) <= 255


def is_image_repository(text: str) -> bool:
    """True for an image reference without tag or digest."""
    return len(text) <= 255 and _REPOSITORY.fullmatch(text) is not None


def is_image_tag(text: str) -> bool:
    return _TAG.fullmatch(text) is not None


def is_registry(text: str) -> bool:
    """True for ``host[:port][/path...]`` (what an image repository is prefixed with)."""
    return _REGISTRY.fullmatch(text) is not None


def is_kind_cluster_name(text: str) -> bool:
    """True for a kind cluster name (kind prefixes node container names with it, so it stays short)."""
    return _KIND_CLUSTER.fullmatch(text) is not None


@dataclass(frozen=True)
class Renamed:
    """``key`` could not have ``wanted``: ``holder`` (another key) sanitises to the same name."""

    key: str
    name: str
    wanted: str
    holder: str


def disambiguate(wanted: Sequence[tuple[str, str]], limit: int = DNS_LABEL_MAX
                 ) -> tuple[dict[str, str], tuple[Renamed, ...]]:
    """Unique names for ``(key, wanted name)`` pairs, deterministically; and who was renamed.

    Among the keys that want one name, the key spelled exactly like it keeps it, else the first in
    ``wanted``'s order (callers pass a sorted order). The others get ``-2``, ``-3`` ... (shortened to fit
    ``limit``), skipping every name some key wants, so a real ``worker-1-2`` keeps its own name.
    """
    by_name: dict[str, list[str]] = {}
    for key, name in wanted:
        by_name.setdefault(name, []).append(key)
    taken = set(by_name)
    out: dict[str, str] = {}
    renamed: list[Renamed] = []
    for name, keys in by_name.items():
        holder = next((k for k in keys if k == name), keys[0])
        out[holder] = name
        counter = 1
        for key in keys:
            if key == holder:
                continue
            candidate = name
            while candidate in taken:
                counter += 1
                suffix = f"-{counter}"
                candidate = f"{name[: limit - len(suffix)].rstrip('-')}{suffix}"
            taken.add(candidate)
            out[key] = candidate
            renamed.append(Renamed(key, candidate, name, holder))
    return out, tuple(renamed)


def describe(renamed: Iterable[Renamed], what: str, where: dict[str, str] | None = None) -> list[str]:
    """One sentence per renamed key, naming both sources (``where``: key -> file:line)."""
    where = where or {}

    def src(key: str) -> str:
        return f"{key!r} ({where[key]})" if key in where else repr(key)

    return [f"{what} {src(r.key)} and {src(r.holder)} both sanitise to {r.wanted!r}: "
            f"{r.key!r} is named {r.name!r}" for r in renamed]
