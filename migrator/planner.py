"""The planner: run every analyzer, merge findings field by field, keep every candidate.

Merging rules (documented in README "How facts are merged"):
- findings about the same subject (kind + key) are merged field by field;
- the candidate with the highest confidence wins; among equals the first analyzer in the registry
  order wins, then the lowest file/line - so the result never depends on dict or walk order;
- user overrides (migrate.toml) win over everything and say so;
- disagreeing candidates at ``inferred`` confidence or above are a *conflict*: kept, reported, never
  silently dropped;
- every string is passed through :func:`migrator.secrets.scrub` as a last line of defence;
- runtime findings are keyed by language (:mod:`migrator.runtimes`): a version or a framework is only
  merged with facts about the same language; the v1 ``runtime`` is the primary's facts with the
  app-level ones (key ``""``: legacy app dir, buildpacks, stack);
- every string is made safe to show (:mod:`migrator.textsafe`): control characters, escape sequences
  and bidi overrides in file names and contents are escaped, so no rendering can carry them raw, and
  names (keys, file names, warnings) stay on one line.
"""

from __future__ import annotations

import logging
import os
import traceback
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from analyzers import registry
from analyzers.base import Item
from migrator.commands import CommandMeaning, relativize
from migrator.model import (
    AppModel,
    Candidate,
    Confidence,
    Conflict,
    Fact,
    Finding,
    Kind,
    ProcessRole,
    RuntimeEntry,
    SecretFinding,
    Source,
    Subject,
    Value,
    Warning,
)
from migrator.repo import RepoView
from migrator.runtimes import choose as choose_runtimes
from migrator.script_commands import candidates, script_heads, through_interpreter
from migrator.secrets import scrub
from migrator.textsafe import block, inline

log = logging.getLogger(__name__)

OVERRIDE_ANALYZER = "migrate.toml"
SCRIPT_NEEDS = "script_needs"  # analyzers.deploy.script_needs: findings held for the scripts workloads run

# Fields where agreement is not required: any True wins (a var is secret if any source says so).
_ANY_TRUE = {(Kind.ENV, "secret"), (Kind.ENV, "required")}
# Fields that describe rather than decide; differing values there are not conflicts.
_NO_CONFLICT = {"legacy_name", "description", "reason", "stage", "dev_server", "note", "evidence", "started_by",
                "written_by", "written", "purpose",  # purpose: a volume's label (media or uploads), not a decision
                "version_spec"}  # a runtime version as written (18.x, >=18): the version itself is what decides
# Single-instance roles: schedulers must never run twice.
_SINGLETON_ROLES = {ProcessRole.SCHEDULER.value}


def analyze(
    root: str | os.PathLike[str],
    overrides: Sequence[Finding] = (),
    analyzers: Sequence[Any] | None = None,
) -> AppModel:
    """Analyze the repository at ``root`` and return the planned, immutable model."""
    pruned = registry.pruned()
    repo = RepoView(root, prune=pruned.names, prune_paths=pruned.paths)
    findings: list[Finding] = []
    secrets: list[SecretFinding] = []
    warnings: list[Warning] = []
    mods = list(analyzers) if analyzers is not None else _active_analyzers(repo, warnings)
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
    if analyzers is None:  # languages no provider knows, from their files (Gemfile -> ruby)
        findings.extend(i for i in _run(registry.MARKER_READER, repo, warnings) if isinstance(i, Finding))
    findings.extend(overrides)
    commands = [str(f.fields["command"]) for f in findings if f.kind in _COMMAND_KINDS and f.fields.get("command")]
    scripts = script_heads(repo, commands)
    resolved = registry.resolve_commands(repo, [(str(f.fields["command"]), f.parsed) for f in findings
                                                if f.kind in _RESOLVED_KINDS and f.parsed is not None
                                                and f.fields.get("command")])
    return plan(
        repo.root.name,
        findings,
        secrets=secrets,
        warnings=[*repo.warnings, *warnings],
        files_read=repo.files_read,
        analyzer_order=order,
        scripts=scripts,
        resolved=resolved,
    )


def _active_analyzers(repo: RepoView, warnings: list[Warning]) -> list[Any]:
    """Every deploy reader, and the analyzers of each provider whose ``detect`` found its language (a
    provider that crashes while detecting keeps its analyzers, with a warning)."""
    crashed: list[str] = []

    def failed(name: str, exc: Exception) -> None:
        log.debug("provider %s failed to detect:\n%s", name, traceback.format_exc())
        warnings.append(Warning(f"provider {name} failed to detect: {type(exc).__name__}: {exc}"))
        crashed.append(name)

    detections = registry.detect(repo, failed)
    return list(registry.analyzers({d.provider for d in detections} | set(crashed)))


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
    resolved: Mapping[str, tuple[str, str]] | None = None,
) -> AppModel:
    """Merge findings into an AppModel (pure: no I/O). ``scripts``: the first line of each repo file a
    command may run (:func:`migrator.script_commands.script_heads`); ``resolved``: the command a
    provider runs instead of one that only names a manifest script (``npm start`` -> ``node server.js``:
    :func:`analyzers.registry.resolve_commands`)."""
    order = dict(analyzer_order or {})
    files_read = tuple(files_read)
    findings, warnings = _workload_scoped(list(findings), list(warnings))
    grouped: dict[tuple[Kind, str], list[Finding]] = defaultdict(list)
    owners = registry.runtime_owners()
    keyed_runtime: list[tuple[str, Finding]] = []  # in the findings' order (the v1 view's facts keep it)
    for f in findings:
        f = _safe_names(f)
        key = f.key
        if f.kind is Kind.RUNTIME:
            key = _runtime_key(f, owners)
            keyed_runtime.append((key, f))
        grouped[(f.kind, key)].append(f)

    subjects: dict[Kind, list[Subject]] = defaultdict(list)
    conflicts: list[Conflict] = []
    for (kind, key), group in grouped.items():
        subject, subject_conflicts = _merge(kind, key, group, order)
        subjects[kind].append(subject)
        if kind is not Kind.RUNTIME:  # the runtime's are known once the primary is (_runtimes)
            conflicts.extend(subject_conflicts)

    final = {kind: tuple(sorted(items, key=_subject_sort)) for kind, items in subjects.items()}
    final = _enforce_invariants(final)
    final = _resolve_scripts(final, resolved or {})
    final = _relativize_commands(final)
    final = _run_scripts(final, scripts or {})
    final = _understand_commands(final)
    final = _drop_workload_script_steps(final)
    final = _account_repo_scripts(final, files_read)
    final = {kind: items for kind, items in final.items() if items or kind is not Kind.UNCLASSIFIED}
    runtimes, runtime_subjects, runtime_conflicts = _runtimes(keyed_runtime, final.get(Kind.PROCESS, ()), order)
    final = {**final, Kind.RUNTIME: runtime_subjects} if runtime_subjects else \
        {kind: items for kind, items in final.items() if kind is not Kind.RUNTIME}
    conflicts.extend(runtime_conflicts)
    used = {s.file for items in final.values() for subj in items for s in subj.sources if not s.file.startswith("(")}
    return AppModel(
        root_name=inline(root_name),
        subjects=final,
        secrets_found=_dedupe_secrets(secrets),
        warnings=_dedupe_warnings(warnings),
        conflicts=tuple(sorted(conflicts, key=lambda c: (c.kind.value, c.key, c.field))),
        files_read=tuple(sorted({inline(f) for f in files_read} | used - {OVERRIDE_ANALYZER})),
        analyzers=tuple(name for name, _ in sorted(order.items(), key=lambda kv: kv[1]) if name != OVERRIDE_ANALYZER),
        runtimes=runtimes,
    )


def _runs_in(p: Subject) -> str | None:
    """The language whose runtime runs process ``p``: the provider that claimed its command, else the
    marker language of its program (``bundle exec puma`` -> ruby)."""
    if p.meaning is None:
        return None
    if p.meaning.provider is not None:
        return p.meaning.provider
    return registry.marker_language(_program(p.meaning.container[0])) if p.meaning.container else None


def _program(word: str) -> str:
    return word.rsplit("/", 1)[-1]


def _runtime_key(f: Finding, owners: Mapping[str, str]) -> str:
    """The language a runtime finding is about: the one it names, else its analyzer's provider's, else
    ``""`` (an app-level fact: the legacy app dir, Heroku's buildpacks and stack)."""
    language = f.fields.get("language")
    if isinstance(language, str) and language.strip():
        return language.strip().lower()
    return f.key or owners.get(f.source.analyzer, "")


def _runtimes(keyed: Sequence[tuple[str, Finding]], processes: Sequence[Subject], order: Mapping[str, int]
              ) -> tuple[tuple[RuntimeEntry, ...], tuple[Subject, ...], list[Conflict]]:
    """Every language's runtime entry, the v1 ``runtime`` subject (the primary's findings merged with
    the app-level ones, key ``""``) and the runtime conflicts: the primary's under key ``""`` (what v1
    printed), another language's under its own."""
    by_language: dict[str, list[Finding]] = defaultdict(list)
    for key, f in keyed:
        if key:
            by_language[key].append(f)
    languages = {lang: _merge(Kind.RUNTIME, lang, group, order) for lang, group in by_language.items()}
    # a program a compiled language's build file names (Cargo.toml's package) is that language's process
    built = {str(name): lang for lang, (subject, _) in languages.items() for name in subject.get("binaries") or ()}

    def runs_in(p: Subject) -> str | None:
        found = _runs_in(p)
        if found is None and p.meaning is not None and p.meaning.container:
            found = built.get(_program(p.meaning.container[0]))
        return found

    entries = choose_runtimes({lang: subject for lang, (subject, _) in languages.items()}, processes,
                              [p.NAME for p in registry.PROVIDERS], runs_in)
    primary = entries[0].language if entries else ""
    conflicts = [c for lang, (_, found) in languages.items() if lang != primary for c in found]
    # in the findings' own order, so the facts come out in the order they did before runtimes were keyed
    group = [f for key, f in keyed if key in ("", primary)]
    if not group:
        return entries, (), conflicts
    view, found = _merge(Kind.RUNTIME, "", group, order)
    return entries, (view,), [*found, *conflicts]


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
    meanings: dict[Candidate, CommandMeaning] = {}  # what each stated command means, as its reader said
    for f in group:
        for name, value in f.fields.items():
            if value is None:
                continue
            cand = Candidate(_clean(value), f.source)
            by_field[name].append(cand)
            if name == "command" and f.meaning is not None:
                meanings.setdefault(cand, f.meaning)
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
    command = facts.get("command")
    return Subject(kind, key, facts, meanings.get(command.candidates[0]) if command else None), conflicts


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
    return replace(f, key=key, source=replace(f.source, file=file))


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
    it goes when another process of the same role has a command some file actually states. So does a
    process an older deploy script started by hand (``forever start server.js``) when a declaration
    (the PM2 ecosystem file, a unit) runs the same entrypoint of the same provider under another name."""
    role = p.get("role")
    if _command_confidence(p) < Confidence.DECLARED and p.meaning is not None and p.meaning.entrypoint:
        mine = (p.meaning.provider, p.meaning.entrypoint)
        if any(q is not p and q.get("role") == role and _command_confidence(q) >= Confidence.DECLARED
               and q.meaning is not None and (q.meaning.provider, q.meaning.entrypoint) == mine for q in processes):
            return True
    if _command_confidence(p) > Confidence.HEURISTIC:
        return False
    return any(
        q is not p and q.get("role") == role and _command_confidence(q) >= Confidence.INFERRED for q in processes
    )


def _twin(p: Subject, processes: tuple[Subject, ...]) -> Subject | None:
    """The host step a process superseded by a declared one of the same entrypoint becomes, else None."""
    command = p.facts.get("command")
    if command is None or p.meaning is None:
        return None
    q = next((q for q in processes if q is not p and q.meaning is not None and q.get("role") == p.get("role")
              and (q.meaning.provider, q.meaning.entrypoint) == (p.meaning.provider, p.meaning.entrypoint)), None)
    if q is None:
        return None
    text = str(command.value)
    where = q.facts["command"].source.where()
    reason = (f"started {p.meaning.entrypoint} on the old hosts, as process {q.key} ({where}) does now: its "
              "Deployment replaces this")
    facts = {"command": Fact("command", text, command.candidates, False, command.reason),
             "reason": Fact("reason", reason, (Candidate(reason, command.source),), False, "")}
    return Subject(Kind.HOST_STEP, text, facts)


_ROLE_NAMES = {"web": ProcessRole.WEB, "worker": ProcessRole.WORKER, "beat": ProcessRole.SCHEDULER,
               "clock": ProcessRole.SCHEDULER, "scheduler": ProcessRole.SCHEDULER, "release": ProcessRole.RELEASE}


def _with_role(p: Subject) -> Subject:
    """A process with a command and no role (``[processes.web] command = ...`` in migrate.toml) gets one:
    from its name when that is a role's name, else from what the command is, else worker."""
    if p.get("role") or not p.get("command"):
        return p
    fact = p.facts["command"]
    said = p.meaning if p.meaning is not None and p.meaning.text == fact.value else None
    role = _ROLE_NAMES.get(p.key) or (said or registry.understand(str(fact.value), fact.source)).role \
        or ProcessRole.WORKER
    src = Source("(planner)", None, "planner", Confidence.DEFAULT)
    why = "no source gave a role: " + (f"the process is named {p.key!r}" if p.key in _ROLE_NAMES
                                       else "from its command, else worker")
    return replace(p, facts={**p.facts, "role": Fact("role", role.value, (Candidate(role.value, src),), False, why)})


def _enforce_invariants(subjects: dict[Kind, tuple[Subject, ...]]) -> dict[Kind, tuple[Subject, ...]]:
    """Rules that hold whatever the sources say: a scheduler runs exactly once; a guessed process
    does not duplicate a declared one."""
    procs = []
    replaced: list[Subject] = []
    all_procs = tuple(_with_role(p) for p in subjects.get(Kind.PROCESS, ()))
    for p in all_procs:
        if _superseded(p, all_procs):
            twin = _twin(p, all_procs)
            if twin is not None:  # not dropped silently: listed as the legacy host step it was
                replaced.append(twin)
            continue
        if p.get("role") in _SINGLETON_ROLES and p.get("replicas") != 1:
            facts = dict(p.facts)
            prior = facts.get("replicas")
            # the tool's own rule, ranked as a default so real files come first in the evidence
            src = Source("(planner)", None, "planner", Confidence.DEFAULT)
            cands = (Candidate(1, src), *(prior.candidates if prior else ()))
            facts["replicas"] = Fact("replicas", 1, cands, False, "schedulers are singletons: replicas forced to 1")
            p = replace(p, facts=facts)
        procs.append(p)
    if procs:
        subjects = {**subjects, Kind.PROCESS: tuple(procs)}
    if replaced:
        host = sorted([*subjects.get(Kind.HOST_STEP, ()), *replaced], key=_subject_sort)
        subjects = {**subjects, Kind.HOST_STEP: tuple(host)}
    env = []
    for e in subjects.get(Kind.ENV, ()):
        if e.get("secret") and "default" in e.facts:
            # one source knows the var is secret (an add-on's URL, a *_PASSWORD name) while another
            # saw a harmless-looking default: a secret var never carries a default in any output
            e = replace(e, facts={k: v for k, v in e.facts.items() if k != "default"})
        env.append(e)
    if env:
        subjects = {**subjects, Kind.ENV: tuple(env)}
    return subjects


# Sections whose ``command`` runs inside the image.
_COMMAND_KINDS = (Kind.PROCESS, Kind.SCHEDULE, Kind.RELEASE_STEP, Kind.BUILD_STEP)
_RESOLVED_KINDS = (Kind.PROCESS, Kind.SCHEDULE)  # their command is PID 1: never a package manager


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


def _rewrite_commands(subjects: dict[Kind, tuple[Subject, ...]],
                      rewrite: Callable[[Subject, Fact], Subject | None]) -> dict[Kind, tuple[Subject, ...]]:
    """Each subject of the command kinds whose command is a string, through ``rewrite`` (None: as it was)."""
    out = dict(subjects)
    for kind in _COMMAND_KINDS:
        if kind not in out:
            continue
        changed = []
        for subject in subjects[kind]:
            fact = subject.facts.get("command")
            if fact is not None and isinstance(fact.value, str):
                subject = rewrite(subject, fact) or subject
            changed.append(subject)
        out[kind] = tuple(changed)
    return out


def _with_command(subject: Subject, fact: Fact, new: str, why: str, meaning: CommandMeaning | None) -> Subject:
    facts = {**subject.facts, "command": Fact("command", new, fact.candidates, fact.conflict, f"{fact.reason}; {why}")}
    return replace(subject, facts=facts, meaning=meaning)


def _relativize_commands(subjects: dict[Kind, tuple[Subject, ...]]) -> dict[Kind, tuple[Subject, ...]]:
    """``/opt/notes/scripts/backup.sh`` -> ``scripts/backup.sh`` when the app lived in /opt/notes: in the
    image the app directory is the working directory, and the host path does not exist there."""
    dirs = _legacy_dirs(subjects)
    if not dirs:
        return subjects

    def rewrite(subject: Subject, fact: Fact) -> Subject | None:
        assert isinstance(fact.value, str)
        meaning = subject.meaning if subject.meaning and subject.meaning.text == fact.value else None
        new = fact.value
        for d in dirs:
            if meaning is not None:  # the words are known: move them, and the text with them
                meaning = meaning.in_dir(d)
                new = meaning.text
            else:
                new = relativize(new, d)
        if new == fact.value:
            return None
        return _with_command(subject, fact, new, "host paths under the legacy app directory made relative to the "
                             "image's", meaning)

    return _rewrite_commands(subjects, rewrite)


def _resolve_scripts(subjects: dict[Kind, tuple[Subject, ...]],
                     resolved: Mapping[str, tuple[str, str]]) -> dict[Kind, tuple[Subject, ...]]:
    """``npm start`` -> ``node server.js`` for processes and schedules: a package manager must not be the
    container's PID 1 (npm does not pass SIGTERM on). Build and release steps keep the script command,
    which also runs its pre/post hooks."""
    if not resolved:
        return subjects

    def rewrite(subject: Subject, fact: Fact) -> Subject | None:
        if subject.kind not in _RESOLVED_KINDS:
            return None
        found = resolved.get(str(fact.value)) or next(
            (r for c in fact.candidates[:1] if (r := resolved.get(str(c.value)))), None)
        if found is None or found[0] == fact.value:
            return None
        return _with_command(subject, fact, found[0], found[1], None)  # another text: understood anew

    return _rewrite_commands(subjects, rewrite)


def _run_scripts(subjects: dict[Kind, tuple[Subject, ...]],
                 heads: Mapping[str, str]) -> dict[Kind, tuple[Subject, ...]]:
    """``scripts/backup.sh`` -> ``bash scripts/backup.sh``: a repo script runs through the interpreter its
    shebang names, so a file that is not executable in git (or names an interpreter the image lacks)
    still runs (:mod:`migrator.script_commands`)."""
    if not heads:
        return subjects

    def rewrite(subject: Subject, fact: Fact) -> Subject | None:
        assert isinstance(fact.value, str)
        new, scripts = through_interpreter(fact.value, heads)
        if not scripts:
            return None
        how = ", ".join(f"{s} ({heads[s] or 'no shebang'})" for s in scripts)
        # another text: understood anew
        return _with_command(subject, fact, new, f"run through the interpreter of {how}, whatever its git mode", None)

    return _rewrite_commands(subjects, rewrite)


def _understand_commands(subjects: dict[Kind, tuple[Subject, ...]]) -> dict[Kind, tuple[Subject, ...]]:
    """Every command that runs in the image carries what it means, for the generators: the winning
    reader's meaning when it states the final command; else (a migrate.toml command, a chain, a
    command whose secret was lifted or scrubbed, a script now run through its interpreter) the command
    as it now reads, understood once."""
    out = dict(subjects)
    for kind in _COMMAND_KINDS:
        if kind not in out:
            continue
        understood = []
        for subject in out[kind]:
            fact = subject.facts.get("command")
            if fact is not None and isinstance(fact.value, str) and fact.value.strip() and (
                    subject.meaning is None or subject.meaning.text != fact.value):
                subject = replace(subject, meaning=registry.understand(fact.value, fact.source))
            understood.append(subject)
        out[kind] = tuple(understood)
    return out


def _workload_scoped(findings: list[Finding], warnings: list[Warning]) -> tuple[list[Finding], list[Warning]]:
    """What a script needs in the pod (:mod:`analyzers.deploy.script_needs`: programs, writable paths, localhost
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
    run_by_workloads: set[str] = set()
    for kind in (Kind.SCHEDULE, Kind.PROCESS, Kind.RELEASE_STEP):
        for subject in subjects.get(kind, ()):
            argv = subject.meaning.container if subject.meaning else ()
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
    shell_files = {s.file for items in subjects.values() for subj in items for s in subj.sources
                   if s.analyzer == "shell"} | {f for f in files_read if f.endswith((".sh", ".bash"))}
    kept: list[Subject] = []
    moved: list[Subject] = []
    for step in subjects.get(Kind.UNCLASSIFIED, ()):
        fact = step.facts.get("command")
        argv = list(registry.understand(str(fact.value), fact.source).container) if fact is not None else []
        if argv and argv[0].rsplit("/", 1)[-1] in ("sh", "bash", "dash"):
            argv = [a for a in argv[1:] if not a.startswith("-")]
        script = argv[0].removeprefix("./") if argv else ""
        if script not in shell_files:
            kept.append(step)
            continue
        assert fact is not None  # argv came from it
        reason = f"runs {script} of this repository: its own commands are classified where it is read"
        facts = {**step.facts, "reason": Fact("reason", reason, fact.candidates, False, "the script is read itself")}
        moved.append(replace(step, kind=Kind.HOST_STEP, facts=facts))
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
