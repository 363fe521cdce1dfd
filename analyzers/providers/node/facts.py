"""What Node code says, as small frozen values with their lines (filled by :mod:`.code` and :mod:`.workers`).

Secret handling: a variable whose name says it holds a secret never keeps its default here, and a
default that bears a secret (a token, a URL with a password) is dropped too; ``hardcoded`` names the
kind of a real secret literal that was there, so the caller reports *where* it is, never *what*.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EnvRead:
    """``process.env.NAME`` (or ``process.env['NAME']``, a destructured or aliased read)."""

    name: str
    line: int
    default: str | None = None  # the literal of `|| 'd'` / `?? 3000` / `{ A = 'd' }`, as text; None for secrets
    default_line: int | None = None
    secret: bool = False  # the name (or the default's shape) says it holds a secret
    hardcoded: str | None = None  # kind of a real secret written as the default (report it, rotate it)
    via: str = "dot"  # dot | index | destructure | alias


@dataclass(frozen=True)
class Listen:
    """A ``.listen(...)`` call (or Hapi's ``server({port, host})``)."""

    line: int
    port: int | None = None  # a literal port (or the env var's default)
    port_env: str | None = None  # the variable the port is read from
    port_declared: bool = False  # a literal in the call: DECLARED; from an env default: INFERRED
    host: str | None = None  # a literal host, or the env var's default
    host_env: str | None = None
    loopback: bool = False  # the host (or its default) is 127.0.0.1/localhost/::1: a pod cannot reach it
    via: str = "listen"


@dataclass(frozen=True)
class Route:
    """A route declared with a literal path: ``app.get('/health', ...)``, Nest ``@Get()`` under a controller."""

    method: str  # get, all, head, route, use, GET ...
    path: str
    line: int
    owner: str | None = None  # the object (app, router, fastify) or the Nest controller class


@dataclass(frozen=True)
class Mount:
    """``app.use('/api', router)``: routes of ``module`` (a repo file, when it was required) under ``prefix``."""

    prefix: str
    target: str  # the identifier mounted
    module: str | None  # the repo-relative file it was required from
    line: int


@dataclass(frozen=True)
class Construct:
    """A framework or server constructed in the code: ``express()``, ``new Koa()``, ``NestFactory.create``."""

    callee: str
    line: int


@dataclass(frozen=True)
class Worker:
    """A queue consumer: its library, queue, concurrency and where it starts consuming."""

    library: str  # bull, bullmq, bee-queue, kue, agenda, @nestjs/bull
    queue: str | None
    line: int
    concurrency: int | None = None


@dataclass(frozen=True)
class Schedule:
    """An in-process schedule (node-cron, cron, node-schedule, agenda every, @nestjs/schedule)."""

    library: str
    cron: str | None  # a five-field cron expression when it is one (a 0 seconds field dropped), else None
    written: str | None  # as written (cron text, human interval, ms), None when not a literal
    line: int
    note: str | None = None


@dataclass(frozen=True)
class CodeFacts:
    """Everything read from one JS/TS file."""

    file: str
    env: tuple[EnvRead, ...] = ()
    listens: tuple[Listen, ...] = ()
    routes: tuple[Route, ...] = ()
    mounts: tuple[Mount, ...] = ()
    constructs: tuple[Construct, ...] = ()
    imports: tuple[tuple[str, int], ...] = ()  # (module, line): import and require
    sigterm: tuple[int, ...] = ()  # lines of SIGTERM handlers, enableShutdownHooks, createTerminus (design D7)
    sigint: tuple[int, ...] = ()  # lines of SIGINT handlers (PM2's reload signal: not what Kubernetes sends)
    workers: tuple[Worker, ...] = ()
    schedules: tuple[Schedule, ...] = ()
    dotenv: int | None = None  # line of require('dotenv').config() / import 'dotenv/config'
    complete: bool = True  # False when a query bound cut the reading short (warn: read in part)

    def imports_module(self, name: str) -> bool:
        return any(m == name or m.startswith(name + "/") for m, _ in self.imports)


@dataclass(frozen=True)
class EnvValue:
    """A variable a deploy config sets (pm2 ``env``/``env_production``, forever, nodemon): its value unless it
    is a secret (then ``value`` is None and ``hardcoded`` names the kind of the literal that was there)."""

    name: str
    value: str | None
    line: int
    secret: bool = False
    hardcoded: str | None = None
