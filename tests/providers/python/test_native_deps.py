"""native_deps: the distribution -> Debian packages table, entry by entry, and the "may compile" rule."""

from __future__ import annotations

import re

import pytest

from analyzers.lib.debian_names import canonical
from analyzers.providers.python import native_deps
from analyzers.providers.python.native_deps import NATIVE, PYTHONS, compiles_on, need, no_wheel_pythons

VERSION = re.compile(r"^\d+(\.\d+)*(\.post\d+)?$")


@pytest.mark.parametrize("name", sorted(NATIVE))
def test_entry_is_well_formed(name: str) -> None:
    native = NATIVE[name]
    assert re.fullmatch(r"[a-z0-9][a-z0-9-]*(\[[a-z0-9-]+\])?", name), "PEP 503 name, optional [extra]"
    for package in (*native.build, *native.runtime, *native.loads):
        assert canonical(package) == package, f"{package}: write the canonical (trixie) name"
    for python, version in (native.wheels or {}).items():
        assert python in PYTHONS and VERSION.match(version), (python, version)
    assert native.abi3 is None or VERSION.match(native.abi3)
    if native.compiles:
        assert native.runtime == () or native.build, "a library it links against comes with its headers"
    else:
        assert not native.build and not native.runtime and (native.loads or native.note)
    # whatever the pin, the rule gives an answer the generator can use
    for pin in (None, "0.1", "99.0"):
        result = compiles_on(native, pin)
        assert result is None or set(result) <= set(PYTHONS)


def test_sdist_only_drivers_always_compile_with_headers_and_runtime_libraries() -> None:
    (psycopg2,) = need("psycopg2")
    assert psycopg2.pythons is None and psycopg2.build == ("build-essential", "libpq-dev")
    assert psycopg2.runtime == ("libpq5",)
    (ldap,) = need("python-ldap")
    assert ldap.build == ("build-essential", "libldap2-dev", "libsasl2-dev")
    assert ldap.runtime == ("libldap2", "libsasl2-2")
    assert need("uwsgi")[0].build[0] == "build-essential"


def test_an_extra_selects_its_own_entry() -> None:
    (c,) = need("psycopg", ("c",))
    assert c.build == ("build-essential", "libpq-dev") and c.pythons is None
    (pure,) = need("psycopg")
    assert pure.build == () and pure.runtime == ("libpq5",)  # loads libpq through ctypes
    assert need("psycopg", ("binary",)) == []


def test_pins_below_the_first_wheel_compile_on_the_pythons_that_lack_it() -> None:
    (numpy,) = need("numpy", pin="1.24.4")
    assert numpy.pythons == ("3.12", "3.13", "3.14")
    assert "libopenblas-dev" in numpy.build and numpy.runtime == ("libopenblas0",)
    assert need("numpy") == []  # the newest release has wheels for every listed Python
    assert need("numpy", pin="2.3.2") == []
    (lru,) = need("lru-dict", pin="1.1.7")  # before the first wheel: everywhere
    assert lru.pythons == PYTHONS and lru.build == ("build-essential",)


def test_abi3_wheels_serve_every_later_python() -> None:
    assert need("cryptography") == [] and need("bcrypt", pin="4.1.2") == []
    (old,) = need("cryptography", pin="1.9")
    assert old.pythons == PYTHONS


def test_a_python_newer_than_every_wheel_may_compile_even_unpinned() -> None:
    (pylibmc,) = need("pylibmc")
    assert pylibmc.pythons == ("3.12", "3.13", "3.14")


def test_loaded_libraries_are_needed_with_wheels_too() -> None:
    (magic,) = need("python-magic")
    assert magic.runtime == ("libmagic1t64",) and magic.pythons is None and magic.build == ()
    assert need("unknown-package") == []


def test_lock_file_lists_tell_which_pythons_have_a_wheel() -> None:
    sdist_only = ["lru-dict-1.1.7.tar.gz"]
    assert no_wheel_pythons(sdist_only) is None
    assert no_wheel_pythons(["six-1.16.0-py2.py3-none-any.whl", "six-1.16.0.tar.gz"]) == ()
    assert no_wheel_pythons(["cryptography-42.0.5-cp39-abi3-manylinux_2_28_x86_64.whl"]) == (
        "2.7", "3.5", "3.6", "3.7", "3.8")
    files = ["numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
             "numpy-1.26.4-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
             "numpy-1.26.4-cp312-cp312-musllinux_1_1_x86_64.whl", "numpy-1.26.4-cp313-cp313-win_amd64.whl",
             "https://files.example/numpy-1.26.4-cp310-cp310-macosx_11_0_arm64.whl", "numpy-1.26.4.tar.gz"]
    assert no_wheel_pythons(files) == tuple(p for p in PYTHONS if p not in ("3.11", "3.12"))


def test_compiler_is_build_essential() -> None:
    assert native_deps.COMPILER == "build-essential"
