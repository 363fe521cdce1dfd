"""What each Fabric call becomes: a command run (``run``/``sudo``/``local``, ``c.run``) is split and
interpreted into processes and steps in its context (cwd, user, hosts); ``prefix`` and ``shell_env``
change the context or declare variables; ``put``/``upload_template``/``rsync_project`` are files copied
to the hosts.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from analyzers import base
from analyzers.base import H, Src
from analyzers.commands import basename, meaning
from analyzers.deploy.fabric.model import _REPO, NAME, Conn, CtxChange, _cd, _string
from analyzers.deploy.fabric.state import State
from analyzers.deploy_commands import interpret, parse_at
from analyzers.pyresolve import text
from analyzers.shelltext import split_list
from migrator.commands import ParsedCommand
from migrator.model import Finding, Kind, ProcessRole, SecretFinding
from migrator.repo import normalize
from migrator.secrets import scrub, value_secret_kind

_STEP_FIELDS = {Kind.RELEASE_STEP, Kind.BUILD_STEP, Kind.HOST_STEP, Kind.PROCESS, Kind.UNCLASSIFIED}
_WEB_CMD = re.compile(r"\b(gunicorn|uwsgi|uvicorn|daphne|hypercorn|waitress-serve|runserver|nginx|apache2|apachectl"
                      r"|httpd|passenger)\b")
_RESTART = re.compile(r"(\b(supervisorctl|systemctl|service)\b|/etc/init\.d/).*(?<![-\w])(restart|reload|start)\b")
_NOT_WEB = re.compile(r"(worker|celery|beat|\brq\b|cron|queue|scheduler|clock|redis|postgres|mysql|memcache)", re.I)
_HEALTH = re.compile(r"\b(curl|wget)\b.*https?://\S+/(health|healthz|ping|status|ready)")


class Effects(State):
    """Commands, files and variables: the findings a call adds."""

    def _command(
        self, op: str, command: Any, line: int, *, user: str | None, conn: Conn | None, detached: bool = False
    ) -> None:
        if command is None:
            return
        cmd = text(command).replace(_REPO + "/", "")
        src = Src(NAME, self.rel, line)
        cwd = self.ctx.lcwd if op == "local" else self.ctx.cwd
        hosts = conn.hosts if conn is not None and conn.hosts is not None else self.ctx.hosts
        for part, background in split_list(cmd):
            parsed = parse_at(part, src, cwd=cwd, background=background or detached, origin=f"{op}()")
            if parsed.argv[:1] == ("cd",):
                cwd = _cd(cwd, parsed.argv[1] if len(parsed.argv) > 1 else "~")
                continue
            emitted_secret = False
            for item in interpret(parsed, src):
                if isinstance(item, Finding) and item.kind in _STEP_FIELDS and "command" in item.fields:
                    extra: dict[str, Any] = {"cwd": cwd}
                    if op == "local":
                        extra["runs_on"] = "local"
                    item = replace(item, fields={**item.fields, **{k: v for k, v in extra.items() if v}})
                    if item.kind is Kind.PROCESS and "role" in item.fields:
                        self._process_user(item.key, parsed, op, user, conn, src)
                emitted_secret |= isinstance(item, SecretFinding)
                self.out.append(item)
            kind = value_secret_kind(part)
            if kind and not emitted_secret:
                self.out.append(base.hardcoded_secret(src, f"{op} command", kind))
            elif scrub(part) != part and not emitted_secret:
                self.out.append(base.hardcoded_secret(src, f"{op} command", "password"))
            if hosts is not None and op != "local" and (hosts.web_role or _webish(parsed)):
                self.hints.setdefault(hosts.where, hosts)

    def _process_user(self, key: str, part: ParsedCommand, op: str, user: str | None, conn: Conn | None,
                      src: Src) -> None:
        who = _sudo_user(part.argv)
        if who is None and op == "sudo":
            who = user or self.ctx.sudo_user
        elif who is None and op == "run":
            who = (conn.user if conn is not None else None) or self.ctx.user
        if who:
            self.out.append(base.process(key, src, H, user=who))

    def _prefix(self, command: Any, line: int) -> CtxChange:
        cmd = text(command)
        src = Src(NAME, self.rel, line)
        cwd: str | None = None
        for part, _ in split_list(cmd):
            parsed = parse_at(part, src, origin="prefix()")
            if parsed.argv[:1] == ("cd",) and len(parsed.argv) > 1:
                cwd = _cd(cwd, parsed.argv[1])  # prefix("cd /srv/app") is how old fabfiles chdir
            else:
                self.out.extend(interpret(parsed, src))
        return CtxChange(cwd=cwd, prefixes=(cmd,))

    def _env_vars(self, values: dict[str, Any], line: int) -> None:
        src = Src(NAME, self.rel, line)
        for name, value in values.items():
            known = str(value) if isinstance(value, (int, float)) else _string(value)
            self.out.append(base.env_var(name, src, base.D, default=known, set_by="fabric shell_env"))

    def _deploy_file(self, op: str, local: Any, remote: Any, line: int, template_dir: str | None) -> None:
        repo_file = self._repo_file(text(local), template_dir) if local is not None else None
        self._host_files(op, local, remote, line, "file copied to the hosts: the image or a ConfigMap carries it",
                         repo_file=repo_file)

    def _host_files(
        self, op: str, local: Any, remote: Any, line: int, reason: str, repo_file: str | None = None
    ) -> None:
        local_text = text(local).replace(_REPO + "/", "") if local is not None else None
        remote_text = text(remote) if remote is not None else None
        command = " ".join(p for p in (op, local_text, remote_text) if p)
        step = base.host_step(command, Src(NAME, self.rel, line), reason)
        extra = {"local_path": local_text, "remote_path": remote_text, "repo_file": repo_file}
        self.out.append(Finding(step.kind, step.key, {**step.fields, **{k: v for k, v in extra.items() if v}},
                                step.source))

    def _repo_file(self, local: str, template_dir: str | None) -> str | None:
        if "${" in local or any(c in local for c in "*?["):
            return None
        if local.startswith(_REPO + "/"):
            rel = normalize(local[len(_REPO) + 1:])
            return rel if self.repo.exists(rel) else None
        if local.startswith("/"):
            return None
        paths = [posixpath.join(template_dir, local)] if template_dir else []
        if self.ctx.lcwd and not self.ctx.lcwd.startswith("/"):
            paths.append(posixpath.join(self.ctx.lcwd, local))
        paths.append(local)
        # fab runs from the fabfile's directory (or the one above a fabfile/ package)
        dirs = self.rel.split("/")[:-1]
        for path in paths:
            for depth in range(len(dirs), -1, -1):
                rel = normalize("/".join([*dirs[:depth], path]))
                if self.repo.exists(rel):
                    return rel
        return None


def _sudo_user(argv: Sequence[str]) -> str | None:
    if not argv or basename(argv[0]) != "sudo":
        return None
    for i, tok in enumerate(argv[1:], 1):
        if not tok.startswith("-"):
            break
        if tok in ("-u", "--user") and i + 1 < len(argv):
            return argv[i + 1]
        if tok.startswith("--user="):
            return tok.split("=", 1)[1]
        if tok.startswith("-u") and len(tok) > 2:
            return tok[2:]
    return None


def _webish(cmd: ParsedCommand) -> bool:
    """Does this command deploy, restart or check the web tier?"""
    part = cmd.text
    if meaning(cmd).role is ProcessRole.WEB or _WEB_CMD.search(part) or _HEALTH.search(part):
        return True
    return bool(_RESTART.search(part)) and not _NOT_WEB.search(part)
