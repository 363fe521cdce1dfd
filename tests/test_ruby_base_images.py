"""The ruby:3.1-slim stand-in here is what the official image is to a generated Dockerfile
(.ci/build-base-images.sh): the Ruby its tag names, Bundler and RubyGems, GEM_HOME at /usr/local/bundle
with its bin on PATH, and the headers native gems compile against (mkmf needs ruby.h); and a ruby that,
as PID 1, stops on SIGTERM (Ruby installs its own handler), which is why Ruby's processes need no init."""

from __future__ import annotations

import time
from typing import Any

import pytest

pytestmark = pytest.mark.docker

IMAGE = "ruby:3.1-slim"


def _client() -> Any:
    import docker

    client = docker.from_env()
    try:
        client.images.get(IMAGE)
    except docker.errors.ImageNotFound:
        pytest.fail(f"{IMAGE} is missing: run .ci/build-base-images.sh ruby")
    return client


def test_the_tag_runs_the_ruby_it_names_with_bundler_and_headers() -> None:
    script = ("ruby -e 'print RUBY_VERSION' && echo && bundle --version && gem --version && echo $GEM_HOME "
              "&& ruby -rmkmf -e 'exit(File.exist?(File.join(RbConfig::CONFIG[\"rubyhdrdir\"], \"ruby.h\")) ? 0 : 1)' "
              "&& echo headers")
    out = _client().containers.run(IMAGE, ["sh", "-c", script], remove=True, network_disabled=True).decode().split("\n")
    assert out[0].startswith("3.1."), out
    assert out[1].startswith("Bundler version 2."), out
    assert out[3] == "/usr/local/bundle" and out[4] == "headers", out


def test_ruby_as_pid_1_stops_on_sigterm() -> None:
    client = _client()
    container = client.containers.run(IMAGE, ["ruby", "-e", "sleep"], detach=True, network_disabled=True)
    try:
        time.sleep(1)
        start = time.monotonic()
        container.stop(timeout=10)
        took = time.monotonic() - start
        container.reload()
        assert took < 5, f"ruby as PID 1 took {took:.1f}s to stop: it ignored SIGTERM"
    finally:
        container.remove(force=True)
