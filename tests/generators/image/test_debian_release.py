"""generators/image/debian_release.py: the Debian release a base image is built on, from its tag."""

from __future__ import annotations

import pytest

from generators.image.base_image import BaseImage
from generators.image.debian_release import release_of


@pytest.mark.parametrize(
    ("image", "version", "release"),
    [
        ("python:3.12-slim", "3.12", "trixie"),
        ("python:3.12-slim-bookworm", "3.12", "bookworm"),
        ("registry.local:5000/python:3.11-bookworm", "3.11", "bookworm"),
        ("python:3.13-trixie", "3.13", "trixie"),
        ("python:3.8-slim", "3.8", "bookworm"),
        ("python:3.6-slim", "3.6", "bullseye"),
        ("python:2.7-slim", "2.7", "buster"),
        ("python:3.11-alpine", "3.11", None),
        ("registry.local/base/python", "3.11", "trixie"),
    ],
)
def test_release_from_the_tag_then_the_python_version(image: str, version: str, release: str | None) -> None:
    found, why = release_of(BaseImage(image, "python", version, "test"))
    assert found == release and why
