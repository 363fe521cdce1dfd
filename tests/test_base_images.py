"""The python:X.Y-slim images here carry the Python their tag names (.ci/build-base-images.sh).

Generated Dockerfiles say ``FROM python:X.Y-slim`` for the version the analysis found; a stand-in that
tags one interpreter as every version would let a Python 2 (or 3.13-only) app "verify" on the wrong
Python. Each tag the generator may choose is run once: its interpreter must report the tag's version
and have what the generated Dockerfile uses (pip everywhere; venv and ensurepip on Python 3).
"""

from __future__ import annotations

import pytest

from generators.image.base_image import PYTHON_IMAGE_VERSIONS

pytestmark = pytest.mark.docker

PROBE = ("import sys, pip; v = sys.version_info[:2]; print('%d.%d' % v)\n"
         "if v[0] >= 3:\n    import venv, ensurepip\n")


@pytest.mark.parametrize("version", PYTHON_IMAGE_VERSIONS)
def test_each_tag_runs_the_python_it_names(version: str) -> None:
    import docker

    client = docker.from_env()
    image = f"python:{version}-slim"
    try:
        client.images.get(image)
    except docker.errors.ImageNotFound:
        pytest.fail(f"{image} is missing: run .ci/build-base-images.sh python")
    out = client.containers.run(image, ["python", "-c", PROBE], remove=True, network_disabled=True)
    assert out.decode().strip() == version
