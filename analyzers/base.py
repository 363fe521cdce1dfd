"""What every analyzer shares: the analyzer signature and small constructors for findings.

An analyzer is a module with ``NAME`` and ``analyze(repo) -> Iterable[Item]``; an empty result means
"not applicable". Constructors here keep findings uniform, e.g.::

    src = Src("procfile", "Procfile", 3)
    yield process("web", src, role="web", command="gunicorn app:app")
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Protocol

from migrator.commands import CommandMeaning, ParsedCommand
from migrator.model import Confidence, Finding, Kind, SecretFinding, Source, Value, Warning
from migrator.repo import RepoView
from migrator.secrets import REDACTED, bears_secret, is_placeholder, is_secret_name, scrub, secret_kind

Item = Finding | SecretFinding | Warning

# Short names for the confidences, used by every analyzer.
D, I, H, DEF = Confidence.DECLARED, Confidence.INFERRED, Confidence.HEURISTIC, Confidence.DEFAULT  # noqa: E741


class Analyzer(Protocol):
    NAME: str

    def analyze(self, repo: RepoView) -> Iterable[Item]: ...


@dataclass(frozen=True)
class Src:
    """A source in the making: analyzer, file and line; the confidence is chosen per finding."""

    analyzer: str
    file: str
    line: int | None = None

    def at(self, line: int | None) -> Src:
        return Src(self.analyzer, self.file, line)

    def __call__(self, confidence: Confidence = D) -> Source:
        return Source(self.file, self.line, self.analyzer, confidence)


def _finding(kind: Kind, key: str, src: Src, confidence: Confidence, fields: dict[str, Value]) -> Finding:
    return Finding(kind, key, {k: v for k, v in fields.items() if v is not None}, src(confidence))


def runtime(src: Src, confidence: Confidence = D, **fields: Value) -> Finding:
    """language, version, package_manager, framework, task_queue, app_server, entrypoint ..."""
    return _finding(Kind.RUNTIME, "", src, confidence, fields)


def process(name: str, src: Src, confidence: Confidence = D, **fields: Value) -> Finding:
    """role, command, port, replicas, user, memory_limit, cpu_limit, stop_timeout, legacy_name ..."""
    return _finding(Kind.PROCESS, name, src, confidence, fields)


def env_var(
    name: str,
    src: Src,
    confidence: Confidence = D,
    *,
    default: str | None = None,
    secret: bool | None = None,
    required: bool | None = None,
    **fields: Value,
) -> Finding:
    """An env var the app reads. The default is dropped whenever the name or the value looks secret
    (a URL with a password part is secret-bearing even when the password is a placeholder)."""
    bearing = default is not None and (bears_secret(default) or secret_kind(name, default) is not None)
    if secret is None:
        secret = is_secret_name(name) or bearing
    if secret or bearing:
        default = None
    fields = {"default": default, "secret": secret, "required": required, **fields}
    return _finding(Kind.ENV, name, src, confidence, fields)


def hardcoded_secret(src: Src, name: str, kind: str) -> SecretFinding:
    return SecretFinding(src.file, src.line, name, kind, src.analyzer)


def check_assignment(src: Src, name: str, value: str) -> SecretFinding | None:
    """A SecretFinding when ``name=value`` hard-codes a real secret (not a placeholder)."""
    if is_placeholder(value):
        return None
    kind = secret_kind(name, value)
    return hardcoded_secret(src, name, kind) if kind else None


def system_package(
    name: str, src: Src, confidence: Confidence = D, *, stage: str = "runtime", **fields: Value
) -> Finding:
    """stage: "runtime" (needed by the running app) or "build" (compilers, -dev headers)."""
    return _finding(Kind.SYSTEM_PACKAGE, name, src, confidence, {"stage": stage, **fields})


def release_step(command: str, src: Src, confidence: Confidence = D, **fields: Value) -> Finding:
    return _finding(Kind.RELEASE_STEP, command, src, confidence, {"command": command, **fields})


def build_step(command: str, src: Src, confidence: Confidence = D, **fields: Value) -> Finding:
    return _finding(Kind.BUILD_STEP, command, src, confidence, {"command": command, **fields})


def host_step(command: str, src: Src, reason: str, confidence: Confidence = D) -> Finding:
    """A legacy host-only step the container build replaces (git pull, systemctl restart ...)."""
    return _finding(Kind.HOST_STEP, command, src, confidence, {"command": command, "reason": reason})


def unclassified_step(command: str, src: Src, reason: str, confidence: Confidence = D) -> Finding:
    """A deploy command no rule classifies (neither process, release, build, host step nor schedule):
    reported as "unclassified: review" with its file and line, never silently dropped."""
    return _finding(Kind.UNCLASSIFIED, command, src, confidence, {"command": command, "reason": reason})


def schedule(name: str, src: Src, confidence: Confidence = D, **fields: Value) -> Finding:
    """schedule (5-field cron), command, user."""
    return _finding(Kind.SCHEDULE, name, src, confidence, fields)


def service(kind: str, src: Src, confidence: Confidence = I, **fields: Value) -> Finding:
    """A backing service: postgres, mysql, redis, rabbitmq, memcached, mongodb, elasticsearch ..."""
    return _finding(Kind.SERVICE, kind, src, confidence, {"kind": kind, **fields})


def health_check(path: str, src: Src, confidence: Confidence = H, **fields: Value) -> Finding:
    return _finding(Kind.HEALTH_CHECK, path, src, confidence, {"path": path, **fields})


def ingress(host: str, src: Src, confidence: Confidence = D, **fields: Value) -> Finding:
    return _finding(Kind.INGRESS, host, src, confidence, {"host": host, **fields})


def volume(path: str, src: Src, confidence: Confidence = I, **fields: Value) -> Finding:
    return _finding(Kind.VOLUME, path, src, confidence, {"path": path, **fields})


def stating(finding: Finding, parsed: ParsedCommand | None, meaning: CommandMeaning | None = None) -> Finding:
    """``finding`` (whose ``command`` field is the command as it runs in the image) with the command as the
    reader parsed it and what it means: the planner keeps the winner's meaning for the generators."""
    return replace(finding, parsed=parsed, meaning=meaning)


def with_fields(finding: Finding, fields: Mapping[str, Value], *, key: str | None = None,
                source: Source | None = None) -> Finding:
    """``finding`` with other fields (key, source): it keeps its parsed command and meaning only while its
    ``command`` stays as it was (a scrubbed or redacted command is another text; the planner reads it anew)."""
    same = fields.get("command") == finding.fields.get("command")
    return replace(finding, fields=fields, key=finding.key if key is None else key,
                   source=finding.source if source is None else source,
                   parsed=finding.parsed if same else None, meaning=finding.meaning if same else None)


def warning(src: Src, message: str) -> Warning:
    return Warning(message, src.file, src.line)


def redact(text: str, secret_values: Collection[str]) -> str:
    """``text`` scrubbed (:func:`migrator.secrets.scrub`), and every value a reader knows to be a secret
    (a password literal it saw: 4 characters or more) cut out too."""
    out = scrub(text)
    for secret in secret_values:
        if len(secret) >= 4:
            out = out.replace(secret, REDACTED)
    return out


def scrubbed(item: Item, secret_values: Collection[str]) -> Item:
    """A finding with every string it carries (its key and fields) redacted; other items as they are."""
    if not isinstance(item, Finding):
        return item
    fields = {k: redact(v, secret_values) if isinstance(v, str) else v for k, v in item.fields.items()}
    return with_fields(item, fields, key=redact(item.key, secret_values))
