"""Native Node modules and the Debian (bookworm) packages their install needs (design §5.10).

Builds here reach npm and Debian but not GitHub, so a module that downloads a prebuilt binary from GitHub
(node-pre-gyp, prebuild-install) falls back to compiling: it needs build tools even where a cloud build
would not. Known modules are a table; beyond it, any locked package with ``"hasInstallScript": true``
(package-lock v2/v3), a dependency on a native build helper, or a ``binding.gyp`` in the repo means build
tools (INFERRED). Packages are found in package.json and, transitively, in the lockfile, with their line.
tests/providers/node/test_native.py checks every name against bookworm's apt index (Docker).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from analyzers.providers.node.pkg import Package
from migrator.model import Confidence

BUILD_TOOLS = ("python3", "make", "g++")  # what node-gyp needs


@dataclass(frozen=True)
class NativeModule:
    build: tuple[str, ...] = BUILD_TOOLS  # Debian packages for the build (or deps) stage only
    runtime: tuple[str, ...] = ()  # Debian packages the final image needs
    env: tuple[tuple[str, str], ...] = ()  # build-time environment
    note: str | None = None
    prebuilt_from: tuple[int, int] | None = None  # from this version on the npm tarball carries the binary


NATIVE: dict[str, NativeModule] = {
    "bcrypt": NativeModule(note="node-pre-gyp fetches its binary from GitHub; offline it compiles"),
    "argon2": NativeModule(prebuilt_from=(0, 28), note="0.28 and later ship prebuilds inside the npm package"),
    "sqlite3": NativeModule(note="prebuilds come from GitHub; offline it compiles"),
    "better-sqlite3": NativeModule(note="prebuilds come from GitHub; offline it compiles"),
    "sharp": NativeModule(("libvips-dev", *BUILD_TOOLS), ("libvips42",), prebuilt_from=(0, 33),
                          note="sharp 0.33 and later get libvips from npm (@img/sharp-linux-x64)"),
    "canvas": NativeModule(("build-essential", "libcairo2-dev", "libpango1.0-dev", "libjpeg-dev", "libgif-dev",
                            "librsvg2-dev", "python3"),
                           ("libcairo2", "libpango-1.0-0", "libpangocairo-1.0-0", "libjpeg62-turbo", "libgif7",
                            "librsvg2-2")),
    "pg-native": NativeModule(("libpq-dev", *BUILD_TOOLS), ("libpq5",), note="pg alone is pure JavaScript"),
    "libpq": NativeModule(("libpq-dev", *BUILD_TOOLS), ("libpq5",)),
    "node-sass": NativeModule(note="deprecated, and does not build on node 16 or later: move to sass"),
    "puppeteer": NativeModule((), ("chromium", "fonts-liberation"),
                              (("PUPPETEER_SKIP_DOWNLOAD", "1"), ("PUPPETEER_EXECUTABLE_PATH", "/usr/bin/chromium")),
                              note="Debian's chromium instead of the browser download"),
    "kerberos": NativeModule(("libkrb5-dev", *BUILD_TOOLS), ("libgssapi-krb5-2",)),
    "zeromq": NativeModule(), "grpc": NativeModule(note="the old native grpc: @grpc/grpc-js is pure JavaScript"),
    "re2": NativeModule(), "cpu-features": NativeModule(note="an optional dependency of ssh2"),
}
# Install scripts that compile nothing: they pick a prebuilt binary that came from npm itself (an optional
# per-platform package), print a banner (@nestjs/core's opencollective message), or generate code.
NO_COMPILE = frozenset({"esbuild", "msgpackr-extract", "@parcel/watcher", "@swc/core", "fsevents", "core-js",
                        "core-js-pure", "protobufjs", "es5-ext", "husky", "nodemon", "prisma", "@prisma/client",
                        "@prisma/engines", "@nestjs/core", "@biomejs/biome", "lefthook", "cypress", "electron"})
BUILD_HELPERS = frozenset({"node-gyp", "node-pre-gyp", "@mapbox/node-pre-gyp", "prebuild-install", "node-addon-api",
                           "nan", "node-gyp-build"})


@dataclass(frozen=True)
class NativeNeed:
    package: str
    file: str
    line: int | None
    build: tuple[str, ...]
    runtime: tuple[str, ...]
    env: tuple[tuple[str, str], ...]
    confidence: Confidence
    note: str | None = None


def _locked(text: str, name: str) -> tuple[int | None, str | None]:
    """(line, version) of ``name`` in a package-lock.json, yarn.lock or pnpm-lock.yaml text."""
    q = re.escape(name)
    for pattern in (rf'"node_modules/{q}":\s*\{{\s*"version":\s*"([^"]+)"',  # npm lock v2/v3
                    rf'(?m)^"?{q}@[^\n]*:\n[ \t]+version:?\s+"?([0-9][^"\s]*)',  # yarn v1 and berry
                    rf"(?m)^[ \t]+/?{q}@([0-9][^:(\s]*)[:(]",  # pnpm
                    rf'"{q}":\s*\{{\s*"version":\s*"([^"]+)"'):  # npm lock v1 "dependencies"
        m = re.search(pattern, text)
        if m:
            return text.count("\n", 0, m.start()) + 1, m.group(1)
    return None, None


def _version(text: str) -> tuple[int, int] | None:
    m = re.search(r"(\d+)\.(\d+)", text)
    return (int(m.group(1)), int(m.group(2))) if m else None


def native_needs(pkg: Package, lock_file: str | None = None, lock_text: str | None = None,
                 files: Collection[str] = ()) -> list[NativeNeed]:
    """What the install of ``pkg`` (with its lock, if read) needs from Debian, one entry per module."""
    out: list[NativeNeed] = []
    deps = {d.name: d for d in pkg.dependencies}
    for name, mod in NATIVE.items():
        dep = deps.get(name)
        line, locked = _locked(lock_text, name) if lock_text and lock_file else (None, None)
        if dep is None and line is None:
            continue
        version = _version(locked or (dep.value if dep else ""))
        if mod.prebuilt_from and version and version >= mod.prebuilt_from:
            continue
        where, at = (pkg.file, dep.line) if dep else (lock_file or pkg.file, line)
        conf = Confidence.DECLARED if dep else Confidence.INFERRED
        out.append(NativeNeed(name, where, at, mod.build, mod.runtime, mod.env, conf, mod.note))
    known = {n.package for n in out} | set(NATIVE) | NO_COMPILE
    if lock_text and lock_file:
        for m in re.finditer(r'"node_modules/((?:@[^/"]+/)?[^/"]+)":\s*\{[^{}]*?"hasInstallScript":\s*true', lock_text):
            if m.group(1) not in known:
                known.add(m.group(1))
                out.append(NativeNeed(m.group(1), lock_file, lock_text.count("\n", 0, m.start()) + 1, BUILD_TOOLS, (),
                                      (), Confidence.INFERRED, "an install script (hasInstallScript) may compile"))
    helper = next((d for d in pkg.dependencies if d.name in BUILD_HELPERS), None)
    if helper is not None:
        out.append(NativeNeed(helper.name, pkg.file, helper.line, BUILD_TOOLS, (), (), Confidence.INFERRED,
                              "a native build helper: something here compiles"))
    gyp = next((f for f in sorted(files) if f == "binding.gyp" or f.endswith("/binding.gyp")), None)
    if gyp is not None and "node_modules" not in gyp:
        out.append(NativeNeed("binding.gyp", gyp, None, BUILD_TOOLS, (), (), Confidence.INFERRED,
                              "the repo compiles its own addon"))
    return out
