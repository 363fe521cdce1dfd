"""debian_names: install lines as the image sees them, and every name checked against each release's apt index.

The Docker test asks apt itself: one throwaway debian:bookworm-slim container reads the package indexes of
bullseye, bookworm and trixie from Debian's mirror (reachable from builds here) and reports, for every name
the tables can produce, whether that release has a real package of that name (a purely virtual name, such
as trixie's ``libssl3``, does not count: ``apt-get install`` of it is ambiguous or fails).
"""

from __future__ import annotations

from typing import Any

import pytest

from analyzers.lib.debian_names import (
    ALIASES,
    DEV_RUNTIME,
    RELEASE_NAMES,
    RELEASES,
    canonical,
    for_release,
    install_name,
    runtime_of,
)
from analyzers.providers.python.native_deps import COMPILER, NATIVE


def test_release_names() -> None:
    assert for_release("libldap2", "bookworm") == "libldap-2.5-0"
    assert for_release("libldap-2.4-2", "trixie") == "libldap2"  # any release's name -> the target's
    assert for_release("libssl3", "trixie") == "libssl3t64"
    assert for_release("libssl3t64", "bookworm") == "libssl3"
    assert for_release("libpq5", "bullseye") == "libpq5"
    assert for_release("libffi8", "buster") == "libffi7"  # buster is read as bullseye


@pytest.mark.parametrize(
    ("name", "package", "service"),
    [
        ("postgresql-16", None, "postgres"), ("postgresql", None, "postgres"), ("postgresql-contrib", None, "postgres"),
        ("postgresql-client-16", "postgresql-client", None), ("mysql-client-8.0", "default-mysql-client", None),
        ("mysql-server", None, "mysql"), ("mariadb-server-10.6", None, "mysql"), ("redis-server", None, "redis"),
        ("redis", None, "redis"), ("memcached", None, "memcached"), ("rabbitmq-server", None, "rabbitmq"),
        ("elasticsearch", None, "elasticsearch"), ("mongodb-org", None, "mongodb"), ("nginx", None, None),
        ("nginx-full", None, None), ("caddy", None, None), ("supervisor", None, None), ("python3.8-dev", None, None),
        ("python3-pip", None, None), ("python2.7", None, None), ("libpython3.10-dev", None, None),
        ("libmysqlclient-dev", "default-libmysqlclient-dev", None), ("libssl1.1", "libssl3t64", None),
        ("redis-tools", "redis-tools", None), ("libpq-dev", "libpq-dev", None), ("LibPQ-Dev", "libpq-dev", None),
    ],
)
def test_install_name(name: str, package: str | None, service: str | None) -> None:
    mapped = install_name(name)
    assert (mapped.package, mapped.service) == (package, service)
    if package != name.lower():
        assert mapped.note  # every change says why, for the report


def test_foreign_managers() -> None:
    assert install_name("openldap-devel", "yum").package == "libldap2-dev"
    assert install_name("ImageMagick-devel", "dnf").package is None and install_name("ImageMagick-devel", "dnf").review
    assert install_name("gcc", "yum").package == "gcc"
    assert install_name("musl-dev", "apk").package == "libc6-dev"


def test_dev_packages_name_their_runtime_library() -> None:
    assert runtime_of("libpq-dev") == ("libpq5",)
    assert runtime_of("libmysqlclient-dev") == ("libmariadb3",)  # through the alias
    assert runtime_of("git") == ()


def _every_name() -> set[str]:
    names = {COMPILER, *RELEASE_NAMES, *ALIASES.values(), *DEV_RUNTIME}
    names.update(n for libs in DEV_RUNTIME.values() for n in libs)
    names.update(p for native in NATIVE.values() for p in (*native.build, *native.runtime, *native.loads))
    names.update({"postgresql-client", "default-mysql-client", "mariadb-client", "redis-tools", "sqlite3", "git"})
    return {canonical(n) for n in names}


# Lists each release's index in its own apt state directory; without the dpkg status file `apt-cache
# pkgnames` prints real (downloadable) packages only, not purely virtual names. The container prints only
# the names asked for (NAMES), so the output stays small.
_SCRIPT = r"""
set -e
for r in {releases}; do
  mkdir -p /tmp/$r/lists/partial /tmp/$r/cache/archives/partial
  echo "deb [trusted=yes] http://deb.debian.org/debian $r main" > /tmp/$r.list
  o="-o Dir::Etc::SourceList=/tmp/$r.list -o Dir::Etc::SourceParts=/nonexistent -o Dir::State::Lists=/tmp/$r/lists"
  o="$o -o Dir::Cache=/tmp/$r/cache -o Dir::State::status=/dev/null"
  apt-get -qq $o update >/dev/null
  printf '%s\n' $NAMES > /tmp/wanted
  apt-cache $o pkgnames | grep -Fx -f /tmp/wanted | sed "s/^/$r /"
done
"""


@pytest.fixture(scope="module")
def available() -> dict[str, set[str]]:
    """release -> the names (of every name the tables can produce there) that it really has."""
    import docker

    wanted = {for_release(n, r) for n in _every_name() for r in RELEASES}
    client = docker.from_env()
    out = client.containers.run("debian:bookworm-slim", ["sh", "-c", _SCRIPT.format(releases=" ".join(RELEASES))],
                                environment={"NAMES": " ".join(sorted(wanted))}, remove=True)
    found: dict[str, set[str]] = {r: set() for r in RELEASES}
    for line in out.decode().splitlines():
        release, _, name = line.partition(" ")
        found[release].add(name)
    assert found["trixie"], "apt found nothing: is Debian's mirror reachable from containers?"
    return found


def _check(names: tuple[str, ...] | set[str], available: dict[str, set[str]]) -> None:
    missing = [(r, for_release(n, r)) for r in RELEASES for n in sorted(names) if for_release(n, r) not in available[r]]
    assert not missing, f"not a package in that release: {missing}"


@pytest.mark.docker
@pytest.mark.parametrize("dist", sorted(NATIVE))
def test_native_entry_names_exist_in_every_release(dist: str, available: Any) -> None:
    native = NATIVE[dist]
    _check({COMPILER, *native.build, *native.runtime, *native.loads}, available)


@pytest.mark.docker
@pytest.mark.parametrize("alias", sorted(ALIASES))
def test_alias_targets_exist_in_every_release(alias: str, available: Any) -> None:
    _check({ALIASES[alias]}, available)


@pytest.mark.docker
@pytest.mark.parametrize("dev", sorted(DEV_RUNTIME))
def test_dev_packages_and_their_runtime_libraries_exist_in_every_release(dev: str, available: Any) -> None:
    _check({dev, *DEV_RUNTIME[dev]}, available)


@pytest.mark.docker
@pytest.mark.parametrize("name", sorted(RELEASE_NAMES))
def test_renamed_libraries_exist_under_each_releases_name(name: str, available: Any) -> None:
    _check({name}, available)
