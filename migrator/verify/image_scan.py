"""Look inside the built image for secrets the ``.dockerignore`` should have kept out.

The image is never run for this: a container is *created* (not started), the app directory (the
image's ``WORKDIR``, where the Dockerfile copies the build context) is read as a tar stream through the
Docker API, and every file is judged by its path and its first bytes:

- private keys (a ``-----BEGIN ... PRIVATE KEY-----`` block under any name), keystores, credential
  files, dotenv files (templates such as ``.env.example`` are fine), Kubernetes Secret manifests;
- every file where the analysis located a hard-coded secret (``secrets_found``).

Installed dependencies (``node_modules`` and the other directories no provider's source lives in) are the
package manager's files, not the build context's: they are not judged (dotenv's README carries an
example key block). Only file names and kinds are reported, never a byte of a file. A file whose only
secrets are fallback defaults the deployment overrides (``os.getenv("SECRET_KEY", "...")`` in settings
the app imports) is reported as a warning: the app cannot run without the file, and MIGRATION.md says
to remove the value.
"""

from __future__ import annotations

import io
import posixpath
import tarfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from migrator.secret_files import PRIVATE_KEY_MARKER, needs_content, secret_file_kind

HEAD_BYTES = 64 * 1024  # enough for any key block; a file's first bytes are all that is read
DEFAULT_APP_DIR = "/app"


@dataclass(frozen=True)
class ImageScan:
    """What the scan found: ``(path, why)`` pairs; ``fallbacks`` do not fail the verification."""

    app_dir: str
    files: int
    secrets: tuple[tuple[str, str], ...] = ()
    fallbacks: tuple[tuple[str, str], ...] = field(default=())

    def describe(self) -> str:
        if not self.secrets and not self.fallbacks:
            return f"{self.files} files under {self.app_dir}: no private key, dotenv file or hard-coded secret"
        lines = []
        if self.secrets:
            lines.append(f"{len(self.secrets)} secret-bearing file(s) in the image under {self.app_dir} "
                         "(exclude them in .dockerignore, or move the values to the Secret):")
            lines += [f"  {path}: {why}" for path, why in self.secrets]
        if self.fallbacks:
            lines.append("fallback defaults baked into the image (the Secret overrides them; remove them, see "
                         "MIGRATION.md):")
            lines += [f"  {path}: {why}" for path, why in self.fallbacks]
        return "\n".join(lines)


def scan_image(client: Any, image: str, secret_files: Mapping[str, bool], *, labels: Mapping[str, str] | None = None
               ) -> ImageScan:
    """Scan ``image``'s app directory; ``secret_files`` maps a repo path from ``secrets_found`` to whether
    all its secrets are fallback defaults."""
    attrs = client.images.get(image).attrs or {}
    app_dir = ((attrs.get("Config") or {}).get("WorkingDir") or DEFAULT_APP_DIR).rstrip("/") or "/"
    # created, never started: nothing from the repo (or the image) runs
    container = client.containers.create(image, entrypoint=[""], command=["/nonexistent"], labels=dict(labels or {}))
    try:
        stream, _ = container.get_archive(app_dir)
        return judge(app_dir, _members(_ChunkReader(stream)), secret_files)
    finally:
        container.remove(force=True)


def judge(app_dir: str, members: Iterable[tuple[str, bytes]], secret_files: Mapping[str, bool]) -> ImageScan:
    """The verdict on ``(path relative to the app dir, first bytes)`` pairs."""
    secrets: list[tuple[str, str]] = []
    fallbacks: list[tuple[str, str]] = []
    count = 0
    skipped = _dependency_dirs()
    for rel, head in members:
        if skipped.intersection(rel.split("/")[:-1]):
            continue
        count += 1
        if rel in secret_files:
            if secret_files[rel]:
                fallbacks.append((rel, "hard-coded fallback default (secrets_found)"))
            else:
                secrets.append((rel, "hard-coded secret found by the analysis (secrets_found)"))
            continue
        kind = secret_file_kind(rel, head if needs_content(rel) else None)
        if kind is None and PRIVATE_KEY_MARKER.search(head):
            kind = "private_key"
        if kind is not None:
            secrets.append((rel, kind.replace("_", " ")))
    return ImageScan(app_dir, count, tuple(sorted(secrets)), tuple(sorted(fallbacks)))


def _dependency_dirs() -> frozenset[str]:
    from analyzers import registry

    return frozenset(registry.pruned().names) - {".git"}  # a .git in the image is the context's: judged


def _members(stream: io.RawIOBase) -> Iterator[tuple[str, bytes]]:
    """Regular files of a ``get_archive`` tar stream: path below the archived directory, first bytes."""
    with tarfile.open(fileobj=stream, mode="r|") as tar:
        for member in tar:
            if not member.isfile():
                continue
            parts = posixpath.normpath(member.name).split("/")
            rel = "/".join(parts[1:])  # the archive's top entry is the directory itself
            data = tar.extractfile(member)
            head = data.read(HEAD_BYTES) if data is not None else b""
            yield rel, head


class _ChunkReader(io.RawIOBase):
    """A readable file over the Docker SDK's iterator of byte chunks (tarfile reads it as a stream)."""

    def __init__(self, chunks: Iterable[bytes]):
        self._chunks = iter(chunks)
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        while not self._buffer:
            try:
                self._buffer = next(self._chunks)
            except StopIteration:
                return 0
        n = min(len(target), len(self._buffer))
        target[:n] = self._buffer[:n]
        self._buffer = self._buffer[n:]
        return n
