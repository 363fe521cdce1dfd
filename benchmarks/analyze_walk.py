"""Benchmark: `migrate analyze --format json` against a bare pruned os.walk of the same tree.

Creates a synthetic legacy repository of 20,000 files - with a `.git` directory, `node_modules` and a
virtualenv holding thousands of files that must be skipped - then prints the median wall time of
each command over several runs and their ratio (target: <= 3). Both sides run as fresh processes,
so both pay interpreter start-up; the walk prunes the same directory names the analyzer prunes.

    python benchmarks/analyze_walk.py [--runs 7] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TOTAL_FILES = 20_000
# How the 20,000 files are split: most of a real checkout's files are not the app's own.
LAYOUT = {".git": 4_000, "node_modules": 6_000, "venv": 4_500}

WALK = """
import os, sys
PRUNE = {PRUNE!r}
n = 0
for d, dirs, files in os.walk(sys.argv[1]):
    dirs[:] = [x for x in dirs if x not in PRUNE and not os.path.exists(os.path.join(d, x, "pyvenv.cfg"))]
    n += len(files)
print(n)
"""

MODULE = '''"""Module {i} of the billing app."""
import os
import logging

from billing.core import models

log = logging.getLogger(__name__)
TIMEOUT = int(os.environ.get("BILLING_TIMEOUT_{j}", "30"))


class Handler{i}:
    def handle(self, request):
        log.info("handling %s", request)
        return models.lookup(request, timeout=TIMEOUT)
'''

PLAIN = '''"""Helpers {i}: pure functions, no configuration."""


def add_{i}(a, b):
    return a + b


def scale_{i}(values, factor=2):
    return [v * factor for v in values]
'''


def build_tree(root: Path, env_every: int = 50) -> int:
    """Write the synthetic repo; returns the number of files written."""
    count = 0

    def write(rel: str, text: str) -> None:
        nonlocal count
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        count += 1

    for i in range(LAYOUT[".git"]):
        write(f".git/objects/{i % 256:02x}/{i:038x}", "x" * 64)
    for i in range(LAYOUT["node_modules"]):
        write(f"node_modules/pkg{i // 20}/lib/file{i}.js", "module.exports = {};\n")
    write("venv/pyvenv.cfg", "home = /usr/bin\n")
    for i in range(LAYOUT["venv"] - 1):
        write(f"venv/lib/python3.11/site-packages/dep{i // 30}/mod{i}.py", "import os\nX = os.environ.get('X')\n")

    write("Procfile", "web: gunicorn billing.wsgi:application --bind 0.0.0.0:$PORT\nworker: celery -A billing worker\n")
    write("requirements.txt", "Django==4.2.16\ngunicorn==22.0.0\ncelery==5.4.0\npsycopg2-binary==2.9.9\n")
    write("runtime.txt", "python-3.11.9\n")
    write("manage.py", "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'billing.settings')\n")
    write("billing/settings.py", "import os\nSECRET_KEY = os.environ['SECRET_KEY']\nDEBUG = os.getenv('DEBUG', '0')\n")
    write(
        "billing/wsgi.py", "from django.core.wsgi import get_wsgi_application\napplication = get_wsgi_application()\n"
    )
    remaining = TOTAL_FILES - count
    kinds = ("py", "py", "html", "css", "png", "txt")
    for i in range(remaining):
        kind = kinds[i % len(kinds)]
        pkg = f"billing/app{i // 200}"
        if kind == "py":
            # A real app reads its configuration in a few modules, not in every one: env_every sets
            # how many Python modules there are per module that reads env vars (1 = all of them).
            if (i // len(kinds)) % env_every == 0:
                write(f"{pkg}/handlers_{i}.py", MODULE.format(i=i, j=i % 50))
            else:
                write(f"{pkg}/helpers_{i}.py", PLAIN.format(i=i))
        elif kind == "html":
            write(f"templates/{pkg}/page_{i}.html", "<html><body>{{ title }}</body></html>\n")
        elif kind == "css":
            write(f"static/css/{i}.css", "body { margin: 0 }\n")
        elif kind == "png":
            (root / "static" / "img").mkdir(parents=True, exist_ok=True)
            (root / "static" / "img" / f"{i}.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
            count += 1
        else:
            write(f"docs/{pkg}/note_{i}.txt", "Notes.\n")
    return count


def median_time(argv: list[str], runs: int) -> float:
    times = []
    # Measure an installed tool as users run it: with its bytecode cache (CI shells often set
    # PYTHONDONTWRITEBYTECODE, which would make every run recompile every module).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="build the tree here and keep it")
    parser.add_argument(
        "--env-every",
        type=int,
        default=50,
        help="one Python module in N reads env vars (default 50; 1 is a stress test where every module does)",
    )
    args = parser.parse_args()

    from analyzers.registry import pruned

    root = args.keep or Path(tempfile.mkdtemp(prefix="migrate-bench-"))
    try:
        if not (root / "Procfile").exists():
            written = build_tree(root, args.env_every)
            print(f"synthetic repo: {written} files in {root}")
        walk = [sys.executable, "-c", WALK.replace("{PRUNE!r}", repr(sorted(pruned().names))), str(root)]
        analyze = [sys.executable, "-m", "migrator.cli", "analyze", str(root), "--format", "json"]
        # warm the page cache and write the bytecode cache once
        subprocess.run(
            [
                sys.executable,
                "-m",
                "compileall",
                "-q",
                str(Path(__file__).resolve().parent.parent / "migrator"),
                str(Path(__file__).resolve().parent.parent / "analyzers"),
            ],
            check=True,
        )
        subprocess.run(analyze, check=True, stdout=subprocess.DEVNULL)
        t_walk = median_time(walk, args.runs)
        t_analyze = median_time(analyze, args.runs)
        print(f"bare pruned os.walk      median {t_walk * 1000:8.1f} ms  ({args.runs} runs)")
        print(f"migrate analyze --json   median {t_analyze * 1000:8.1f} ms  ({args.runs} runs)")
        print(f"ratio                    {t_analyze / t_walk:8.2f}  (target <= 3)")
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
