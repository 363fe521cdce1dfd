"""Container image references (``python:3.12-slim``, ``registry.corp/base/py:3.9``, ``postgres:15``) and
what they say: a Python version, a backing service and its version, a reverse proxy.

Only Docker Hub's official images are taken at their word (``python:3.12-slim`` is CPython 3.12); a
private or unknown base may say a version in its name or tag, which is a hint, never the base we use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from analyzers.providers.python.python_version import split_version

_HUB = {"docker.io", "index.docker.io", "registry-1.docker.io"}
# Official (and widely used vendor) images of backing services -> service kind.
_SERVICES = {
    "postgres": "postgres", "postgis": "postgres", "timescaledb": "postgres", "mysql": "mysql", "mariadb": "mysql",
    "percona": "mysql", "redis": "redis", "redis-stack": "redis", "valkey": "redis", "keydb": "redis",
    "rabbitmq": "rabbitmq", "memcached": "memcached", "elasticsearch": "elasticsearch", "opensearch": "elasticsearch",
    "mongo": "mongodb", "mongodb": "mongodb", "mongodb-community-server": "mongodb",
}
PROXIES = frozenset({"nginx", "caddy", "traefik", "haproxy", "httpd", "varnish", "envoy", "openresty", "apache2"})
_TAG_VERSION = re.compile(r"^v?(\d+(?:\.\d+){0,2})")
_PY_IN_TAG = re.compile(r"(?:^|[-_/:])(?:python|py)-?([23]\.\d{1,2})(?:\b|$)")


@dataclass(frozen=True)
class ImageRef:
    """``[registry/]path[:tag][@digest]``."""

    registry: str | None
    path: str
    tag: str | None

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def official(self) -> bool:
        """A Docker Hub official image (``python``, ``library/python``, ``docker.io/library/python``)."""
        return (self.registry is None or self.registry in _HUB) and (
            "/" not in self.path or self.path.startswith("library/"))

    def __str__(self) -> str:
        where = f"{self.registry}/" if self.registry else ""
        return f"{where}{self.path}" + (f":{self.tag}" if self.tag else "")


def image_ref(image: str) -> ImageRef | None:
    """Parse an image reference; None when it is empty, ``scratch`` or still holds a variable."""
    image = image.strip().split("@", 1)[0]
    if not image or "$" in image or "{" in image or image == "scratch":
        return None
    first, _, rest = image.partition("/")
    registry = None
    if rest and ("." in first or ":" in first or first == "localhost"):
        registry, image = first, rest
    path, tag = image, ""
    if ":" in image.rsplit("/", 1)[-1]:
        path, _, tag = image.rpartition(":")
    return ImageRef(registry, path.lower(), tag or None)


def python_version(ref: ImageRef) -> tuple[str, str] | None:
    """(major.minor, full) the image's tag says: ``python:3.12.1-slim`` -> ("3.12", "3.12.1"); a non-official
    image only through a ``python3.9``/``py3.9`` part of its name or tag."""
    if ref.name == "python" and ref.tag:  # official, or a private mirror/base named after it
        m = _TAG_VERSION.match(ref.tag)
        return split_version(m.group(1)) if m else None
    m = _PY_IN_TAG.search(f"{ref.path}:{ref.tag or ''}".lower())
    return split_version(m.group(1)) if m else None


def is_python(ref: ImageRef) -> bool:
    return ref.name in ("python", "pypy") or "python" in ref.name or _PY_IN_TAG.search(ref.tag or "") is not None


def service(ref: ImageRef) -> tuple[str, str | None] | None:
    """(service kind, version) of a backing-service image: ``postgres:15-alpine`` -> ("postgres", "15")."""
    kind = _SERVICES.get(ref.name)
    if kind is None:
        return None
    m = _TAG_VERSION.match(ref.tag or "")
    return kind, m.group(1) if m else None


def is_proxy(ref: ImageRef) -> bool:
    return ref.name in PROXIES
