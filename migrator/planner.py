"""The planner: run every analyzer, merge findings field by field, keep every candidate.

Merging rules (documented in README "How facts are merged"):
- findings about the same subject (kind + key) are merged field by field;
- the candidate with the highest confidence wins; among equals the first analyzer in the registry
  order wins, then the lowest file/line - so the result never depends on dict or walk order;
- user overrides (migrate.toml) win over everything and say so;
- disagreeing candidates at ``inferred`` confidence or above are a *conflict*: kept, reported, never
  silently dropped;
- every string is passed through :func:`migrator.secrets.scrub` as a last line of defence;
- every string is made safe to show (:mod:`migrator.textsafe`): control characters, escape sequences
  and bidi overrides in file names and contents are escaped, so no rendering can carry them raw, and
  names (keys, file names, warnings) stay on one line.
"""

from __future__ import annotations

import logging
import os
import traceback
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from analyzers.base import Item
from analyzers.registry import ANALYZERS
from migrator.model import (
    AppModel,
    Candidate,
    Confidence,
    Conflict,
    Fact,
    Finding,
    Kind,
    ProcessRole,
    SecretFinding,
    Source,
    Subject,
    Value,
    Warning,
)
from migrator.repo import RepoView
from migrator.script_commands import candidates, script_heads, through_interpreter
from migrator.secrets import scrub
from migrator.textsafe import block, inline

log = logging.getLogger(__name__)

OVERRIDE_ANALYZER = "migrate.toml"
SCRIPT_NEEDS = "script_needs"  # analyzers.script_needs: findings held for the scripts workloads run

# Fields where agreement is not required: any True wins (a var is secret if any source says so).
_ANY_TRUE = {(Kind.ENV, "secret"), (Kind.ENV, "required")}
# Fields that describe rather than decide; differing values there are not conflicts.
_NO_CONFLICT = {"legacy_name", "description", "reason", "stage", "dev_server", "note", "evidence", "started_by",
                "written_by", "written", "purpose"}  # purpose: a volume's label (media or uploads), not a decision
# Single-instance roles: schedulers must never run twice.
_SINGLETON_ROLES = {ProcessRole.SCHEDULER.value}


def analyze(
    root: str | os.PathLike[str],
    overrides: Sequence[Finding] = (),
    analyzers: Sequence[Any] | None = None,
) -> AppModel:
    """Analyze the repository at ``root`` and return the planned, immutable model."""
    repo = RepoView(root)
    mods = list(analyzers if analyzers is not None else ANALYZERS)
    findings: list[Finding] = []
    secrets: list[SecretFinding] = []
    warnings: list[Warning] = []
    order: dict[str, int] = {OVERRIDE_ANALYZER: -1}
    for index, mod in enumerate(mods):
        order[mod.NAME] = index
        for item in _run(mod, repo, warnings):
            if isinstance(item, Finding):
                findings.append(item)
            elif isinstance(item, SecretFinding):
                secrets.append(item)
            else:
                warnings.append(item)
    findings.extend(overrides)
    commands = [str(f.fields["command"]) for f in findings if f.kind in _COMMAND_KINDS and f.fields.get("command")]
    scripts = script_heads(repo, commands)
    return plan(
        repo.root.name,
        findings,
        secrets=secrets,
        warnings=[*repo.warnings, *warnings],
        files_read=repo.files_read,
        analyzer_order=order,
        scripts=scripts,
    )


def _run(mod: Any, repo: RepoView, warnings: list[Warning]) -> Iterable[Item]:
    """Run one analyzer; a crash in it becomes a warning, never the end of the analysis."""
    try:
        return list(mod.analyze(repo))
    except Exception as exc:  # one broken analyzer must not stop the others
        log.debug("analyzer %s failed:\n%s", mod.NAME, traceback.format_exc())
        warnings.append(Warning(f"analyzer {mod.NAME} failed: {type(exc).__name__}: {exc}"))
        return []


def plan(
    root_name: str,
    findings: Iterable[Finding],
    *,
    secrets: Iterable[SecretFinding] = (),
    warnings: Iterable[Warning] = (),
    files_read: Iterable[str] = (),
    analyzer_order: Mapping[str, int] | None = None,
    scripts: Mapping[str, str] | None = None,
) -> AppModel:
    """Merge findings into an AppModel (pure: no I/O). ``scripts``: the first line of each repo file a
    command may run (:func:`migrator.script_commands.script_heads`)."""
    order = dict(analyzer_order or {})
    files_read = tuple(files_read)
    findings, warnings = _workload_scoped(list(findings), list(warnings))
    grouped: dict[tuple[Kind, str], list[Finding]] = defaultdict(list)
    for f in findings:
        f = _safe_names(f)
        grouped[(f.kind, f.key)].append(f)

    subjects: dict[Kind, list[Subject]] = defaultdict(list)
    conflicts: list[Conflict] = []
    for (kind, key), group in grouped.items():
        subject, subject_conflicts = _merge(kind, key, group, order)
        subjects[kind].append(subject)
        conflicts.extend(subject_conflicts)

    final = {kind: tuple(sorted(items, key=_subject_sort)) for kind, items in subjects.items()}
    final = _enforce_invariants(final)
    final = _relativize_commands(final)
    final = _run_scripts(final, scripts or {})
    final = _drop_workload_script_steps(final)
    final = _account_repo_scripts(final, files_read)
    final = {kind: items for kind, items in final.items() if items or kind is not Kind.UNCLASSIFIED}
    used = {s.file for items in final.values() for subj in items for s in subj.sources if not s.file.startswith("(")}
    return AppModel(
        root_name=inline(root_name),
        subjects=final,
        secrets_found=_dedupe_secrets(secrets),
        warnings=_dedupe_warnings(warnings),
        conflicts=tuple(sorted(conflicts, key=lambda c: (c.kind.value, c.key, c.field))),
        files_read=tuple(sorted({inline(f) for f in files_read} | used - {OVERRIDE_ANALYZER})),
        analyzers=tuple(name for name, _ in sorted(order.items(), key=lambda kv: kv[1]) if name != OVERRIDE_ANALYZER),
    )


def _candidate_key(order: Mapping[str, int]) -> Any:
    def key(c: Candidate) -> tuple[int, int, int, str, int]:
        override = 0 if c.source.analyzer == OVERRIDE_ANALYZER else 1
        return (
            override,
            -int(c.source.confidence),
            order.get(c.source.analyzer, 99),
            c.source.file,
            c.source.line or 0,
        )

    return key


def _merge(kind: Kind, key: str, group: list[Finding], order: Mapping[str, int]) -> tuple[Subject, list[Conflict]]:
    by_field: dict[str, list[Candidate]] = defaultdict(list)
    for f in group:
        for name, value in f.fields.items():
            if value is None:
                continue
            by_field[name].append(Candidate(_clean(value), f.source))
    facts: dict[str, Fact] = {}
    conflicts: list[Conflict] = []
    sort_key = _candidate_key(order)
    for name, cands in by_field.items():
        unique = sorted(dict.fromkeys(cands), key=sort_key)
        if (kind, name) in _ANY_TRUE and any(c.value is True for c in unique):
            unique.sort(key=lambda c: c.value is not True)
        winner = unique[0]
        strong = [c for c in unique if c.source.confidence >= Confidence.INFERRED]
        disagree = len({_norm(c.value) for c in strong}) > 1
        is_conflict = (
            disagree
            and name not in _NO_CONFLICT
            and (kind, name) not in _ANY_TRUE
            and winner.source.analyzer != OVERRIDE_ANALYZER
        )
        facts[name] = Fact(name, winner.value, tuple(unique), is_conflict, _reason(winner, unique))
        if is_conflict:
            conflicts.append(Conflict(kind, key, name, tuple(strong)))
    return Subject(kind, key, facts), conflicts


def _reason(winner: Candidate, cands: list[Candidate]) -> str:
    src = winner.source
    if src.analyzer == OVERRIDE_ANALYZER:
        return "set in migrate.toml (user override)"
    if len(cands) == 1:
        return f"only source: {src.where()} ({src.confidence.label})"
    agree = [c for c in cands if _norm(c.value) == _norm(winner.value)]
    losers = [c for c in cands if _norm(c.value) != _norm(winner.value)]
    if not losers:
        return f"{len(agree)} sources agree; strongest: {src.where()} ({src.confidence.label})"
    best_loser = losers[0].source
    if best_loser.confidence < src.confidence:
        return f"{src.confidence.label} at {src.where()} outranks {best_loser.confidence.label} at {best_loser.where()}"
    return (
        f"tie at {src.confidence.label}: {src.where()} ({src.analyzer}) comes first in analyzer order "
        f"before {best_loser.where()} ({best_loser.analyzer})"
    )


def _norm(value: Value) -> Value:
    return value.strip() if isinstance(value, str) else value


def _safe_names(f: Finding) -> Finding:
    """The finding with its key and file name on one line and free of control characters."""
    key, file = inline(f.key), inline(f.source.file)
    if key is f.key and file is f.source.file:  # inline() returns its argument when it is already safe
        return f
    return Finding(f.kind, key, f.fields, replace(f.source, file=file))


def _clean(value: Value) -> Value:
    if isinstance(value, str):
        return block(scrub(value))
    if isinstance(value, tuple):
        return tuple(_clean(v) for v in value)
    return value


def _subject_sort(s: Subject) -> tuple[int, str]:
    if s.kind is Kind.PROCESS:
        roles = [r.value for r in ProcessRole]
        role = s.get("role")
        return (roles.index(role) if role in roles else len(roles), s.key)
    return (0, s.key)


def _command_confidence(p: Subject) -> Confidence:
    fact = p.facts.get("command")
    return fact.source.confidence if fact is not None else Confidence.DEFAULT


def _superseded(p: Subject, processes: tuple[Subject, ...]) -> bool:
    """A guessed process (e.g. "gunicorn app:app" proposed from dependencies) is only a fallback:
    it goes when another process of the same role has a command some file actually states."""
    if _command_confidence(p) > Confidence.HEURISTIC:
        return False
    role = p.get("role")
    return any(
        q is not p and q.get("role") == role and _command_confidence(q) >= Confidence.INFERRED for q in processes
    )


_ROLE_NAMES = {"web": ProcessRole.WEB, "worker": ProcessRole.WORKER, "beat": ProcessRole.SCHEDULER,
               "clock": ProcessRole.SCHEDULER, "scheduler": ProcessRole.SCHEDULER, "release": ProcessRole.RELEASE}


def _with_role(p: Subject) -> Subject:
    """A process with a command and no role (``[processes.web] command = ...`` in migrate.toml) gets one:
    from its name when that is a role's name, else from what the command is, else worker."""
    if p.get("role") or not p.get("command"):
        return p
    from analyzers.commands import classify

    role = _ROLE_NAMES.get(p.key) or classify(str(p.get("command"))).role or ProcessRole.WORKER
    src = Source("(planner)", None, "planner", Confidence.DEFAULT)
    why = "no source gave a role: " + (f"the process is named {p.key!r}" if p.key in _ROLE_NAMES
                                       else "from its command, else worker")
    return Subject(p.kind, p.key, {**p.facts, "role": Fact("role", role.value, (Candidate(role.value, src),),
                                                           False, why)})


def _enforce_invariants(subjects: dict[Kind, tuple[Subject, ...]]) -> dict[Kind, tuple[Subject, ...]]:
    """Rules that hold whatever the sources say: a scheduler runs exactly once; a guessed process
    does not duplicate a declared one."""
    procs = []
    all_procs = tuple(_with_role(p) for p in subjects.get(Kind.PROCESS, ()))
    for p in all_procs:
        if _superseded(p, all_procs):
            continue
        if p.get("role") in _SINGLETON_ROLES and p.get("replicas") != 1:
            facts = dict(p.facts)
            prior = facts.get("replicas")
            # the tool's own rule, ranked as a default so real files come first in the evidence
            src = Source("(planner)", None, "planner", Confidence.DEFAULT)
            cands = (Candidate(1, src), *(prior.candidates if prior else ()))
            facts["replicas"] = Fact("replicas", 1, cands, False, "schedulers are singletons: replicas forced to 1")
            p = Subject(p.kind, p.key, facts)
        procs.append(p)
    if procs:
        subjects = {**subjects, Kind.PROCESS: tuple(procs)}
    env = []
    for e in subjects.get(Kind.ENV, ()):
        if e.get("secret") and "default" in e.facts:
            # one source knows the var is secret (an add-on's URL, a *_PASSWORD name) while another
            # saw a harmless-looking default: a secret var never carries a default in any output
            e = Subject(e.kind, e.key, {k: v for k, v in e.facts.items() if k != "default"})
        env.append(e)
    if env:
        subjects = {**subjects, Kind.ENV: tuple(env)}
    return subjects


# Sections whose ``command`` runs inside the image.
_COMMAND_KINDS = (Kind.PROCESS, Kind.SCHEDULE, Kind.RELEASE_STEP, Kind.BUILD_STEP)


def _legacy_dirs(subjects: Mapping[Kind, tuple[Subject, ...]]) -> list[str]:
    """Where the app lived on the legacy hosts: rsync targets, WorkingDirectory=, supervisor directory=."""
    dirs: set[str] = set()
    sources = [*subjects.get(Kind.RUNTIME, ()), *subjects.get(Kind.PROCESS, ())]
    for subject in sources:
        for name in ("legacy_app_dir", "working_dir"):
            fact = subject.facts.get(name)
            for cand in fact.candidates if fact else ():
                if isinstance(cand.value, str) and cand.value.startswith("/") and cand.value.count("/") > 1:
                    dirs.add(cand.value.rstrip("/"))
    return sorted(dirs, key=len, reverse=True)  # the deepest first: /srv/app/current before /srv/app


def _relativize_commands(subjects: dict[Kind, tuple[Subject, ...]]) -> dict[Kind, tuple[Subject, ...]]:
    """``/opt/notes/scripts/backup.sh`` -> ``scripts/backup.sh`` when the app lived in /opt/notes: in the
    image the app directory is the working directory, and the host path does not exist there."""
    from analyzers.hostcfg import relativize

    dirs = _legacy_dirs(subjects)
    if not dirs:
        return subjects
    out = dict(subjects)
    for kind in _COMMAND_KINDS:
        changed = []
        for subject in subjects.get(kind, ()):
            fact = subject.facts.get("command")
            if fact is not None and isinstance(fact.value, str):
                new = fact.value
                for d in dirs:
                    new = relativize(new, d)
                if new != fact.value:
                    reason = f"{fact.reason}; host paths under the legacy app directory made relative to the image's"
                    facts = {**subject.facts, "command": Fact("command", new, fact.candidates, fact.conflict, reason)}
                    subject = Subject(subject.kind, subject.key, facts)
            changed.append(subject)
        if kind in out:
            out[kind] = tuple(changed)
    return out


def _run_scripts(subjects: dict[Kind, tuple[Subject, ...]],
                 heads: Mapping[str, str]) -> dict[Kind, tuple[Subject, ...]]:
    """``scripts/backup.sh`` -> ``bash scripts/backup.sh``: a repo script runs through the interpreter its
    shebang names, so a file that is not executable in git (or names an interpreter the image lacks)
    still runs (:mod:`migrator.script_commands`)."""
    if not heads:
        return subjects
    out = dict(subjects)
    for kind in _COMMAND_KINDS:
        changed = []
        for subject in subjects.get(kind, ()):
            fact = subject.facts.get("command")
            if fact is not None and isinstance(fact.value, str):
                new, scripts = through_interpreter(fact.value, heads)
                if scripts:
                    how = ", ".join(f"{s} ({heads[s] or 'no shebang'})" for s in scripts)
                    reason = f"{fact.reason}; run through the interpreter of {how}, whatever its git mode"
                    facts = {**subject.facts, "command": Fact("command", new, fact.candidates, fact.conflict, reason)}
                    subject = Subject(subject.kind, subject.key, facts)
            changed.append(subject)
        if kind in out:
            out[kind] = tuple(changed)
    return out


def _workload_scoped(findings: list[Finding], warnings: list[Warning]) -> tuple[list[Finding], list[Warning]]:
    """What a script needs in the pod (:mod:`analyzers.script_needs`: programs, writable paths, localhost
    peers) holds only for a script that a schedule, a process or a release step runs: kept for those,
    dropped for the others (a deploy script's ``curl localhost`` runs on the host)."""
    run_by: set[str] = set()
    for f in findings:
        command = f.fields.get("command")
        if f.kind in (Kind.SCHEDULE, Kind.PROCESS, Kind.RELEASE_STEP) and isinstance(command, str):
            run_by |= candidates(command)
    kept = [f for f in findings if f.source.analyzer != SCRIPT_NEEDS or f.source.file in run_by]
    return kept, [w for w in warnings if w.scope != "run_by_workload" or w.file in run_by]


def _drop_workload_script_steps(subjects: dict[Kind, tuple[Subject, ...]]) -> dict[Kind, tuple[Subject, ...]]:
    """A script that a schedule, a process or a release step runs (``scripts/backup.sh`` from cron) is the
    workload's own work, not a deploy script: its ``tar``/``mkdir`` lines are not legacy deploy steps to
    replace, and the ``migrate`` inside a release script must not run twice."""
    from analyzers.commands import split

    run_by_workloads: set[str] = set()
    for kind in (Kind.SCHEDULE, Kind.PROCESS, Kind.RELEASE_STEP):
        for subject in subjects.get(kind, ()):
            command = subject.get("command")
            argv = split(command) if isinstance(command, str) else []
            for token in argv[:2]:  # `scripts/x.sh` or `bash scripts/x.sh`
                run_by_workloads.add(token.removeprefix("./"))
    if not run_by_workloads:
        return subjects
    out = dict(subjects)
    # what the workload's script does is its own business (a release script's migrate runs in its Job)
    for kind in (Kind.HOST_STEP, Kind.UNCLASSIFIED, Kind.RELEASE_STEP):
        if kind in subjects:
            out[kind] = tuple(step for step in subjects[kind]
                              if not all(s.file in run_by_workloads for s in step.sources))
    return out


def _account_repo_scripts(subjects: dict[Kind, tuple[Subject, ...]],
                          files_read: Iterable[str]) -> dict[Kind, tuple[Subject, ...]]:
    """``./deploy.sh start`` or ``bash scripts/migrate.sh`` in a deploy script runs a shell script of this
    repo that the shell analyzer reads on its own, command by command: the call itself is accounted
    for (a host step pointing there), not an unclassified command."""
    from analyzers.commands import core_argv, split

    shell_files = {s.file for items in subjects.values() for subj in items for s in subj.sources
                   if s.analyzer == "shell"} | {f for f in files_read if f.endswith((".sh", ".bash"))}
    kept: list[Subject] = []
    moved: list[Subject] = []
    for step in subjects.get(Kind.UNCLASSIFIED, ()):
        argv = core_argv(split(str(step.get("command") or "")))
        if argv and argv[0].rsplit("/", 1)[-1] in ("sh", "bash", "dash"):
            argv = [a for a in argv[1:] if not a.startswith("-")]
        script = argv[0].removeprefix("./") if argv else ""
        if script not in shell_files:
            kept.append(step)
            continue
        fact = step.facts["command"]
        reason = f"runs {script} of this repository: its own commands are classified where it is read"
        facts = {**step.facts, "reason": Fact("reason", reason, fact.candidates, False, "the script is read itself")}
        moved.append(Subject(Kind.HOST_STEP, step.key, facts))
    if not moved:
        return subjects
    host = sorted([*subjects.get(Kind.HOST_STEP, ()), *moved], key=_subject_sort)
    return {**subjects, Kind.UNCLASSIFIED: tuple(kept), Kind.HOST_STEP: tuple(host)}


def _dedupe_secrets(secrets: Iterable[SecretFinding]) -> tuple[SecretFinding, ...]:
    """One entry per (file, line, name): two analyzers reading the same file report it once."""
    seen: dict[tuple[str, int | None, str], SecretFinding] = {}
    for s in secrets:
        s = replace(s, file=inline(s.file), name=inline(s.name))
        seen.setdefault((s.file, s.line, s.name), s)
    # the generic content scan (analyzer secret_files) yields to an analyzer that read the line itself
    specific = {(s.file, s.line) for s in seen.values() if s.analyzer != "secret_files"}
    kept = [s for s in seen.values() if s.analyzer != "secret_files" or (s.file, s.line) not in specific]
    return tuple(sorted(kept, key=lambda s: (s.file, s.line or 0, s.name)))


def _dedupe_warnings(warnings: Iterable[Warning]) -> tuple[Warning, ...]:
    seen: dict[tuple[str | None, int | None, str], Warning] = {}
    for w in warnings:
        w = Warning(inline(scrub(w.message)), inline(w.file) if w.file else w.file, w.line)
        seen.setdefault((w.file, w.line, w.message), w)
    return tuple(sorted(seen.values(), key=lambda w: (w.file or "", w.line or 0, w.message)))
