"""Read the Node app's own JS/TS code (through tree-sitter, never run): env vars, secrets, ports, health
routes, queue workers, in-process schedules, signal handling and the backing services its dependencies
name. The Node counterpart of :mod:`analyzers.providers.python.python_code`, emitting the same kinds and field names.

Files: :mod:`.appfiles` picks the app package (the workspace that is the app, in a monorepo), its
sources and its entries; :func:`.code.read_code` reads each file that holds a trigger. For each entry that
runs on its own, what it requires (transitively) decides its role: a ``listen`` makes it web (port from
the env var's default or a literal), a queue consumer makes it a worker, an in-process schedule makes it
a singleton (one replica; never a CronJob: the schedule lives in the process). The process key is the
PM2 app's, unit's, supervisor program's or Procfile entry's that runs the file (:mod:`.declared`; then
only facts are added to that process), else what the providers call ``node <file>``, else its role. A
process proposed from code alone (command ``node <file>``) is INFERRED when package.json names the entry
(a ``node X`` script, ``main``) and HEURISTIC when only a usual file name does (``server.js``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace

from analyzers import base
from analyzers.base import DEF, H, I, Item, Src
from analyzers.commands import join, meaning, parse_command
from analyzers.lib import treesitter
from analyzers.providers.node.appfiles import AppFiles, Entry, app_files, closure
from analyzers.providers.node.code import health_routes, read_code
from analyzers.providers.node.declared import Declared, declared_processes, declaring
from analyzers.providers.node.facts import CodeFacts
from analyzers.providers.node.frameworks import frameworks
from migrator.model import Source
from migrator.repo import RepoView

NAME = "node_code"

# package.json dependencies that need a backing service (the driver, the queue library, the ODM)
SERVICES: Mapping[str, str] = {
    "pg": "postgres", "pg-promise": "postgres", "postgres": "postgres", "pg-pool": "postgres",
    "mysql": "mysql", "mysql2": "mysql", "mariadb": "mysql",
    "redis": "redis", "ioredis": "redis", "bull": "redis", "bullmq": "redis", "bee-queue": "redis", "kue": "redis",
    "@nestjs/bull": "redis", "@nestjs/bullmq": "redis", "connect-redis": "redis", "@redis/client": "redis",
    "mongodb": "mongodb", "mongoose": "mongodb", "agenda": "mongodb", "connect-mongo": "mongodb",
    "amqplib": "rabbitmq", "amqp-connection-manager": "rabbitmq", "rascal": "rabbitmq",
    "memcached": "memcached", "memjs": "memcached",
    "@elastic/elasticsearch": "elasticsearch", "elasticsearch": "elasticsearch",
}
_KNEX_CLIENTS = {"pg": "postgres", "postgres": "postgres", "postgresql": "postgres", "pgnative": "postgres",
                 "mysql": "mysql", "mysql2": "mysql", "mariadb": "mysql"}
_KNEX_CLIENT = re.compile(r"""\bclient\s*:\s*['"]([a-z0-9]+)['"]""")


@dataclass(frozen=True)
class _Run:
    """One entry that runs on its own, with the facts of everything it requires."""

    entry: Entry
    facts: tuple[CodeFacts, ...]
    key: str
    declared: bool  # PM2, a unit or the Procfile declares this process (its reader gives the command)
    by: Declared | None = None  # the unit or Procfile entry (with the env it sets)

    @property
    def listens(self) -> bool:
        return any(f.listens for f in self.facts) or any(
            c.callee == "NestFactory.create" for f in self.facts for c in f.constructs)

    @property
    def consumes(self) -> bool:
        return any(f.workers for f in self.facts)


def analyze(repo: RepoView) -> Iterator[Item]:
    app = app_files(repo)
    if app is None:
        return
    facts: dict[str, CodeFacts] = {}
    try:
        for rel in app.sources:
            data = repo.read_bytes(rel)
            found = read_code(rel, data) if data is not None else None
            if found is not None:
                facts[rel] = found
    except treesitter.Unavailable as exc:
        yield base.warning(Src(NAME, app.package.file), f"the JavaScript/TypeScript grammar is not installed ({exc}); "
                                                        "the Node code was not read")
        return
    if app.partial:
        yield base.warning(Src(NAME, app.package.file), f"more than {len(app.sources)} JS/TS files: the first were "
                                                        "read (entries and what they require first)")
    for f in facts.values():
        if not f.complete:
            yield base.warning(Src(NAME, f.file), "file read in part (too large or too slow to query): facts may "
                                                  "be missing")
    runs = _runs(repo, app, facts)
    if not runs and not frameworks(app.package):
        return  # package.json for assets or tooling only (webpack next to Django): not a Node app's code
    needed = {f: r.entry.file for r in runs for f in (x.file for x in r.facts)}
    yield from _env(facts, needed)
    yield from _health(facts, repo)
    for run in runs:
        yield from _process(run)
    yield from _signals(runs)
    yield from _dotenv(facts)
    yield from _services(repo, app)


def _runs(repo: RepoView, app: AppFiles, facts: Mapping[str, CodeFacts]) -> list[_Run]:
    """The entries that start a process: declared ones, and usual names no other entry requires."""
    reach = {e.file: closure(repo, [e.file], app.packages) for e in app.entries}
    required = {f for e, files in reach.items() for f in files if f != e}
    declared = declared_processes(repo, app.workspaces)
    out = []
    for e in app.entries:
        if not e.declared and e.file in required:
            continue  # app.js that server.js requires is a module, not a process
        got = tuple(facts[f] for f in reach[e.file] if f in facts)
        by = declaring(e.runs, declared)
        named = e.name or (by.key if by else None)
        run = _Run(e, got, "", named is not None, by if not e.name else None)
        if not (run.listens or run.consumes or any(f.schedules for f in got)):
            continue  # a script, a CLI, a library entry: nothing that serves or consumes
        role = "web" if run.listens else "worker"
        key = named or meaning(parse_command(join(["node", e.runs]), Source(e.file, None, NAME, I))).name or role
        out.append(replace(run, key=key))
    return _unique_keys(sorted(out, key=lambda r: not r.declared))  # a declared key is never renamed


def _unique_keys(runs: list[_Run]) -> list[_Run]:
    """Two code-only processes of the same role get distinct keys (worker, worker-2 ...)."""
    seen: dict[str, int] = {}
    out = []
    for run in runs:
        n = seen.get(run.key, 0) + 1
        seen[run.key] = n
        out.append(run if n == 1 or run.declared else replace(run, key=f"{run.key}-{n}"))
    return out


def _env(facts: Mapping[str, CodeFacts], needed: Mapping[str, str]) -> Iterator[Item]:
    """Each env read (DECLARED) and its fallback (HEURISTIC, the value when the deployment sets none), as
    python_env does; a secret literal written as a fallback is reported by file and line, once."""
    seen: set[tuple[str, int]] = set()
    for rel, f in sorted(facts.items()):
        for read in f.env:
            src = Src(NAME, rel, read.line)
            required = True if read.via in ("envalid", "convict") and read.default is None else None
            yield base.env_var(read.name, src, base.D, secret=True if read.secret else None, required=required)
            if read.default is not None and not read.secret:
                yield base.env_var(read.name, src.at(read.default_line or read.line), H, default=read.default)
            if read.hardcoded and (rel, read.line) not in seen:
                seen.add((rel, read.line))
                by = needed.get(rel)
                why = "" if by is None else ("an entry of the app" if by == rel else f"required by {by}")
                yield replace(base.hardcoded_secret(src, read.name, read.hardcoded), fallback=True, needed_by=why)


def _health(facts: Mapping[str, CodeFacts], repo: RepoView) -> Iterator[Item]:
    for route in health_routes(facts, repo.files()):
        yield base.health_check(route.path, Src(NAME, route.file, route.line), route.confidence, probe=route.probe)


def _process(run: _Run) -> Iterator[Item]:
    """The process an entry starts: its role from what its code does (a HEURISTIC command when no deploy
    file declares it), its port, the queue it consumes, the singleton its schedules make it."""
    e, key = run.entry, run.key
    role = "web" if run.listens else "worker"
    if not run.declared:
        # package.json (a script, main) or PM2 names the entry: INFERRED; only a usual file name: HEURISTIC
        conf = I if e.declared else H
        command = join(["node", *e.options, e.runs, *e.args])
        yield base.process(key, Src(NAME, e.file, 1), conf, role=role, command=command)
    if role == "web":
        yield from _listen(run)
    worker = next((w for f in run.facts for w in f.workers), None)
    if worker is not None and role == "worker":
        src = Src(NAME, next(f.file for f in run.facts if worker in f.workers), worker.line)
        queue = f" of queue {worker.queue!r}" if worker.queue else ""
        n = f" (concurrency {worker.concurrency})" if worker.concurrency else ""
        yield base.process(key, src, I, role="worker", note=f"{worker.library} consumer{queue}{n}")
    elif role == "worker" and run.declared:
        yield base.process(key, Src(NAME, e.file, 1), I, role="worker")
    for f in run.facts:
        for s in f.schedules:
            src = Src(NAME, f.file, s.line)
            written = f" {s.written!r}" if s.written else ""
            yield base.process(key, src, I, replicas=1, singleton=f"in-process {s.library} schedule{written}")
            yield base.warning(src, f"in-process {s.library} schedule{written}: the process that holds it ({key}) "
                                    "must run as one replica (every replica would run the job); it stays in the "
                                    "process, not a CronJob")


def _listen(run: _Run) -> Iterator[Item]:
    for f in run.facts:
        for lst in f.listens:
            src = Src(NAME, f.file, lst.line)
            yield base.process(run.key, src, I, role="web")
            if lst.port_env:
                yield base.process(run.key, src, I, port_env=lst.port_env)
            if lst.port is not None:
                yield base.process(run.key, src, I if lst.port_declared else DEF, port=lst.port)
            set_there = run.by.env_value(lst.port_env) if run.by and lst.port_env else None
            if set_there is not None and set_there[0].isdigit():
                # the unit sets the variable this listen reads: that is the port (cited where it is set)
                yield base.process(run.key, Src(NAME, set_there[1], set_there[2]), I, port=int(set_there[0]))
            if lst.host_env:  # the image can set it (HOST=0.0.0.0) instead of patching the code
                yield base.process(run.key, src, I, host_env=lst.host_env)
            if lst.loopback:
                how = (f"the generated ConfigMap sets {lst.host_env}=0.0.0.0" if lst.host_env
                       else "change the code to listen on 0.0.0.0: the address is a literal")
                yield base.warning(src, f"the server listens on {lst.host} (loopback) by default: a pod must listen "
                                        f"on every interface for its Service and probes ({how})")
            return  # the first listen of the entry's files is the server's


def _signals(runs: list[_Run]) -> Iterator[Item]:
    """Kubernetes stops a pod with SIGTERM; node as PID 1 without a handler ignores it."""
    said: set[tuple[str, int | None]] = set()
    for run in runs:
        handler = next(((f.file, f.sigterm[0]) for f in run.facts if f.sigterm), None)
        if handler is not None:
            yield base.process(run.key, Src(NAME, *handler), I, handles_sigterm=True)
            continue
        yield base.process(run.key, Src(NAME, run.entry.file), I, handles_sigterm=False)
        sigint = next(((f.file, f.sigint[0]) for f in run.facts if f.sigint), None)
        where = sigint or (run.entry.file, None)
        if where in said:
            continue
        said.add(where)
        if sigint:
            message = (f"{run.key} handles SIGINT only (what pm2 reload sends), not SIGTERM (what Kubernetes sends): "
                       "node must not be PID 1 alone: the generated image runs it under tini, which forwards SIGTERM; "
                       "handle SIGTERM too, to finish requests and jobs before the pod stops")
        else:
            message = (f"{run.key}: no SIGTERM handler in {run.entry.file} or what it requires: node as PID 1 "
                       "ignores SIGTERM, so the pod would be killed after the grace period: the generated image runs "
                       "it under tini, which forwards SIGTERM; handle SIGTERM too, to finish requests and jobs first")
        yield base.warning(Src(NAME, *where), message)


def _dotenv(facts: Mapping[str, CodeFacts]) -> Iterator[Item]:
    first = next(((rel, f.dotenv) for rel, f in facts.items() if f.dotenv), None)
    if first is not None:
        yield base.warning(Src(NAME, *first), "dotenv loads a .env file at startup: in a container the variables "
                                             "come from the workload's environment (ConfigMap and Secret), no "
                                             ".env file is needed in the image")


def _services(repo: RepoView, app: AppFiles) -> Iterator[Item]:
    pkg = app.package
    for dep in pkg.dependencies:
        kind = SERVICES.get(dep.name)
        if kind is not None:
            yield base.service(kind, Src(NAME, pkg.file, dep.line), I, note=f"depends on {dep.name}")
    if pkg.depends_on("knex") is None:
        return
    base_dir = "" if pkg.dir == "." else pkg.dir + "/"
    for rel in (f for f in repo.files() if f.startswith(base_dir) and f[len(base_dir):].startswith("knexfile.")):
        kinds: set[str] = set()
        for number, line in enumerate((repo.read_text(rel) or "").splitlines(), 1):
            m = _KNEX_CLIENT.search(line)
            if m and m.group(1) in _KNEX_CLIENTS and _KNEX_CLIENTS[m.group(1)] not in kinds:
                kinds.add(_KNEX_CLIENTS[m.group(1)])
                yield base.service(_KNEX_CLIENTS[m.group(1)], Src(NAME, rel, number), I,
                                   note=f"knex client {m.group(1)!r}")

