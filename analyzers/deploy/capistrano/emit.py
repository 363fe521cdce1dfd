"""One deploy command into findings: split into simple commands (``&&``, ``;``), each parsed with its
context (``within`` -> cwd, ``with`` -> env, ``as`` -> user, ``on roles(...)``) and handed to
:func:`analyzers.deploy.deploy_commands.interpret`; each step or process keeps the task and the point of
the deploy flow it runs at. Shared by the Capistrano walk and the Mina reader.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field, replace
from typing import Any

from analyzers import base
from analyzers.base import Item, Src
from analyzers.deploy.capistrano.model import Ctx
from analyzers.deploy.deploy_commands import interpret, parse_at
from analyzers.lib.shelltext import split_list
from migrator.model import Finding, Kind, SecretFinding
from migrator.repo import RepoView, normalize
from migrator.secrets import REDACTED, is_secret_name, scrub, value_secret_kind

_NOTIFY = re.compile(r"hooks\.slack\.com|\$\{?\w*(SLACK|WEBHOOK|HIPCHAT|DISCORD|TEAMS)\w*"
                     r"|discord(app)?\.com/api/webhooks|webhook\.office\.com|api\.flowdock|hipchat", re.I)
_HOOKED = ("runs only {hook}, not in every deploy: review whether it belongs in the release Job, the image build, "
           "or nowhere")
_STEP_KINDS = {Kind.RELEASE_STEP, Kind.BUILD_STEP, Kind.HOST_STEP, Kind.PROCESS, Kind.UNCLASSIFIED}
_MANUAL = ("run by hand (cap <stage> {task}), not by every deploy: review whether it belongs in the release "
           "Job, the image build, or nowhere")


@dataclass
class Emitter:
    """The findings so far, the processes started under ``on roles(...)``, and the secret values to cut."""

    repo: RepoView
    out: list[Item] = field(default_factory=list)
    process_roles: dict[str, tuple[tuple[str, ...], str, int]] = field(default_factory=dict)
    secret_values: set[str] = field(default_factory=set)
    manual: str = _MANUAL  # why a task no deploy runs is no step (``{task}``: its name): the tool's command

    def command(self, text: str, src: Src, ctx: Ctx, origin: str, *, env: tuple[tuple[str, str], ...] = (),
                extra: dict[str, Any] | None = None) -> None:
        """Every simple command of ``text`` (run at ``src`` in ``ctx``) through interpret."""
        cwd = ctx.cwd
        for part, background in split_list(text):
            parsed = parse_at(part, src, cwd=cwd, env=(*ctx.env, *env), user=ctx.user, background=background,
                              origin=origin, hosts=ctx.roles)
            if parsed.argv[:1] == ("cd",):
                cwd = cd(cwd, parsed.argv[1] if len(parsed.argv) > 1 else "~")
                continue
            if _NOTIFY.search(part) and parsed.program in ("curl", "wget", "http"):
                self.host(part, src, "deploy notification: the CI/CD pipeline that rolls out the image notifies "
                                     "instead", replace(ctx, cwd=cwd))
                continue
            emitted_secret = False
            for item in interpret(parsed, src):
                emitted_secret |= isinstance(item, SecretFinding)
                self.out.append(self.place(item, ctx, cwd, {"env": _env_text((*ctx.env, *env)), **(extra or {})}))
            if not emitted_secret and (value_secret_kind(part) or scrub(part) != part):
                self.out.append(base.hardcoded_secret(src, f"{origin} command", value_secret_kind(part) or "password"))

    def host(self, command: str, src: Src, reason: str, ctx: Ctx, **fields: Any) -> None:
        """A host-only step that is no shell command (a file upload, a plugin's restart)."""
        step = base.host_step(command, src, reason)
        self.out.append(self.place(base.with_fields(step, {**step.fields, **{k: v for k, v in fields.items()
                                                                               if v is not None}}), ctx, None, {}))

    def place(self, item: Item, ctx: Ctx, cwd: str | None, extra: dict[str, Any]) -> Item:
        """``item`` (a step or process a command gave) with where it ran: cwd, roles or local, task, flow
        point and hook; outside the flow, a release/build step is unclassified (a task run by hand)."""
        if not isinstance(item, Finding) or item.kind not in _STEP_KINDS or "command" not in item.fields:
            return item
        fields: dict[str, Any] = {**item.fields, **{k: v for k, v in extra.items() if v is not None}}
        if cwd:
            fields["cwd"] = cwd
        if ctx.local:
            fields["runs_on"] = "local"
        elif ctx.roles:
            fields["roles"] = ",".join(ctx.roles)
        if ctx.task:
            fields["task"] = ctx.task
        if ctx.phase:
            fields["deploy_phase"] = ctx.phase
        if ctx.hook:
            fields["hook"] = ctx.hook
        if item.kind is Kind.PROCESS and "role" in item.fields and ctx.roles and not ctx.local:
            self.process_roles.setdefault(item.key, (ctx.roles, item.source.file, item.source.line or 0))
        if ctx.phase is None and item.kind in (Kind.RELEASE_STEP, Kind.BUILD_STEP, Kind.UNCLASSIFIED):
            # a task no deploy runs: it is not a step of every deploy (a person runs it, or nobody)
            reason = _HOOKED.format(hook=ctx.hook) if ctx.hook else self.manual.format(task=ctx.task)
            return replace(base.unclassified_step(str(fields["command"]), _src(item), reason, item.source.confidence),
                           fields={**fields, "reason": reason, "classified_as": None if item.kind is Kind.UNCLASSIFIED
                                   else item.kind.value})
        return base.with_fields(item, fields)

    def repo_file(self, local: str, base_dir: str = "") -> str | None:
        """``local`` (an ``upload!`` source, relative to where ``cap`` runs: the repo root) as a repo file."""
        if not local or "${" in local or local.startswith("/") or any(c in local for c in "*?["):
            return None
        rel = normalize(f"{base_dir}/{local}" if base_dir else local)
        return rel if not rel.startswith("../") and self.repo.exists(rel) else None

    def clean(self, item: Item) -> Item:
        """Scrub every string a finding carries; values known to be secrets are cut out too."""
        return base.scrubbed(item, self.secret_values)


def _env_text(env: tuple[tuple[str, str], ...]) -> str | None:
    """``with rails_env: ...`` as the command's environment, secret-named values redacted."""
    return " ".join(f"{k}={REDACTED if is_secret_name(k) else v}" for k, v in env) or None


def cd(cwd: str | None, path: str | None) -> str | None:
    """``cwd`` after ``cd path``."""
    if path is None:
        return cwd
    if cwd is None or path.startswith(("/", "~", "$")):
        return path
    return posixpath.normpath(posixpath.join(cwd, path))


def _src(item: Finding) -> Src:
    return Src(item.source.analyzer, item.source.file, item.source.line)


def dedupe(items: list[Item]) -> list[Item]:
    """The same finding reached twice is reported once; the same command at the same line run by two
    tasks (a plugin's restart hooked by the plugin and invoked by the repo's own task) is reported at its
    first run in the flow, the later runs named in ``also_runs`` (one claim per field, no conflict)."""
    seen: set[str] = set()
    first: dict[tuple[Any, ...], int] = {}
    also: dict[int, list[str]] = {}
    out: list[Item] = []
    for item in items:
        key = repr((type(item).__name__, getattr(item, "kind", None), getattr(item, "key", None),
                    sorted(item.fields.items()) if isinstance(item, Finding) else item, getattr(item, "source", None)))
        if key in seen:
            continue
        seen.add(key)
        if isinstance(item, Finding) and item.kind in _STEP_KINDS and "task" in item.fields:
            where = (item.kind, item.key, item.source.file, item.source.line)
            if where in first:
                run = str(item.fields["task"]) + (f" ({item.fields['hook']})" if item.fields.get("hook") else "")
                also.setdefault(first[where], []).append(run)
                continue
            first[where] = len(out)
        out.append(item)
    for index, runs in also.items():
        found = out[index]
        if isinstance(found, Finding):
            out[index] = base.with_fields(found, {**found.fields, "also_runs": "; ".join(dict.fromkeys(runs))})
    return out
