"""Benchmark: `migrate fleet` analyze-only over the generated test fleet (30+ repositories).

Builds the fleet (fixtures/ copies with variations, each its own git repository, plus the injected
failures) in a temp dir, then runs `migrate fleet run` as a fresh process with --jobs 1 and --jobs 2,
--no-resume, several times each, and prints records per minute (median) and the projected wall time
of 1,000 repositories on 20 shards (each shard a machine like this one, at the --jobs 2 rate). Local
paths are read in place, so cloning is not measured: add the clone time of your git host per repository.

    python benchmarks/fleet_analyze.py [--runs 3] [--copies 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fleet.fleetgen import make_fleet  # noqa: E402 - after the path set-up


def one_run(list_file: Path, records: Path, jobs: int) -> float:
    records.unlink(missing_ok=True)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "migrator.cli", "fleet", "run", str(list_file), "--records", str(records),
                    "--jobs", str(jobs), "--no-resume"], cwd=ROOT, check=True, capture_output=True,
                   env={**os.environ, "PYTHONPATH": str(ROOT)})
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--copies", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fleet-bench-") as tmp:
        fleet = make_fleet(Path(tmp) / "fleet", copies=args.copies)
        count = len(fleet.repos)
        print(f"fleet: {count} repositories ({len(fleet.good)} analysable, 3 injected failures), "
              f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} (others' work shares the cores)")
        rates = {}
        for jobs in (1, 2):
            times = [one_run(fleet.list_file, Path(tmp) / "records.jsonl", jobs) for _ in range(args.runs)]
            median = statistics.median(times)
            rates[jobs] = count / median * 60
            print(f"--jobs {jobs}: median {median:.2f} s over {args.runs} runs "
                  f"({', '.join(f'{t:.2f}' for t in times)}) = {rates[jobs]:.0f} records/min "
                  f"(best run {count / min(times) * 60:.0f})")
        per_shard = 1000 / 20
        print(f"projection: 1,000 repositories on 20 shards = {per_shard:.0f} per shard; at the --jobs 2 rate "
              f"{per_shard / rates[2]:.1f} min of analysis per shard (plus each shard's start-up and clones)")


if __name__ == "__main__":
    main()
