"""Native gems and the Debian packages their install needs: one table, and the rule that reads the bundle.

Package names are trixie's, as everywhere in the project (:mod:`analyzers.lib.debian_names` renames them
per release). ``build`` is for the stage that runs ``bundle install`` (compilers and ``-dev`` headers),
``runtime`` for the final image (the shared libraries a compiled extension links against, or a program
or library a gem loads at run time whatever way it was installed: mini_magick runs ``convert``,
ruby-vips loads libvips through ffi).

**When a gem compiles**: Bundler installs a precompiled platform gem (``nokogiri-1.15.4-x86_64-linux``)
when the lock has that platform (a ``specs:`` variant or ``x86_64-linux`` under PLATFORMS) and the gem
is not ``force_ruby_platform``; otherwise it builds the ``ruby`` platform gem from source. A lock made
on a Mac alone (``arm64-darwin``) gives Linux nothing precompiled. Default gems with extensions (json,
bigdecimal, date, racc, psych ...) compile when the lock pins a release other than the one Ruby ships,
which a lock usually does: they need the compiler, which only the build stage has.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from analyzers.providers.ruby.gemfile import Bundle
from migrator.model import Confidence

COMPILER = "build-essential"
LINUX = ("x86_64-linux", "x86_64-linux-gnu", "aarch64-linux", "aarch64-linux-gnu")


@dataclass(frozen=True)
class NativeGem:
    build: tuple[str, ...] = (COMPILER,)  # build stage, only when it compiles
    runtime: tuple[str, ...] = ()  # final image, only when it compiled
    loads: tuple[str, ...] = ()  # final image, always (it runs or dlopens them)
    compiles: bool = True  # False: a pure-Ruby gem that only runs a program or loads a library
    precompiled_from: tuple[int, ...] | None = None  # from this release on, platform gems exist
    note: str = ""


_XML = ("libxml2-dev", "libxslt1-dev", "zlib1g-dev")
NATIVE: dict[str, NativeGem] = {
    "pg": NativeGem((COMPILER, "libpq-dev"), ("libpq5",), note="links libpq"),
    "mysql2": NativeGem((COMPILER, "default-libmysqlclient-dev"), ("libmariadb3",), note="links the MySQL client"),
    "mysql": NativeGem((COMPILER, "default-libmysqlclient-dev"), ("libmariadb3",), note="the old MySQL driver"),
    "sqlite3": NativeGem((COMPILER, "libsqlite3-dev"), ("libsqlite3-0",), precompiled_from=(1, 5),
                         note="1.5 and later ship platform gems and vendor SQLite"),
    "nokogiri": NativeGem((COMPILER, *_XML), ("libxml2", "libxslt1.1"), precompiled_from=(1, 11),
                          note="1.11 and later ship platform gems; the ruby platform compiles libxml2"),
    "rmagick": NativeGem((COMPILER, "libmagickwand-dev", "pkg-config"), ("imagemagick",), note="links MagickWand"),
    "mini_magick": NativeGem((), (), ("imagemagick",), compiles=False, note="runs ImageMagick's convert"),
    "ruby-vips": NativeGem((), (), ("libvips42t64",), compiles=False, note="loads libvips through ffi"),
    "image_processing": NativeGem((), (), ("libvips42t64",), compiles=False,
                                  note="Active Storage variants use vips (or imagemagick with :mini_magick)"),
    "charlock_holmes": NativeGem((COMPILER, "libicu-dev", "zlib1g-dev"), ("libicu76",), note="links ICU"),
    "curb": NativeGem((COMPILER, "libcurl4-openssl-dev"), ("libcurl4t64",), note="links libcurl"),
    "typhoeus": NativeGem((), (), ("libcurl4t64",), compiles=False, note="ethon loads libcurl through ffi"),
    "ruby-filemagic": NativeGem((COMPILER, "libmagic-dev"), ("libmagic1t64",)),
    "libxml-ruby": NativeGem((COMPILER, "libxml2-dev"), ("libxml2",)),
    "tiny_tds": NativeGem((COMPILER, "freetds-dev"), ("libsybdb5",), note="links FreeTDS"),
    "psych": NativeGem((COMPILER, "libyaml-dev"), note="psych 5 (Rails 7.1's irb and rdoc pull it) compiles "
                       "against libyaml"),
    "eventmachine": NativeGem((COMPILER, "libssl-dev"), ("libssl3t64",)),
    "openssl": NativeGem((COMPILER, "libssl-dev"), ("libssl3t64",)),
    "rugged": NativeGem((COMPILER, "cmake", "pkg-config", "libssl-dev"), ("libssl3t64",)),
    "gpgme": NativeGem((COMPILER, "libgpgme-dev"), ("libgpgme11t64",)),
    "sassc": NativeGem(note="compiles libsass: minutes of build time; dartsass-rails needs no compiler"),
    "therubyracer": NativeGem(note="libv8 3.16 does not build on current compilers: use mini_racer or node"),
    "ffi": NativeGem(precompiled_from=(1, 16)),
    "google-protobuf": NativeGem(precompiled_from=(3, 13)),
    "grpc": NativeGem(precompiled_from=(1, 20)),
    **{name: NativeGem() for name in (
        "bcrypt", "puma", "nio4r", "json", "bootsnap", "msgpack", "websocket-driver", "racc", "bigdecimal", "date",
        "io-console", "strscan", "stringio", "byebug", "debug", "unicorn", "kgio", "raindrops", "redcarpet", "oj",
        "hiredis", "unf_ext", "escape_utils", "fast_blank", "ed25519", "bcrypt_pbkdf", "thin", "http_parser.rb",
        "jaro_winkler", "stackprof", "bindex", "commonmarker", "digest-crc", "posix-spawn", "rinku", "yajl-ruby",
        "passenger", "rbtrace", "mini_racer")},
}


@dataclass(frozen=True)
class Need:
    gem: str
    file: str
    line: int | None
    build: tuple[str, ...]
    runtime: tuple[str, ...]
    confidence: Confidence
    note: str


def _version(text: str | None) -> tuple[int, ...] | None:
    if not text:
        return None
    parts = [p for p in text.split(".")[:3] if p.isdigit()]
    return tuple(int(p) for p in parts) if parts else None


def precompiled(b: Bundle, name: str, since: tuple[int, ...] | None) -> bool:
    """Whether Bundler installs a precompiled Linux gem of ``name`` (see the module docstring)."""
    if since is None:
        return False
    gem = b.gems.get(name)
    if gem is not None and gem.force_ruby_platform:
        return False
    version = _version(b.locked.get(name))
    if version is None:
        return b.lock is None  # no lock: bundle install resolves the newest release, which has platform gems
    if version < since:
        return False
    variants = b.lock.platforms_of(name) if b.lock else ()
    return any(v is not None and v.startswith(LINUX) for v in variants) or (
        any(p.startswith(LINUX) for p in b.platforms) and any(v is not None for v in variants))


def needs(b: Bundle) -> Iterator[Need]:
    """What the install of bundle ``b`` needs from Debian, one entry per native gem it has (declared, or
    locked as a dependency of another gem), skipping gems only other platforms install (``platforms: :jruby``)."""
    for name, native in NATIVE.items():
        if not b.has(name):
            continue
        gem = b.gems.get(name)
        if gem is not None and gem.platforms and not any(p in ("ruby", "mri") or p.startswith("mri_") or
                                                         p.startswith("ruby_") for p in gem.platforms):
            continue  # jruby, mingw, x64_mingw, windows: never on the image's CRuby
        where = b.where(name)
        file, line = where if where else (b.gemfile or "Gemfile", None)
        confidence = Confidence.DECLARED if gem is not None else Confidence.INFERRED
        compiles = native.compiles and not precompiled(b, name, native.precompiled_from)
        build = native.build if compiles else ()
        runtime = (*(native.runtime if compiles else ()), *native.loads)
        if not build and not runtime:
            continue
        note = native.note if compiles or native.loads else ""
        yield Need(name, file, line, build, runtime, confidence, note)
