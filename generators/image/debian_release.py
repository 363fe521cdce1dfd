"""Which Debian release a base image is built on, so its apt lines use names that release has.

The rule, in order:
1. the tag names it (``python:3.12-slim-bookworm``, ``...-trixie``, ``-bullseye``, ``-buster``): that;
2. an Alpine or other non-Debian tag (``-alpine``, ``-ubi``): None, apt names cannot be mapped;
3. the official ``python:X.Y`` images' default release for that version: 3.9 and later moved to trixie
   (Debian 13) in August 2025; 3.7 and 3.8 stopped on bookworm, 3.6 on bullseye, 2.7 and 3.5 on buster;
4. anything else (an internal registry's mirror without a release in the tag): the newest default.

This machine's offline stand-ins for ``python:X.Y-slim`` are bookworm images under trixie's tags; the
generated names are the real images' (an apt install of a trixie-only name fails on the stand-ins).
"""

from __future__ import annotations

import re

from analyzers.debian_names import DEFAULT_RELEASE
from generators.image.base_image import BaseImage

_NAMED = ("trixie", "bookworm", "bullseye", "buster", "stretch")
_NOT_DEBIAN = re.compile(r"(^|-)(alpine|ubi\d*|ubuntu|jammy|noble|focal|windowsservercore|nanoserver)")
_PYTHON_DEFAULTS = {"2.7": "buster", "3.5": "buster", "3.6": "bullseye", "3.7": "bookworm", "3.8": "bookworm"}


def release_of(base: BaseImage) -> tuple[str | None, str]:
    """(release or None, why) for ``base``; see the module docstring."""
    tag = base.image.rsplit("/", 1)[-1].partition(":")[2]
    for name in _NAMED:
        if re.search(rf"(^|-){name}($|-)", tag):
            return name, f"the tag {tag!r} names it"
    if _NOT_DEBIAN.search(tag):
        return None, f"the tag {tag!r} is not a Debian image: apt package names were not checked"
    if base.language == "python":
        release = _PYTHON_DEFAULTS.get(base.version, DEFAULT_RELEASE)
        return release, f"the python {base.version} images are built on Debian {release}"
    return DEFAULT_RELEASE, f"assumed: Debian {DEFAULT_RELEASE}, the current stable release"
