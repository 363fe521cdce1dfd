"""The system packages Python distributions need: one data table, and the rule that reads it.

Each :data:`NATIVE` entry (a PEP 503 name, or ``name[extra]`` for an extra that changes the build, as
``psycopg[c]``) says which Debian packages **compile** it (build stage), which shared libraries the
compiled extension links against (runtime stage, only when it was compiled: a manylinux wheel bundles
its own copies), which libraries it **loads** at run time whatever way it was installed (``ctypes`` /
``dlopen``: python-magic loads libmagic, cairocffi loads libcairo), and when PyPI has Linux wheels.
Package names are trixie's; :func:`analyzers.lib.debian_names.for_release` renames them per release.

**When a dependency may compile** (nothing is asked from PyPI at analysis time): pip builds from the
sdist when no wheel matches the image's Python on linux/x86_64 (the arch is assumed: arm64 builders may
find fewer wheels). So, per entry:

- ``wheels=None``: no Linux wheels at all (psycopg2, mysqlclient, python-ldap, uWSGI): always compiles;
- else ``wheels`` maps a Python minor to the first release with a ``cpXY`` manylinux wheel, and ``abi3``
  names the first release whose wheel serves every later Python. An exact pin (``==1.24.4``, a lock's
  version) below that release compiles on that Python; an unpinned or ranged requirement is taken to
  resolve to the newest release, which compiles only on a Python newer than every minor listed (the
  table is from PyPI's file lists as of late 2025; a Python released since then may lack wheels).

The outcome, for one declared dependency, is a :class:`Need`: either unconditional, or the Python
minors on which it compiles; the generator picks by the image's Python. Lock files that list their
files (uv.lock, poetry.lock, pdm.lock) give the same answer for *any* package: see
:func:`no_wheel_pythons`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

COMPILER = "build-essential"  # gcc, g++, make, libc6-dev: what setup.py / meson / maturin expect
PYTHONS = ("2.7", "3.5", "3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14")
_W = dict[str, str]


@dataclass(frozen=True)
class Native:
    build: tuple[str, ...] = ()  # -dev headers and tools to compile it (besides the compiler)
    runtime: tuple[str, ...] = ()  # libraries a compiled build links against
    loads: tuple[str, ...] = ()  # libraries it loads at run time, wheel or not
    wheels: _W | None = None  # python minor -> first release with a cpXY Linux wheel; None: never
    abi3: str | None = None  # first release with an abi3 (or pure) wheel: every later Python is served
    compiles: bool = True  # False: a pure-Python distribution that only loads libraries
    note: str = ""


def _since(version: str, pythons: tuple[str, ...] = PYTHONS) -> _W:
    return dict.fromkeys(pythons, version)


_PG = ("libpq-dev",)
_PILLOW = ("libjpeg62-turbo-dev", "zlib1g-dev", "libpng-dev", "libfreetype-dev", "libtiff-dev", "libwebp-dev",
           "liblcms2-dev", "libopenjp2-7-dev")
_PILLOW_RT = ("libjpeg62-turbo", "zlib1g", "libpng16-16t64", "libfreetype6", "libtiff6", "libwebp7", "liblcms2-2",
              "libopenjp2-7")
_XMLSEC_RT = ("libxmlsec1t64", "libxmlsec1t64-openssl", "libxml2", "libxslt1.1")

NATIVE: dict[str, Native] = {
    # database drivers
    "psycopg2": Native(_PG, ("libpq5",), note="no Linux wheels since 2.8 (psycopg2-binary has them)"),
    "psycopg[c]": Native(_PG, ("libpq5",), note="the C implementation is built on install"),
    "psycopg-c": Native(_PG, ("libpq5",)),
    # psycopg 3 without [binary]/[c] is pure Python and loads libpq through ctypes
    "psycopg": Native(loads=("libpq5",), compiles=False),
    "psycopg[binary]": Native(compiles=False, note="psycopg-binary bundles libpq"),
    "mysqlclient": Native(("default-libmysqlclient-dev", "pkg-config"), ("libmariadb3",),
                          note="wheels for Windows only"),
    "pyodbc": Native(("unixodbc-dev",), loads=("libodbc2",), abi3=None,
                     wheels={"3.8": "4.0.34", "3.9": "4.0.34", "3.10": "4.0.34", "3.11": "4.0.35", "3.12": "5.0.0",
                             "3.13": "5.2.0", "3.14": "5.3.0"},
                     note="the database's own ODBC driver (e.g. msodbcsql18) is not in Debian: add its vendor's "
                          "apt repository"),
    "pymssql": Native(("freetds-dev",), ("libsybdb5",),
                      wheels={"3.8": "2.1.5", "3.9": "2.1.5", "3.10": "2.2.4", "3.11": "2.2.6", "3.12": "2.2.10",
                              "3.13": "2.3.1", "3.14": "2.3.8"}),
    "cx-oracle": Native(wheels=_since("8.0.0", PYTHONS[4:10]),
                        note="needs Oracle Instant Client at run time, which Debian does not ship: install it from "
                             "Oracle, or move to python-oracledb (thin mode needs no client)"),
    # LDAP and Kerberos
    "python-ldap": Native(("libldap2-dev", "libsasl2-dev"), ("libldap2", "libsasl2-2"), note="sdist only"),
    "pyldap": Native(("libldap2-dev", "libsasl2-dev"), ("libldap2", "libsasl2-2"), note="sdist only"),
    "kerberos": Native(("libkrb5-dev",), ("libkrb5-3", "libgssapi-krb5-2")),
    "pykerberos": Native(("libkrb5-dev",), ("libkrb5-3", "libgssapi-krb5-2")),
    # XML
    "lxml": Native(("libxml2-dev", "libxslt1-dev"), ("libxml2", "libxslt1.1"),
                   wheels={"2.7": "3.6.3", "3.5": "3.6.3", "3.6": "3.7.3", "3.7": "4.2.5", "3.8": "4.4.1",
                           "3.9": "4.5.2", "3.10": "4.6.3", "3.11": "4.9.1", "3.12": "4.9.3", "3.13": "5.3.0",
                           "3.14": "6.0.1"}),
    "xmlsec": Native(("libxmlsec1-dev", "libxml2-dev", "libxslt1-dev", "pkg-config"), _XMLSEC_RT,
                     wheels={**_since("1.3.14", PYTHONS[4:10]), "3.13": "1.3.16", "3.14": "1.3.17"}),
    "pysaml2": Native(loads=("xmlsec1",), compiles=False, note="signs and verifies with the xmlsec1 program"),
    # imaging, fonts, PDF
    "pillow": Native(_PILLOW, _PILLOW_RT,
                     wheels={"2.7": "3.3.0", "3.5": "3.3.0", "3.6": "4.0.0", "3.7": "5.2.0", "3.8": "6.2.1",
                             "3.9": "8.0.0", "3.10": "8.3.2", "3.11": "9.2.0", "3.12": "10.0.0", "3.13": "10.4.0",
                             "3.14": "11.3.0"}),
    "pycairo": Native(("libcairo2-dev", "pkg-config"), ("libcairo2",), note="sdist only on Linux"),
    "cairocffi": Native(loads=("libcairo2",), compiles=False),
    "cairosvg": Native(loads=("libcairo2",), compiles=False, note="through cairocffi"),
    "weasyprint": Native(loads=("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz0b", "libfontconfig1"),
                         compiles=False),
    "reportlab": Native(("libfreetype-dev",), ("libfreetype6",),
                        wheels={"3.8": "3.5.32", "3.9": "3.5.56", "3.10": "3.6.2", "3.11": "3.6.12"}, abi3="4.0.0"),
    # crypto
    "cryptography": Native(("libssl-dev", "libffi-dev", "pkg-config"), ("libssl3t64", "libffi8"),
                           wheels=_since("2.0", PYTHONS[:5]), abi3="2.2",
                           note="3.4 and later build from source only with a Rust toolchain (cargo)"),
    "cffi": Native(("libffi-dev",), ("libffi8",),
                   wheels={"2.7": "1.7.0", "3.5": "1.7.0", "3.6": "1.9.1", "3.7": "1.11.5", "3.8": "1.13.0",
                           "3.9": "1.14.3", "3.10": "1.15.0", "3.11": "1.15.1", "3.12": "1.16.0", "3.13": "1.17.0",
                           "3.14": "2.0.0"}),
    "bcrypt": Native(("libffi-dev",), wheels=_since("3.0.0", PYTHONS[:4]), abi3="3.1.4"),
    "pynacl": Native(("libffi-dev",), wheels=_since("1.1.2", PYTHONS[:4]), abi3="1.2.1",
                     note="builds its bundled libsodium"),
    "m2crypto": Native(("libssl-dev", "swig"), ("libssl3t64",), note="sdist only on Linux"),
    # YAML
    "pyyaml": Native(("libyaml-dev",), ("libyaml-0-2",),
                     wheels={**_since("5.4", PYTHONS[:6]), "3.10": "6.0", "3.11": "6.0", "3.12": "6.0.1",
                             "3.13": "6.0.2", "3.14": "6.0.3"},
                     note="5.4.x does not build with Cython 3: pin 6.0.1 or later"),
    # numeric
    "numpy": Native(("libopenblas-dev", "pkg-config"), ("libopenblas0",),
                    wheels={"2.7": "1.6.0", "3.5": "1.10.0", "3.6": "1.11.3", "3.7": "1.14.5", "3.8": "1.17.3",
                            "3.9": "1.19.3", "3.10": "1.21.2", "3.11": "1.23.2", "3.12": "1.26.0", "3.13": "2.1.0",
                            "3.14": "2.3.2"}),
    "scipy": Native(("gfortran", "libopenblas-dev", "liblapack-dev", "pkg-config"), ("libopenblas0", "libgfortran5"),
                    wheels={"3.8": "1.3.2", "3.9": "1.5.4", "3.10": "1.7.2", "3.11": "1.9.2", "3.12": "1.11.2",
                            "3.13": "1.14.1", "3.14": "1.16.1"}),
    "pandas": Native(wheels={"3.8": "0.25.2", "3.9": "1.1.3", "3.10": "1.3.3", "3.11": "1.5.0", "3.12": "2.1.1",
                             "3.13": "2.2.3", "3.14": "2.3.3"}),
    "shapely": Native(("libgeos-dev",), ("libgeos-c1t64",),
                      wheels={"3.8": "1.7.0", "3.9": "1.7.1", "3.10": "1.8.0", "3.11": "1.8.5", "3.12": "2.0.2",
                              "3.13": "2.0.6", "3.14": "2.1.2"}),
    "gdal": Native(("libgdal-dev",), ("gdal-bin",),
                   note="sdist only; the pinned GDAL must match the release's libgdal-dev version"),
    # servers, event loops, network
    "uwsgi": Native(("libpcre2-dev", "libssl-dev"), ("libpcre2-8-0", "libssl3t64"), note="sdist only"),
    "gevent": Native(wheels={"3.8": "1.5.0", "3.9": "20.6.1", "3.10": "21.12.0", "3.11": "22.10.1",
                             "3.12": "23.7.0", "3.13": "24.10.1", "3.14": "25.8.1"}, note="builds bundled libev"),
    "greenlet": Native(wheels={"3.8": "0.4.15", "3.9": "0.4.17", "3.10": "1.1.0", "3.11": "1.1.3", "3.12": "3.0.0",
                               "3.13": "3.1.0", "3.14": "3.2.3"}),
    "pycurl": Native(("libcurl4-openssl-dev", "libssl-dev"), ("libcurl4t64",),
                     wheels={**_since("7.45.3", PYTHONS[4:10]), "3.13": "7.45.4", "3.14": "7.45.7"}),
    "pyzmq": Native(("libzmq3-dev",), ("libzmq5",),
                    wheels={"3.8": "18.1.0", "3.9": "19.0.2", "3.10": "22.2.1", "3.11": "23.2.1", "3.12": "25.1.1",
                            "3.13": "26.1.0"}, abi3="27.0.0"),
    "pylibmc": Native(("libmemcached-dev", "zlib1g-dev"), ("libmemcached11t64",),
                      wheels=_since("1.6.2", PYTHONS[4:8]), note="no wheels for Python 3.12 and later"),
    "confluent-kafka": Native(("librdkafka-dev",), ("librdkafka1",),
                              wheels={"3.8": "1.3.0", "3.9": "1.6.0", "3.10": "1.9.0", "3.11": "2.0.2",
                                      "3.12": "2.3.0", "3.13": "2.6.0", "3.14": "2.12.1"}),
    "lru-dict": Native(wheels={**_since("1.1.8", PYTHONS[4:7]), "3.11": "1.2.0", "3.12": "1.3.0", "3.13": "1.4.1",
                               "3.14": "1.4.1"}),
    "python-magic": Native(loads=("libmagic1t64",), compiles=False),
    "file-magic": Native(loads=("libmagic1t64",), compiles=False),
}


@dataclass(frozen=True)
class Need:
    """System packages one dependency needs. ``pythons`` None: on every Python; else only on those."""

    build: tuple[str, ...]
    runtime: tuple[str, ...]
    pythons: tuple[str, ...] | None
    why: str


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", version)[:4])


def entry(name: str, extras: tuple[str, ...] = ()) -> tuple[str, Native] | None:
    """The table entry for ``name`` (normalised) with ``extras``: ``name[extra]`` wins over ``name``."""
    for extra in extras:
        key = f"{name}[{extra}]"
        if key in NATIVE:
            return key, NATIVE[key]
    return (name, NATIVE[name]) if name in NATIVE else None


def compiles_on(native: Native, pin: str | None) -> tuple[str, ...] | None:
    """The Python minors on which ``native`` (at version ``pin``, None = newest) builds from source;
    None means every Python (no Linux wheels at all). See the module docstring."""
    if not native.compiles:
        return ()
    if native.wheels is None and native.abi3 is None:
        return None
    wheels = native.wheels or {}
    newest = max(wheels, key=_key) if wheels else None
    out = []
    for python in PYTHONS:
        if native.abi3 and (pin is None or _key(pin) >= _key(native.abi3)):
            continue
        first = wheels.get(python)
        if first is None and newest is not None and _key(python) < _key(min(wheels, key=_key)):
            # older than the table goes: judged by the first release with any Linux wheel
            first = min(wheels.values(), key=_key)
        if first is None:
            out.append(python)  # newer than every Python with wheels (or no cpXY wheels at all)
        elif pin is not None and _key(pin) < _key(first):
            out.append(python)
    return tuple(out)


def need(name: str, extras: tuple[str, ...] = (), pin: str | None = None) -> list[Need]:
    """What depending on ``name`` (normalised) needs, as unconditional and per-Python :class:`Need` values."""
    found = entry(name, extras)
    if found is None:
        return []
    key, native = found
    version = f" {pin}" if pin else ""
    out: list[Need] = []
    if native.loads:
        out.append(Need((), native.loads, None, f"{key}{version} loads them at run time"))
    pythons = compiles_on(native, pin)
    if pythons is None or pythons:
        build = (COMPILER, *native.build)
        why = f"{key}{version} builds from source" + (f" ({native.note})" if native.note else "")
        if pythons is not None:
            why = f"{key}{version} has no Linux wheel for Python {', '.join(pythons)}: built from source there"
        out.append(Need(build, native.runtime, pythons, why))
    return out


_WHEEL = re.compile(r"-(?P<py>(?:cp|pp|py)\d+(?:\.(?:cp|pp|py)\d+)*)-(?P<abi>[a-z0-9_]+)-(?P<plat>[a-z0-9_.]+)\.whl$")


def no_wheel_pythons(filenames: list[str]) -> tuple[str, ...] | None:
    """The Python minors that none of a locked release's files serves on linux/x86_64 (glibc).

    None when it has no usable wheel at all (an sdist only); ``()`` when a pure or abi3 wheel serves all.
    """
    served: set[str] = set()
    for filename in filenames:
        m = _WHEEL.search(filename.rsplit("/", 1)[-1])
        if not m:
            continue
        plats = m.group("plat").split(".")
        if not any(p == "any" or (p.endswith("x86_64") and "linux" in p and "musllinux" not in p) for p in plats):
            continue
        tags, abi = m.group("py").split("."), m.group("abi")
        if abi in ("none", "abi3"):
            # py3-none-any, or cp38-abi3: every CPython from the named one on
            low = min((t for t in tags if t.startswith(("cp", "py"))), default="py3")
            floor = "3.0" if len(low) <= 3 else f"{low[2]}.{low[3:]}"
            if low.startswith("py2") and len(tags) == 1:
                served.add("2.7")
                continue
            served.update(p for p in PYTHONS if _key(p) >= _key(floor) or (low.startswith("py2") and p == "2.7"))
            continue
        for tag in tags:
            if tag.startswith("cp") and len(tag) >= 4:
                served.add(f"{tag[2]}.{tag[3:]}")
    if not served:
        return None
    return tuple(p for p in PYTHONS if p not in served)
