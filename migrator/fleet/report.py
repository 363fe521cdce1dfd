"""``migrate fleet report``: records (of one run, or of every shard) merged into one summary.

Only what a repository *is* goes into the report: timings, timestamps and the shard a record came from
do not, so merged shard records give exactly the report of one unsharded run. The newest record of
each repository wins. Repository names and messages are hostile input: the Markdown puts every value
through :func:`migrator.pr.body.cell` (one line, scrubbed, pipes escaped, a code span).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from migrator.fleet.record import Record
from migrator.pr.body import cell
from migrator.readiness import Verdict


@dataclass(frozen=True)
class Row:
    repo: str
    runtime: str
    deploy_tools: tuple[str, ...]
    verdict: str  # a Verdict value, or "error"
    blockers: int
    inputs: int
    secrets: int
    verify: str
    pr_url: str
    problems: tuple[str, ...]  # blocker texts, then what input is needed, then stage errors

    @property
    def rank(self) -> int:
        return len(Verdict) if self.verdict == "error" else Verdict(self.verdict).rank


@dataclass(frozen=True)
class Rotation:
    repo: str
    file: str
    count: int
    kinds: tuple[str, ...]


@dataclass(frozen=True)
class FleetReport:
    rows: tuple[Row, ...]  # worst first: most blockers, then verdict, then name
    runtimes: tuple[tuple[str, int], ...]
    deploy_tools: tuple[tuple[str, int], ...]
    verdicts: tuple[tuple[str, int], ...]
    rotations: tuple[Rotation, ...]
    verified: int
    verify_failed: int

    @property
    def verify_rate(self) -> float | None:
        ran = self.verified + self.verify_failed
        return None if ran == 0 else self.verified / ran

    @property
    def errors(self) -> int:
        return sum(1 for r in self.rows if r.verdict == "error")


def _counted(counter: Counter[str]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))


def build(records: Mapping[str, Record]) -> FleetReport:
    rows: list[Row] = []
    rotations: list[Rotation] = []
    runtimes: Counter[str] = Counter()
    tools: Counter[str] = Counter()
    verdicts: Counter[str] = Counter()
    for repo, rec in sorted(records.items()):
        analysed = rec.readiness is not None
        verdict = rec.readiness or "error"
        runtime = " ".join(rec.runtime.get(k, "") for k in ("language", "version")).strip() or "unknown"
        if analysed:
            runtimes[rec.runtime.get("language", "unknown")] += 1
            tools.update(rec.deploy_tools or ("none found",))
        verdicts[verdict] += 1
        inputs = sum(1 for r in rec.reasons if r.get("level") == Verdict.NEEDS_INPUT.value)
        wanted = (str(r.get("text")) for r in rec.reasons if r.get("level") != Verdict.BLOCKED.value)
        problems = (*rec.blockers, *wanted,
                    *(f"{e.stage} failed: {e.message}" for e in rec.errors))
        rows.append(Row(repo, runtime if analysed else "-", rec.deploy_tools, verdict, len(rec.blockers),
                        inputs, rec.secret_count, rec.verify or "not run", rec.pr_url or "", problems))
        rotations += [Rotation(repo, s.file, s.count, s.kinds) for s in rec.secrets]
    rows.sort(key=lambda r: (-r.blockers, -r.rank, -r.inputs, r.repo))
    verified = sum(1 for r in records.values() if r.verify == "verified")
    failed = sum(1 for r in records.values() if r.verify == "failed")
    return FleetReport(tuple(rows), _counted(runtimes), _counted(tools), _counted(verdicts), tuple(rotations),
                       verified, failed)


def verify_rate(report: FleetReport) -> str:
    rate = report.verify_rate
    ran = report.verified + report.verify_failed
    return "not run" if rate is None else f"{rate:.0%} ({report.verified} of {ran})"


def _table(head: Iterable[str], rows: Iterable[Iterable[str]]) -> list[str]:
    names = list(head)
    lines = ["| " + " | ".join(names) + " |", "|" + "---|" * len(names)]
    return lines + ["| " + " | ".join(r) + " |" for r in rows]


def markdown(report: FleetReport) -> str:
    """The summary as Markdown (for a job summary, an issue, a wiki page)."""
    lines = ["# Fleet migration report", "",
             f"{len(report.rows)} repositories: " + ", ".join(f"{n} {v}" for v, n in report.verdicts) + ".",
             f"Verify pass rate: {verify_rate(report)}.", "",
             "## Runtimes", "", *_table(["runtime", "repositories"], [(cell(k), str(n)) for k, n in report.runtimes]),
             "", "## Deploy tools", "",
             *_table(["deploy tool", "repositories"], [(cell(k), str(n)) for k, n in report.deploy_tools]), "",
             "## Readiness (most blockers first)", "",
             *_table(["repository", "runtime", "readiness", "blockers", "inputs", "secrets", "verify", "pull request",
                      "why"],
                     [(cell(r.repo), cell(r.runtime), r.verdict, str(r.blockers), str(r.inputs), str(r.secrets),
                       r.verify, cell(r.pr_url) or "-", cell("; ".join(r.problems)) or "-") for r in report.rows]),
             "", "## Hard-coded secrets to rotate", ""]
    if report.rotations:
        lines += ["Rotate these credentials and remove them from the repositories (locations only; no value is "
                  "ever recorded):", "",
                  *_table(["repository", "file", "secrets", "kinds"],
                          [(cell(r.repo), cell(r.file), str(r.count), cell(", ".join(r.kinds)))
                           for r in report.rotations])]
    else:
        lines.append("None found.")
    return "\n".join(lines) + "\n"
