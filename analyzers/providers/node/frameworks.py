"""Node web frameworks and servers: how each is recognised, its default port, where it listens, how it
starts in an image and how its listen address is rewritten for a container (design §5.5).

The dependency in package.json makes a framework INFERRED; its constructor in the entry file
(``express()``, ``new Koa()``, ``NestFactory.create``), read by :mod:`.code`, confirms it. The default
port is only the last fallback: the code's ``listen`` or the command line says more.
"""

from __future__ import annotations

from dataclasses import dataclass

from analyzers.providers.node import semver
from analyzers.providers.node.pkg import Entry, Package

ALL = "0.0.0.0"  # noqa: S104 - a pod must listen on every interface for Service and probes


@dataclass(frozen=True)
class Framework:
    name: str  # express, koa, fastify, hapi, nestjs, next, nuxt, nuxt2, sails, http
    packages: tuple[str, ...]  # any of these dependencies
    server: str  # ServerSpec key: node (a plain `node entry` process), next, nuxt, sails, fastify
    default_port: int | None
    binds_loopback: bool  # listens on 127.0.0.1/localhost unless told otherwise: a pod cannot reach it
    start: str  # in the image: {entry} is the entry file, {port} the port
    build: str | None  # the framework's build command (scripts.build usually runs it)
    listen_options: tuple[str, ...] = ()  # CLI options the rewrite drops and sets again
    listen_add: tuple[str, ...] = ()
    listen_env: tuple[tuple[str, str], ...] = (("PORT", "{port}"),)
    constructors: tuple[str, ...] = ()  # callee names whose call in the code confirms the framework
    note: str | None = None


FRAMEWORKS: tuple[Framework, ...] = (
    Framework("nestjs", ("@nestjs/core",), "node", 3000, False, "node {entry}", "nest build",
              constructors=("NestFactory.create",),
              note="the entry is the build output (nest-cli.json sourceRoot/entryFile, tsconfig outDir: dist/main.js)"),
    Framework("next", ("next",), "next", 3000, False, f"node_modules/.bin/next start -H {ALL} -p {{port}}",
              "next build", ("-H", "--hostname", "-p", "--port"), ("-H", ALL, "-p", "{port}"),
              note="output: 'standalone' starts with node .next/standalone/server.js (env PORT, HOSTNAME=0.0.0.0)"),
    Framework("nuxt", ("nuxt", "nuxt3"), "node", 3000, False, "node .output/server/index.mjs", "nuxt build",
              listen_env=(("PORT", "{port}"), ("HOST", ALL))),
    Framework("nuxt2", ("nuxt", "nuxt-edge"), "nuxt", 3000, True, f"node_modules/.bin/nuxt start -H {ALL} -p {{port}}",
              "nuxt build", ("-H", "--hostname", "-p", "--port"), ("-H", ALL, "-p", "{port}"),
              note="nuxt 2 listens on localhost by default (NUXT_HOST or -H changes it)"),
    Framework("sails", ("sails",), "sails", 1337, False, "node app.js", None, ("--port",),
              listen_env=(("PORT", "{port}"), ("NODE_ENV", "production")),
              note="sails lift is node app.js (with NODE_ENV=production in production)"),
    Framework("fastify", ("fastify",), "node", 3000, True, "node {entry}", None, constructors=("fastify", "Fastify"),
              note="fastify listens on 127.0.0.1 unless listen() is given host '0.0.0.0' (fastify-cli: -a)"),
    Framework("hapi", ("@hapi/hapi", "hapi"), "node", None, False, "node {entry}", None,
              constructors=("Hapi.server", "Hapi.Server", "server"), note="port 0 (or none) is a random port"),
    Framework("koa", ("koa",), "node", 3000, False, "node {entry}", None, constructors=("Koa",)),
    Framework("express", ("express",), "node", 3000, False, "node {entry}", None, constructors=("express",)),
    Framework("http", (), "node", None, False, "node {entry}", None,
              constructors=("http.createServer", "https.createServer", "createServer")),
)
BY_NAME = {f.name: f for f in FRAMEWORKS}
SERVER_PACKAGES = frozenset(p for f in FRAMEWORKS for p in f.packages)


@dataclass(frozen=True)
class FrameworkHit:
    framework: Framework
    dependency: Entry  # the package.json member (name, version range, line)
    file: str


def frameworks(pkg: Package) -> list[FrameworkHit]:
    """The frameworks a package depends on, most specific first (Nest before the Express it runs on)."""
    hits = []
    for fw in FRAMEWORKS:
        dep = next((d for name in fw.packages if (d := pkg.depends_on(name)) is not None), None)
        if dep is None or (fw.name in ("nuxt", "nuxt2") and _nuxt_name(dep) != fw.name):
            continue
        hits.append(FrameworkHit(fw, dep, pkg.file))
    return hits


def _nuxt_name(dep: Entry) -> str:
    """nuxt 3 or later, or nuxt 2 (by the dependency's range; ``nuxt3`` and ``nuxt-edge`` by name)."""
    if dep.name in ("nuxt3", "nuxt-edge"):
        return "nuxt" if dep.name == "nuxt3" else "nuxt2"
    lows = [lo for lo, _ in semver.allowed(dep.value)]
    return "nuxt2" if lows and min(lows) <= 2 else "nuxt"

