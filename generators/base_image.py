"""Choose the base image in one place, for any runtime, so users can point it at their own registry.

The choice: ``--base-image`` / migrate.toml ``base_image`` when set; else the official slim image of
the detected runtime and version; else the runtime's documented default version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from migrator.model import AppModel

# runtime -> (image repository, tag template, default version). Slim Debian variants: small, glibc
# (manylinux wheels install without compilers), and apt for the system packages the app needs.
_IMAGES: dict[str, tuple[str, str, str]] = {
    "python": ("python", "{version}-slim", "3.11"),
    "node": ("node", "{version}-slim", "20"),
    "ruby": ("ruby", "{version}-slim", "3.3"),
}
DEFAULT_LANGUAGE = "python"


@dataclass(frozen=True)
class BaseImage:
    image: str
    language: str
    version: str
    reason: str  # where the choice came from, for the Dockerfile comment


def choose(model: AppModel, override: str | None = None) -> BaseImage:
    """The base image for ``model``; ``override`` (a full image reference) wins."""
    runtime = model.runtime
    language = str(runtime.get("language") or DEFAULT_LANGUAGE)
    repo, tag, default_version = _IMAGES.get(language, _IMAGES[DEFAULT_LANGUAGE])
    version = _major_minor(runtime.get("version"))
    if override:
        return BaseImage(override, language, version or default_version, "set by the user (base_image)")
    if version:
        fact = runtime.facts["version"]
        reason = f"{language} {version}: {fact.source.where()} ({fact.source.confidence.label})"
    else:
        version = default_version
        reason = f"{language} version unknown: documented default {default_version}"
    return BaseImage(f"{repo}:{tag.format(version=version)}", language, version, reason)


def _major_minor(value: object) -> str | None:
    m = re.match(r"^\s*(\d+)(?:\.(\d+))?", str(value)) if value is not None else None
    if not m:
        return None
    return f"{m.group(1)}.{m.group(2)}" if m.group(2) else m.group(1)
