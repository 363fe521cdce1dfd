"""The node:N-slim images here carry the node their tag names (.ci/build-base-images.sh).

A generated Dockerfile says ``FROM node:N-slim`` for the major the analysis found. A stand-in that tagged
one node as every major would let an app that needs node 22 "verify" on node 18, so each tag the build
script makes is run once: ``node --version`` must be that major, and npm and npx must be there (the
generated image installs with ``npm ci``). The majors are read from the script itself (``NODE_BUILDS``),
so a line added there is tested without touching this file; 18 is Debian's own node.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.docker

SCRIPT = ROOT / ".ci" / "build-base-images.sh"


def _majors() -> list[tuple[str, str | None]]:
    """(major, full version or None) for node:18 and every NODE_BUILDS entry of the build script."""
    m = re.search(r'^NODE_BUILDS=\$\{NODE_BUILDS:-"([^"]+)"\}', SCRIPT.read_text(encoding="utf-8"), re.MULTILINE)
    assert m, "NODE_BUILDS default not found in .ci/build-base-images.sh"
    builds = [tuple(entry.split(":")) for entry in m.group(1).split()]
    return [("18", None), *((major, full) for major, full, _npm in builds)]


def test_the_script_builds_the_current_lts_lines() -> None:
    assert {major for major, _ in _majors()} >= {"18", "20", "22"}


@pytest.mark.parametrize(("major", "full"), _majors(), ids=lambda v: v or "debian")
def test_each_tag_runs_the_node_it_names(major: str, full: str | None) -> None:
    import docker

    client = docker.from_env()
    image = f"node:{major}-slim"
    try:
        client.images.get(image)
    except docker.errors.ImageNotFound:
        pytest.fail(f"{image} is missing: run .ci/build-base-images.sh node")
    out = client.containers.run(image, ["sh", "-c", "node --version && npm --version && npx --version"],
                                remove=True, network_disabled=True).decode().split()
    assert len(out) == 3, out
    node, npm, npx = out
    assert node.startswith(f"v{major}."), f"{image} runs node {node}"
    if full is not None:
        assert node == f"v{full}"
    assert re.fullmatch(r"\d+\.\d+\.\d+", npm) and npx == npm
