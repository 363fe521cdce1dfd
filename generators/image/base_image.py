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
    "node": ("node", "{version}-slim", "22"),  # the active LTS line (analyzers/providers/node/version.py)
    "ruby": ("ruby", "{version}-slim", "3.3"),
    # Apache with mod_php (prefork): one process per container, the shape docs/ and MIGRATION.md explain
    "php": ("php", "{version}-apache", "8.3"),
}
DEFAULT_LANGUAGE = "python"
# The python:X.Y-slim tags known to exist, and the ones the offline stand-ins of .ci/build-base-images.sh
# carry (a test checks that each tag's interpreter is the version it names). A newer release detected
# in a repo is still used as written (python:3.14-slim); an older Python 2 falls to 2.7, the only
# Python 2 image there is.
PYTHON_IMAGE_VERSIONS = ("2.7", "3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13")
# When each CPython minor reached its end of life (devguide, PEPs 373/494/537/569/596/619): no more
# security fixes, and its official image is no longer rebuilt. Only ends that are past, so generated
# files never depend on the day they are generated; add a release when its end has come.
PYTHON_END_OF_LIFE = {"2.7": "2020-01-01", "3.5": "2020-09-30", "3.6": "2021-12-23", "3.7": "2023-06-27",
                      "3.8": "2024-10-07", "3.9": "2025-10", "3.10": "2026-10"}


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
        # the version the Dockerfile is written for: the override's own tag (mirror/python:2.7-slim) first
        tagged = re.search(r":(\d+\.\d+)", override.rsplit("/", 1)[-1])
        return BaseImage(override, language, tagged.group(1) if tagged else version or default_version,
                         "set by the user (base_image)")
    if version:
        fact = runtime.facts["version"]
        reason = f"{language} {version}: {fact.source.where()} ({fact.source.confidence.label})"
        if language == "python" and version.startswith("2.") and version != "2.7":
            reason += "; python:2.7 is the only Python 2 image"
            version = "2.7"
    else:
        version = default_version
        reason = f"{language} version unknown: documented default {default_version}"
    return BaseImage(f"{repo}:{tag.format(version=version)}", language, version, reason)


def is_python2(base: BaseImage) -> bool:
    """Whether the image runs Python 2: no ``venv`` module, pip 20.3 at most, no f-strings."""
    return base.language == "python" and base.version.startswith("2.")


# Node lines whose end of life had come when this table was last checked (the generated files never depend
# on the day they are generated): analyzers/providers/node/version.py END_OF_LIFE, up to this date.
NODE_EOL_CHECKED = "2026-12-01"


# When each Ruby series reached its end of life (ruby-lang.org's branch maintenance list), up to
# NODE_EOL_CHECKED's date: 3.3 is maintained until 2027-03.
RUBY_END_OF_LIFE = {"1.9": "2015-02-23", "2.0": "2016-02-24", "2.1": "2017-03-31", "2.2": "2018-03-31",
                    "2.3": "2019-03-31", "2.4": "2020-03-31", "2.5": "2021-04-05", "2.6": "2022-04-12",
                    "2.7": "2023-03-31", "3.0": "2024-04-23", "3.1": "2025-03-26", "3.2": "2026-03-31"}


# When each PHP branch reached its end of security support (php.net's supported and unsupported versions
# lists; 8.1 and 8.2 got the extended four-year support), up to NODE_EOL_CHECKED's date: 8.2's end is later.
PHP_END_OF_LIFE = {"5.6": "2018-12-31", "7.0": "2019-01-10", "7.1": "2019-12-01", "7.2": "2020-11-30",
                   "7.3": "2021-12-06", "7.4": "2022-11-28", "8.0": "2023-11-26", "8.1": "2025-12-31",
                   "8.2": "2026-12-31"}


def end_of_life(base: BaseImage) -> str | None:
    """The open question to ask when the image's runtime no longer gets security fixes, else None."""
    if base.language == "node":
        return _node_end_of_life(base)
    if base.language == "php":
        ended = PHP_END_OF_LIFE.get(base.version)
        return None if ended is None or ended > NODE_EOL_CHECKED else (
            f"PHP {base.version} reached its end of life on {ended}: it gets no more security fixes and the "
            f"{base.image} image is no longer rebuilt. Move to a maintained PHP (8.3 or 8.4), check the Composer "
            "packages against it (composer why-not php 8.3), and regenerate.")
    if base.language == "ruby":
        ended = RUBY_END_OF_LIFE.get(base.version)
        return None if ended is None else (
            f"Ruby {base.version} reached its end of life on {ended}: it gets no more security fixes and the "
            f"{base.image} image is no longer rebuilt. Move to a maintained Ruby (3.3 or 3.4), check the gems "
            "against it, and regenerate.")
    ended = PYTHON_END_OF_LIFE.get(base.version) if base.language == "python" else None
    if ended is None:
        return None
    text = (f"Python {base.version} reached its end of life on {ended}: CPython gets no more security fixes "
            f"and the {base.image} image is no longer maintained (no rebuilds for Debian security updates).")
    if is_python2(base):
        text += (" pip 20.3 is the last pip for Python 2 and most libraries have dropped it, so the dependencies"
                 " stay on their last 2.7 releases. Port the app to Python 3 and regenerate.")
    else:
        text += " Move to a maintained Python 3 release and regenerate."
    return text


def _node_end_of_life(base: BaseImage) -> str | None:
    from analyzers.providers.node.version import END_OF_LIFE

    major = int(base.version) if base.version.isdigit() else None
    ended = END_OF_LIFE.get(major) if major is not None else None
    if ended is None or ended > NODE_EOL_CHECKED:
        return None
    return (f"Node.js {major} reached its end of life on {ended}: it gets no more security fixes and the "
            f"{base.image} image is no longer rebuilt. Move to a maintained LTS line (22 or 24) and regenerate.")


def _major_minor(value: object) -> str | None:
    m = re.match(r"^\s*(\d+)(?:\.(\d+))?", str(value)) if value is not None else None
    if not m:
        return None
    return f"{m.group(1)}.{m.group(2)}" if m.group(2) else m.group(1)
