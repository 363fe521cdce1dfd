"""Benchmark: the generated Dockerfile of fixtures/python/flask-gunicorn against a plain single-stage one.

For each Dockerfile: a cold build (no layer cache), a warm rebuild after a code-only change (the
dependency layer must come from the cache), the time from `docker run` to the first 200 on /health,
and the image size. The reference is what people write by hand:

    FROM python:3.11-slim / WORKDIR /app / COPY . . / RUN pip install -r requirements.txt / CMD gunicorn

Needs a Docker Engine and the python:3.11-slim image (the offline stand-in works); pip downloads
from PyPI (both sides alike). Prints a table; nothing is asserted (not a timed test).

    python benchmarks/verify_build.py [--keep]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generators.image.dockerfile import DOCKERFILE  # noqa: E402
from migrator import writer  # noqa: E402
from migrator.generate import generate  # noqa: E402
from migrator.verify.build import BuildFiles, build_image  # noqa: E402
from migrator.verify.probes import http_get  # noqa: E402

REFERENCE = """\
FROM python:3.11-slim
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir -r requirements.txt
ENV PORT=8000
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--config", "gunicorn.conf.py"]
"""
LABEL = {"migrate.verify": "benchmark"}


def time_to_ready(client: Any, image: str, network: str, path: str = "/health", limit: float = 60) -> float:
    """Seconds from `docker run` to the first 2xx on ``path``."""
    t0 = time.monotonic()
    c = client.containers.run(image, detach=True, network=network, labels=LABEL, environment={"PORT": "8000"})
    try:
        while time.monotonic() - t0 < limit:
            c.reload()
            ip = c.attrs["NetworkSettings"]["Networks"][network]["IPAddress"]
            if ip:
                try:
                    if 200 <= http_get(ip, 8000, path, timeout=1)[0] < 300:
                        return time.monotonic() - t0
                except OSError:
                    pass
            time.sleep(0.05)
        raise RuntimeError(f"{image} not ready in {limit}s: {c.logs()[-500:]!r}")
    finally:
        c.remove(force=True)


def measure(client: Any, root: Path, dockerfile: str, tag: str, network: str) -> dict[str, float]:
    code = root / "linkshort" / "app.py"
    original = code.read_text()
    cold = _build(client, root, dockerfile, tag, nocache=True)
    code.write_text(original + "\n# a code-only change\n")
    warm_result = build_image(client, root, tag, files=BuildFiles(dockerfile, ".dockerignore"))
    code.write_text(original)
    size = client.images.get(tag).attrs["Size"] / 1e6
    ready = time_to_ready(client, tag, network)
    return {"cold": cold, "warm": warm_result.seconds, "warm_cached": warm_result.cached_steps,
            "warm_steps": warm_result.steps, "ready": ready, "size": size}


def _build(client: Any, root: Path, dockerfile: str, tag: str, nocache: bool) -> float:
    t0 = time.monotonic()
    for chunk in client.api.build(path=str(root), dockerfile=dockerfile, tag=tag, rm=True, pull=False,
                                  nocache=nocache, decode=True, labels=LABEL):
        if "error" in chunk:
            raise RuntimeError(chunk["error"])
    return time.monotonic() - t0


def main() -> None:
    import docker

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the work directory and images")
    args = parser.parse_args()
    client = docker.from_env(timeout=900)
    work = Path(tempfile.mkdtemp(prefix="verify-bench-"))
    root = work / "flask-gunicorn"
    shutil.copytree(ROOT / "fixtures" / "python" / "flask-gunicorn", root)
    writer.write(generate(root), root)
    (root / "Dockerfile.reference").write_text(REFERENCE)
    network = client.networks.create("migrate-verify-bench", labels=LABEL)
    try:
        rows = {
            "generated": measure(client, root, DOCKERFILE, "migrate-bench/generated:latest", network.name),
            "reference": measure(client, root, "Dockerfile.reference", "migrate-bench/reference:latest", network.name),
        }
    finally:
        network.remove()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
            for tag in ("migrate-bench/generated:latest", "migrate-bench/reference:latest"):
                client.images.remove(tag, force=True)
    head = ("Dockerfile", "cold build", "warm rebuild", "cached steps", "run->ready", "size")
    print("{:<11} {:>11} {:>13} {:>13} {:>11} {:>9}".format(*head))
    for name, r in rows.items():
        print(f"{name:<11} {r['cold']:>10.1f}s {r['warm']:>12.1f}s {int(r['warm_cached']):>6}/{int(r['warm_steps']):<6}"
              f" {r['ready']:>10.2f}s {r['size']:>7.0f}MB")


if __name__ == "__main__":
    main()
