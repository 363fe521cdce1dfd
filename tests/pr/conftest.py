"""PR-bot test helpers: real git repositories with a local bare remote, and Prism serving GitHub's
own OpenAPI description as a validating mock (started once per session, stopped at the end)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import write_tree

PRISM_DIR = Path(os.environ.get("MIGRATE_PRISM_DIR", "/opt/migrate-prism"))
PRISM = PRISM_DIR / "node_modules/.bin/prism"
SPEC = PRISM_DIR / "node_modules/@octokit/openapi/generated/api.github.com.json"
PRISM_START_TIMEOUT = 150.0  # ~10 s alone; the spec is 10 MB and the machine is shared

APP = {
    "Procfile": "web: gunicorn shop.wsgi:application --bind 0.0.0.0:$PORT --workers 2\n"
                "worker: celery -A shop worker --loglevel=info\n",
    "requirements.txt": "django==4.2.11\ngunicorn==21.2.0\ncelery==5.3.6\npsycopg2-binary==2.9.9\n",
    "runtime.txt": "python-3.11.8\n",
    "shop/__init__.py": "",
    "shop/settings.py": "import os\nSECRET_KEY = os.environ['SECRET_KEY']\nDEBUG = False\n",
    "shop/wsgi.py": "from django.core.wsgi import get_wsgi_application\napplication = get_wsgi_application()\n",
}
GIT_ENV = {"GIT_AUTHOR_NAME": "dev", "GIT_AUTHOR_EMAIL": "dev@example.com", "GIT_COMMITTER_NAME": "dev",
           "GIT_COMMITTER_EMAIL": "dev@example.com"}


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, **GIT_ENV}
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True).stdout.strip()


def make_repo(root: Path, files: dict[str, str | bytes] | None = None, *, app_dir: str = "") -> tuple[Path, Path]:
    """(checkout, bare remote): ``files`` committed on main and pushed to ``origin``."""
    remote = root / "remote.git"
    remote.mkdir(parents=True)
    git(remote, "init", "--quiet", "--bare", "--initial-branch=main")
    checkout = root / "work"
    write_tree(checkout / app_dir if app_dir else checkout, files or APP)
    git(checkout, "init", "--quiet", "--initial-branch=main")
    git(checkout, "add", "--all")
    git(checkout, "commit", "--quiet", "-m", "legacy app")
    git(checkout, "remote", "add", "origin", str(remote))
    git(checkout, "push", "--quiet", "origin", "main")
    return checkout, remote


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, Path]:
    return make_repo(tmp_path)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url + "/rate_limit", timeout=2).close()  # noqa: S310 - our own http URL
        return True
    except urllib.error.HTTPError:
        return True  # Prism answered (any status): it is up
    except OSError:
        return False


@pytest.fixture(scope="session")
def prism_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a Prism mock of api.github.com; skipped only when Prism is absent and CI does not require it."""
    if not (PRISM.exists() and SPEC.exists()) or shutil.which("node") is None:
        if os.environ.get("MIGRATE_REQUIRE_DOCKER") == "1":
            pytest.fail(f"MIGRATE_REQUIRE_DOCKER=1 but Prism is not installed in {PRISM_DIR} (.ci/prism-up.sh)")
        pytest.skip(f"Prism is not installed in {PRISM_DIR}: run .ci/prism-up.sh")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("prism") / "prism.log"
    out = log.open("w")  # a file, not a pipe: Prism logs every request and a full pipe would block it
    proc = subprocess.Popen([str(PRISM), "mock", "-h", "127.0.0.1", "-p", str(port), str(SPEC)],
                            stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + PRISM_START_TIMEOUT
    try:
        while not _answers(url):
            if proc.poll() is not None:
                pytest.fail(f"Prism exited with {proc.returncode}: {log.read_text()[-500:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"Prism did not answer on {url} within {PRISM_START_TIMEOUT:.0f}s")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        out.close()
