"""`migrate verify --backend docker` end to end on the Ruby fixture that can be installed here:
sinatra-puma-status (a modular Sinatra app on Puma, run by a systemd unit), through `migrate generate`.

rubygems.org is not reachable from this machine, so its gems come from Debian bookworm's packages:
``.ci/build-gem-cache.sh`` rebuilds each locked gem as a ``.gem`` (image ``migrate-gem-cache:bookworm``) and
this test copies them into the fixture copy's ``vendor/cache/``, as a repo that vendors its gems has them.
The analysis then sees ``vendor/cache`` and the image installs with ``bundle install --local``. What runs
here: the Ruby image build (Bundler frozen from the lock, native gems in a build stage), the non-root user,
the read-only root filesystem with the writable paths the app needs (Puma's pid directory, the app's state
directory), the start command (Puma listening on 0.0.0.0:9292) and the health route. The Rails fixtures'
gems exist only on rubygems.org: their verify runs in the repo's GitHub workflow (kind.yml).
"""

from __future__ import annotations

import io
import posixpath
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from migrator import writer
from migrator.generate import generate
from migrator.verify import verify
from tests.conftest import ROOT, fixture_path

from .test_fixtures_verify import _step, _why

pytestmark = pytest.mark.docker

GEM_CACHE = "migrate-gem-cache:bookworm"


def _vendored_copy(name: str, tmp: Path) -> Path:
    """A copy of fixtures/NAME whose vendor/cache holds the gems its lock pins (rebuilt from Debian's)."""
    import docker

    lock = fixture_path(name) / "Gemfile.lock"
    subprocess.run(["bash", str(ROOT / ".ci/build-gem-cache.sh"), str(lock)], check=True, timeout=900)
    root = tmp / name
    shutil.copytree(fixture_path(name), root)
    cache = root / "vendor/cache"
    cache.mkdir(parents=True, exist_ok=True)
    client = docker.from_env()
    # the archive API, not the container's output: logs pass through a text log driver that mangles bytes
    holder = client.containers.create(GEM_CACHE, ["true"], network_disabled=True)
    try:
        stream, _ = holder.get_archive("/gems/.")
        data = b"".join(stream)
    finally:
        holder.remove(force=True)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for member in tar.getmembers():
            if member.isfile() and member.name.endswith(".gem"):
                member.name = posixpath.basename(member.name)
                tar.extract(member, cache, filter="data")
    assert sorted(p.name for p in cache.glob("*.gem")), "no gems were vendored"
    return root


def test_sinatra_puma_status_builds_from_vendored_gems_and_answers_health(tmp_path: Path) -> None:
    root = _vendored_copy("sinatra-puma-status", tmp_path)
    writer.write(generate(root), root)
    dockerfile = (root / "deploy/image/Dockerfile").read_text()
    assert "FROM ruby:3.1-slim" in dockerfile
    assert "bundle install --local" in dockerfile and "COPY vendor/cache vendor/cache/" in dockerfile
    assert "BUNDLE_WITHOUT=development:test" in dockerfile
    assert not any(t in dockerfile for t in ("pip ", "venv", "python", "NODE_ENV"))
    assert 'CMD ["bundle", "exec", "puma", "-b", "tcp://0.0.0.0:9292", "-C", "config/puma.rb"]' in dockerfile
    assert "USER 10001:10001" in dockerfile
    web = (root / "deploy/k8s/base/deployment-web.yaml").read_text()
    # Puma's pidfile directory and the app's state directory: writable on the read-only root filesystem
    assert "mountPath: /app/tmp/pids" in web and "mountPath: /app/tmp/state" in web
    assert "readOnlyRootFilesystem: true" in web
    report = verify(root, "docker", settle=5, timeout=300)
    assert report.outcome == "verified", _why(report)
    assert _step(report, "health check").detail.endswith(":9292/healthz -> 200")
