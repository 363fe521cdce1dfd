"""node/code.py (with codeenv, codecalls, workers, queries): facts read from JS/TS code, with lines."""

from __future__ import annotations

import textwrap

import pytest

from analyzers.lib import treesitter
from analyzers.providers.node import queries
from analyzers.providers.node.code import health_routes, read_code
from analyzers.providers.node.facts import CodeFacts, EnvRead, Listen, Mount, Route, Schedule, Worker
from migrator.model import Confidence


def code(src: str, rel: str = "server.js") -> CodeFacts:
    facts = read_code(rel, textwrap.dedent(src).lstrip("\n").encode())
    assert facts is not None
    return facts


@pytest.mark.parametrize("grammar", ["javascript", "typescript", "tsx"])
@pytest.mark.parametrize("name", sorted(queries.ALL))
def test_every_query_compiles_for_every_js_grammar(grammar: str, name: str) -> None:
    assert treesitter.query(grammar, queries.ALL[name]) is not None


def test_a_file_without_triggers_or_not_js_is_not_read() -> None:
    assert read_code("src/button.jsx", b"export const Button = () => <b>hi</b>;\n") is None
    assert read_code("deploy.sh", b"process.env.X\n") is None
    assert read_code("types/env.d.ts", b"declare const process: { env: { PORT: string } };\n") is None


def test_env_reads_defaults_and_secrets() -> None:
    f = code("""
        const DEFAULT_PORT = 3000;
        const port = Number(process.env.PORT) || DEFAULT_PORT;
        const db = process.env['DATABASE_URL'] ?? 'postgres://app:s3cr3tpw@db/app';
        const { REDIS_URL = 'redis://localhost:6379', LOG_LEVEL: level = 'info', JWT_SECRET = 'dev-jwt-2f9c',
                S3_BUCKET } = process.env;
        const env = process.env;
        const timeout = env.TIMEOUT || '30';
        const host = process.env.HOST || process.env.BIND || '127.0.0.1';
        const debug = process.env.DEBUG === 'true';
        """)
    assert f.env == (
        EnvRead("PORT", 2, "3000", 1),
        EnvRead("DATABASE_URL", 3, None, None, True, "credential_url", "index"),
        EnvRead("REDIS_URL", 4, "redis://localhost:6379", 4, via="destructure"),
        EnvRead("LOG_LEVEL", 4, "info", 4, via="destructure"),
        EnvRead("JWT_SECRET", 4, None, None, True, "secret", "destructure"),
        EnvRead("S3_BUCKET", 5, via="destructure"),
        EnvRead("TIMEOUT", 7, "30", 7, via="alias"),
        EnvRead("HOST", 8, "127.0.0.1", 8),
        EnvRead("BIND", 8, "127.0.0.1", 8),
        EnvRead("DEBUG", 9),
    )
    assert "s3cr3tpw" not in repr(f) and "dev-jwt-2f9c" not in repr(f)


@pytest.mark.parametrize(("call", "listen"), [
    ("app.listen(8080);", Listen(2, 8080, None, True)),
    ("app.listen(process.env.PORT || 3000);", Listen(2, 3000, "PORT", False)),
    ("app.listen(PORT, '0.0.0.0');", Listen(2, 4000, "PORT", False, "0.0.0.0")),  # noqa: S104
    ("server.listen(PORT, process.env.HOST || 'localhost', () => {});",
     Listen(2, 4000, "PORT", False, "localhost", "HOST", True)),
    ("await fastify.listen({ port: Number(process.env.PORT) || 3000, host: process.env.HOST || '0.0.0.0' });",
     Listen(2, 3000, "PORT", False, "0.0.0.0", "HOST")),  # noqa: S104
    ("app.listen('127.0.0.1');", Listen(2)),
    ("http.createServer(app).listen(port);", Listen(2)),
])
def test_listen_calls(call: str, listen: Listen) -> None:
    f = code(f"const PORT = process.env.PORT || 4000;\n{call}\n")
    assert f.listens == (listen,)


def test_hapi_server_options_are_a_listen() -> None:
    f = code("const Hapi = require('@hapi/hapi');\n"
             "const server = Hapi.server({\n  port: 3000,\n  host: 'localhost'\n});\n")
    assert f.listens == (Listen(2, 3000, None, True, "localhost", None, True, "hapi.server"),)
    assert [c.callee for c in f.constructs] == ["Hapi.server"]


def test_routes_mounts_constructors_and_imports() -> None:
    f = code("""
        import express from 'express';
        import healthRouter from './routes/health.js';
        const api = require('./routes/api');
        const app = express();
        app.set('port', 3000);
        app.get('port');
        app.get('/status', (req, res) => res.json({ ok: true }));
        app.route('/ping').get(pong);
        fastify.route({ method: 'GET', url: '/healthz', handler });
        app.use('/health', healthRouter);
        app.use('/api/v1', api);
        app.use(require('./routes/misc'));
        app.use(express.static('public'));
        """)
    assert f.routes == (Route("get", "/status", 7, "app"), Route("route", "/ping", 8, "app"),
                        Route("get", "/healthz", 9, "fastify"))
    assert f.mounts == (Mount("/health", "healthRouter", "routes/health.js", 10),
                        Mount("/api/v1", "api", "routes/api", 11), Mount("/", "require", "routes/misc", 12))
    assert [(c.callee, c.line) for c in f.constructs] == [("express", 4)]
    assert f.imports == (("express", 1), ("./routes/health.js", 2), ("./routes/api", 3), ("./routes/misc", 12))


def test_health_routes_join_router_prefixes_across_files() -> None:
    server = code("const health = require('./routes/health');\napp.use('/internal', health);\napp.get('/', h);\n")
    router = code("const router = require('express').Router();\nrouter.get('/healthz', (req, res) => res.send('ok'));\n"
                  "router.get('/users/:id', show);\nmodule.exports = router;\n", rel="routes/health.js")
    found = health_routes({"server.js": server, "routes/health.js": router}, {"server.js", "routes/health.js"})
    assert [(h.path, h.file, h.line, h.confidence) for h in found] == [
        ("/internal/healthz", "routes/health.js", 2, Confidence.INFERRED)]


def test_nest_controllers_processors_and_schedules() -> None:
    f = code("""
        import { Controller, Get } from '@nestjs/common';
        import { Processor, Process } from '@nestjs/bull';

        @Controller('health')
        export class HealthController {
          @Get()
          check() { return { ok: true }; }

          @Get('ready')
          ready() { return 'ok'; }
        }

        @Controller()
        class RootController {
          @Get('version') v() { return '1'; }
        }

        @Processor('thumbnails')
        export class ThumbnailProcessor {
          @Process()
          async handle(job) {}
        }

        export class Jobs {
          @Cron('0 0 3 * * *') nightly() {}
          @Interval(60000) poll() {}
        }
        """, rel="src/health.controller.ts")
    assert f.routes == (Route("get", "/health", 6, "controller"), Route("get", "/health/ready", 9, "controller"),
                        Route("get", "/version", 15, "controller"))
    assert f.workers == (Worker("@nestjs/bull", "thumbnails", 18),)
    assert f.schedules == (Schedule("@nestjs/schedule", "0 3 * * *", "0 0 3 * * *", 25),
                           Schedule("@nestjs/schedule", None, "60000", 26, "an interval in ms: not a CronJob"))
    found = health_routes({f.file: f}, {f.file})
    assert [(h.path, h.line, h.probe) for h in found] == [("/health", 6, None), ("/health/ready", 9, "readiness")]


@pytest.mark.parametrize(("src", "lines"), [
    ("process.on('SIGTERM', () => server.close());\n", (1,)),
    ("process.once('SIGINT', shutdown);\nconst x = process.env.X;\n", ()),
    ("const app = await NestFactory.create(AppModule);\napp.enableShutdownHooks();\n", (2,)),
    ("createTerminus(server, { signal: 'SIGTERM', onSignalTerminus });\n", (1,)),
    ("process.on('exit', cleanup);\nprocess.on('uncaughtException', log);\nconst x = process.env.X;\n", ()),
    ("emitter.on('SIGTERM', x);\n", ()),
])
def test_sigterm_handlers(src: str, lines: tuple[int, ...]) -> None:
    assert code(src).sigterm == lines


def test_a_sigint_handler_is_not_a_sigterm_handler() -> None:
    f = code("process.on('SIGINT', () => server.close());\nprocess.on('SIGTERM', stop);\n")
    assert (f.sigint, f.sigterm) == ((1,), (2,))


def test_dotenv() -> None:
    assert code("require('dotenv').config();\nconsole.log(process.env.X);\n").dotenv == 1
    assert code("import 'dotenv/config';\nconst x = process.env.X;\n", rel="a.mjs").dotenv == 1
    assert code("const x = process.env.X;\n").dotenv is None


def test_bull_bee_queue_and_kue_workers_need_the_import_and_the_consumer() -> None:
    f = code("""
        const Queue = require('bull');
        const emails = new Queue('emails', process.env.REDIS_URL);
        const reports = new Queue('reports');
        emails.process(5, sendEmail);
        reports.process('monthly', 2, build);
        """)
    assert f.workers == (Worker("bull", "emails", 4, 5), Worker("bull", "reports", 5, 2))
    producer = code("const Queue = require('bull');\nconst q = new Queue('emails');\nq.add({ to: 'x' });\n")
    assert producer.workers == ()
    no_import = code("const q = new Queue('emails');\nq.process(job);\n")
    assert no_import.workers == ()
    bee = code("const BeeQueue = require('bee-queue');\nconst q = new BeeQueue('thumbs');\n"
               "const Queue = require('bee-queue');\nconst r = new Queue('resize');\nr.process(4, fn);\n")
    assert bee.workers == (Worker("bee-queue", "resize", 5, 4),)
    kue = code("const kue = require('kue');\nconst jobs = kue.createQueue();\njobs.process('email', 10, fn);\n")
    assert kue.workers == (Worker("kue", "email", 3, 10),)


def test_bullmq_and_agenda() -> None:
    f = code("""
        import { Worker } from 'bullmq';
        import Agenda from 'agenda';
        const w = new Worker('thumbnails', async job => {}, { connection, concurrency: 4 });
        const agenda = new Agenda({ db: { address: process.env.MONGO_URL } });
        agenda.define('cleanup', async job => {});
        agenda.every('15 minutes', 'cleanup');
        agenda.every('3 days', 'archive');
        """, rel="worker.mjs")
    assert f.workers == (Worker("bullmq", "thumbnails", 3, 4), Worker("agenda", "cleanup", 5))
    assert f.schedules == (Schedule("agenda", "*/15 * * * *", "15 minutes", 6),
                           Schedule("agenda", None, "3 days", 7, "an interval cron cannot express"))


def test_cron_libraries() -> None:
    f = code("""
        const cron = require('node-cron');
        const { CronJob } = require('cron');
        const schedule = require('node-schedule');
        cron.schedule('*/5 * * * *', tick);
        cron.schedule('15 */5 * * * *', tick);
        new CronJob('0 0 * * * *', hourly, null, true);
        CronJob.from({ cronTime: '0 30 2 * * 1', onTick: weekly });
        schedule.scheduleJob('0 0 * * *', nightly);
        schedule.scheduleJob('named', '0 6 * * *', morning);
        schedule.scheduleJob(rule, other);
        """)
    assert [(s.library, s.cron, s.line, s.note) for s in f.schedules] == [
        ("node-cron", "*/5 * * * *", 4, None),
        ("node-cron", None, 5, "a seconds field: CronJobs have minute resolution"),
        ("cron", "0 * * * *", 6, None), ("cron", "30 2 * * 1", 7, None),
        ("node-schedule", "0 0 * * *", 8, None), ("node-schedule", "0 6 * * *", 9, None),
        ("node-schedule", None, 10, "the schedule is not a literal")]


def test_a_file_too_large_to_parse_is_marked_incomplete() -> None:
    data = b"app.listen(3000);\n" + b"x;\n" * (treesitter.MAX_BYTES // 3)
    facts = read_code("big.js", data)
    assert facts is not None and not facts.complete and facts.listens == ()


def test_envalid_schema() -> None:
    f = code("""
        import { cleanEnv, port, str, url } from 'envalid';
        export const config = cleanEnv(process.env, {
          PORT: port({ default: 3000 }),
          REDIS_URL: url({ default: 'redis://127.0.0.1:6379' }),
          JWT_SECRET: str({ devDefault: 'dev-jwt-7a6b5c4d' }),
          API_TOKEN: str(),
          LOG_LEVEL: str({ choices: ['info', 'debug'], default: 'info' }),
        });
        """, rel="src/config.ts")
    assert f.env == (EnvRead("PORT", 3, "3000", 3, via="envalid"),
                     EnvRead("REDIS_URL", 4, "redis://127.0.0.1:6379", 4, via="envalid"),
                     EnvRead("JWT_SECRET", 5, None, None, True, "secret", "envalid"),
                     EnvRead("API_TOKEN", 6, None, None, True, None, "envalid"),
                     EnvRead("LOG_LEVEL", 7, "info", 7, via="envalid"))
    assert "dev-jwt-7a6b5c4d" not in repr(f)


def test_convict_schema() -> None:
    f = code("""
        const convict = require('convict');
        module.exports = convict({
          port: { doc: 'HTTP port', format: 'port', default: 8080, env: 'PORT' },
          db: {
            url: { format: String, default: '', env: 'DATABASE_URL', sensitive: true },
          },
        });
        """, rel="config.js")
    assert f.env == (EnvRead("PORT", 3, "8080", 3, via="convict"),
                     EnvRead("DATABASE_URL", 5, None, None, True, None, "convict"))


def test_nest_process_concurrency_and_worker_entry() -> None:
    f = code("""
        @Processor('thumbnails')
        export class ThumbnailsProcessor {
          @Process({ concurrency: 2 })
          async render(job) {}
        }
        """, rel="src/jobs/thumbnails.processor.ts")
    assert f.workers == (Worker("@nestjs/bull", "thumbnails", 1, 2),)
    entry = code("async function bootstrap() {\n  await NestFactory.createApplicationContext(WorkerModule);\n}\n",
                 rel="src/worker.ts")
    assert [(c.callee, c.line) for c in entry.constructs] == [("NestFactory.createApplicationContext", 2)]
