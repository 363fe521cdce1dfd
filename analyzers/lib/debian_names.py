"""Debian package names: what a library is called in each Debian release, and what an install line means.

Two tables and the functions that read them:

- :data:`RELEASE_NAMES`: a library whose package name differs between the releases the official
  ``python:*`` images are built on. Names elsewhere in the project are written the way **trixie** (Debian
  13, the base of ``python:3.9``-and-later images since August 2025) calls them; :func:`for_release`
  turns one into what ``bookworm`` (12: ``python:3.7``/``3.8`` and every ``-bookworm`` tag, and the
  offline stand-ins on this build machine) or ``bullseye`` (11: ``python:3.6``) calls it. ``buster``
  (10: ``python:2.7``) is treated as bullseye: its archive is not reachable from here to check.
  Most differences come from the 64-bit ``time_t`` transition (``libssl3`` became ``libssl3t64``) and
  soname bumps (``libldap-2.5-0`` became ``libldap2``).
- :data:`ALIASES`: names from Ubuntu, older Debian, RHEL (yum/dnf) and Alpine (apk) install lines, as
  the canonical Debian name (``libmysqlclient-dev`` -> ``default-libmysqlclient-dev``,
  ``postgresql-devel`` -> ``libpq-dev``, ``postgresql-client-16`` -> ``postgresql-client``).

:func:`install_name` says what one name from a legacy install line becomes: a package of the image, a
backing service (``postgresql-16``, ``redis-server``: never an image package), or nothing (the image
brings its own Python; host tools), each with the reason, so the caller can report it.
tests/analyzers/lib/test_debian_names.py checks every name against each release's apt index (Docker).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

RELEASES = ("bullseye", "bookworm", "trixie")
DEFAULT_RELEASE = "trixie"

# canonical (trixie) name -> {release: that release's name}; releases not listed use the canonical name
RELEASE_NAMES: dict[str, dict[str, str]] = {
    "libldap2": {"bookworm": "libldap-2.5-0", "bullseye": "libldap-2.4-2"},
    "libssl3t64": {"bookworm": "libssl3", "bullseye": "libssl1.1"},
    "libxmlsec1t64": {"bookworm": "libxmlsec1", "bullseye": "libxmlsec1"},
    "libxmlsec1t64-openssl": {"bookworm": "libxmlsec1-openssl", "bullseye": "libxmlsec1-openssl"},
    "libmagic1t64": {"bookworm": "libmagic1", "bullseye": "libmagic1"},
    "libffi8": {"bullseye": "libffi7"},
    "libpng16-16t64": {"bookworm": "libpng16-16", "bullseye": "libpng16-16"},
    "libtiff6": {"bullseye": "libtiff5"},
    "libwebp7": {"bullseye": "libwebp6"},
    "libcurl4t64": {"bookworm": "libcurl4", "bullseye": "libcurl4"},
    "libodbc2": {"bullseye": "libodbc1"},
    "libmemcached11t64": {"bookworm": "libmemcached11", "bullseye": "libmemcached11"},
    "libgeos-c1t64": {"bookworm": "libgeos-c1v5", "bullseye": "libgeos-c1v5"},
    "libev4t64": {"bookworm": "libev4", "bullseye": "libev4"},
    "libuv1t64": {"bookworm": "libuv1", "bullseye": "libuv1"},
    "libglib2.0-0t64": {"bookworm": "libglib2.0-0", "bullseye": "libglib2.0-0"},
    "libaio1t64": {"bookworm": "libaio1", "bullseye": "libaio1"},
    "libre2-11": {"bookworm": "libre2-9", "bullseye": "libre2-9"},
    "libhdf5-310": {"bookworm": "libhdf5-103-1", "bullseye": "libhdf5-103-1"},
    "libreadline8t64": {"bookworm": "libreadline8", "bullseye": "libreadline8"},
    "libsqlite3-0": {},
}

# other distributions' (and older Debian releases') names -> the canonical Debian name
ALIASES: dict[str, str] = {
    # older sonames and Ubuntu's names for the same libraries
    "libldap-2.4-2": "libldap2", "libldap-2.5-0": "libldap2", "libldap-2.6-0": "libldap2",
    "libldap-dev": "libldap2-dev",
    "libssl1.0.0": "libssl3t64", "libssl1.0.2": "libssl3t64", "libssl1.1": "libssl3t64", "libssl3": "libssl3t64",
    "libmysqlclient-dev": "default-libmysqlclient-dev", "libmysqlclient18": "libmariadb3",
    "libmysqlclient20": "libmariadb3", "libmysqlclient21": "libmariadb3", "libmariadbclient-dev": "libmariadb-dev",
    "libjpeg8": "libjpeg62-turbo", "libjpeg-turbo8": "libjpeg62-turbo", "libjpeg8-dev": "libjpeg62-turbo-dev",
    "libjpeg-turbo8-dev": "libjpeg62-turbo-dev", "libjpeg-dev": "libjpeg62-turbo-dev",
    "libtiff5": "libtiff6", "libtiff5-dev": "libtiff-dev", "libwebp6": "libwebp7",
    "libffi6": "libffi8", "libffi7": "libffi8", "libpng12-0": "libpng16-16t64", "libpng16-16": "libpng16-16t64",
    "libpng12-dev": "libpng-dev", "libmagic1": "libmagic1t64", "libcurl3": "libcurl4t64", "libcurl4": "libcurl4t64",
    "libcurl4-gnutls-dev": "libcurl4-openssl-dev", "libxmlsec1": "libxmlsec1t64",
    "libxmlsec1-openssl": "libxmlsec1t64-openssl", "libodbc1": "libodbc2", "libmemcached11": "libmemcached11t64",
    "libgeos-c1v5": "libgeos-c1t64", "libev4": "libev4t64", "libuv1": "libuv1t64", "libglib2.0-0": "libglib2.0-0t64",
    "libaio1": "libaio1t64", "libre2-9": "libre2-11", "libhdf5-103-1": "libhdf5-310", "libhdf5-103": "libhdf5-310",
    "libreadline8": "libreadline8t64", "libreadline7": "libreadline8t64", "libfreetype6-dev": "libfreetype-dev",
    "libgdk-pixbuf2.0-0": "libgdk-pixbuf-2.0-0", "libgdk-pixbuf2.0-dev": "libgdk-pixbuf-2.0-dev",
    # PCRE 1 is gone from trixie; uWSGI >= 2.0.22 (and most C code) builds against PCRE2
    "libpcre3": "libpcre2-8-0", "libpcre3-dev": "libpcre2-dev",
    "mysql-client": "default-mysql-client",
    # RHEL/CentOS/Fedora (yum, dnf) names
    "postgresql-devel": "libpq-dev", "libpq-devel": "libpq-dev", "mysql-devel": "default-libmysqlclient-dev",
    "mariadb-devel": "libmariadb-dev", "mariadb-connector-c-devel": "libmariadb-dev",
    "openldap-devel": "libldap2-dev", "cyrus-sasl-devel": "libsasl2-dev", "libxml2-devel": "libxml2-dev",
    "libxslt-devel": "libxslt1-dev", "openssl-devel": "libssl-dev", "libffi-devel": "libffi-dev",
    "zlib-devel": "zlib1g-dev", "libjpeg-turbo-devel": "libjpeg62-turbo-dev", "libjpeg-devel": "libjpeg62-turbo-dev",
    "libpng-devel": "libpng-dev", "freetype-devel": "libfreetype-dev", "libyaml-devel": "libyaml-dev",
    "libcurl-devel": "libcurl4-openssl-dev", "xmlsec1-devel": "libxmlsec1-dev", "unixODBC-devel": "unixodbc-dev",
    "unixodbc-devel": "unixodbc-dev", "freetds-devel": "freetds-dev", "libmemcached-devel": "libmemcached-dev",
    "krb5-devel": "libkrb5-dev", "pcre-devel": "libpcre2-dev", "pcre2-devel": "libpcre2-dev",
    "cairo-devel": "libcairo2-dev", "file-devel": "libmagic-dev", "file-libs": "libmagic1t64",
    "gcc-c++": "g++", "libpq": "libpq5", "postgresql-libs": "libpq5", "openldap": "libldap2",
    "libxslt": "libxslt1.1", "xmlsec1-openssl": "libxmlsec1t64-openssl",
    # Alpine (apk) names
    "build-base": "build-essential", "musl-dev": "libc6-dev", "postgresql-dev": "libpq-dev",
    "mariadb-dev": "libmariadb-dev", "mariadb-connector-c-dev": "libmariadb-dev", "openldap-dev": "libldap2-dev",
    "cyrus-sasl-dev": "libsasl2-dev", "libxslt-dev": "libxslt1-dev", "openssl-dev": "libssl-dev",
    "zlib-dev": "zlib1g-dev", "jpeg-dev": "libjpeg62-turbo-dev", "libjpeg-turbo-dev": "libjpeg62-turbo-dev",
    "freetype-dev": "libfreetype-dev", "yaml-dev": "libyaml-dev", "curl-dev": "libcurl4-openssl-dev",
    "pcre-dev": "libpcre2-dev", "pcre2-dev": "libpcre2-dev", "cairo-dev": "libcairo2-dev", "libmagic": "libmagic1t64",
}

# The runtime library that goes with a -dev package: what the compiled extension links against.
DEV_RUNTIME: dict[str, tuple[str, ...]] = {
    "libpq-dev": ("libpq5",), "libldap2-dev": ("libldap2",),
    "libsasl2-dev": ("libsasl2-2",), "default-libmysqlclient-dev": ("libmariadb3",),
    "libmariadb-dev": ("libmariadb3",), "libmariadb-dev-compat": ("libmariadb3",), "libxml2-dev": ("libxml2",),
    "libxslt1-dev": ("libxslt1.1",), "libxmlsec1-dev": ("libxmlsec1t64", "libxmlsec1t64-openssl"),
    "libffi-dev": ("libffi8",), "libssl-dev": ("libssl3t64",), "libyaml-dev": ("libyaml-0-2",),
    "libjpeg62-turbo-dev": ("libjpeg62-turbo",), "zlib1g-dev": ("zlib1g",), "libpng-dev": ("libpng16-16t64",),
    "libfreetype-dev": ("libfreetype6",), "libtiff-dev": ("libtiff6",), "libwebp-dev": ("libwebp7",),
    "liblcms2-dev": ("liblcms2-2",), "libopenjp2-7-dev": ("libopenjp2-7",), "libmagic-dev": ("libmagic1t64",),
    "libcurl4-openssl-dev": ("libcurl4t64",), "libzmq3-dev": ("libzmq5",), "unixodbc-dev": ("libodbc2",),
    "freetds-dev": ("libsybdb5",), "libmemcached-dev": ("libmemcached11t64",), "libcairo2-dev": ("libcairo2",),
    "libgeos-dev": ("libgeos-c1t64",), "libkrb5-dev": ("libkrb5-3", "libgssapi-krb5-2"),
    "libpcre2-dev": ("libpcre2-8-0",), "libopenblas-dev": ("libopenblas0",), "gfortran": ("libgfortran5",),
    "librdkafka-dev": ("librdkafka1",), "libsnappy-dev": ("libsnappy1v5",), "libsqlite3-dev": ("libsqlite3-0",),
    "libsodium-dev": ("libsodium23",), "libgmp-dev": ("libgmp10",), "libev-dev": ("libev4t64",),
}

# Servers and host daemons: backing services or Ingress facts, never packages of the app image.
# name pattern -> service kind (None: a host concern the cluster replaces: proxy, init, firewall ...)
_SERVERS: tuple[tuple[str, str | None], ...] = (
    (r"postgresql(-\d+(\.\d+)?)?|postgresql-server|postgresql\d*-server|postgresql-contrib(-\d+)?|postgis"
     r"|postgresql-\d+-postgis(-\d+)?", "postgres"),
    (r"mysql-server(-\d+(\.\d+)?)?|mariadb-server(-\d+(\.\d+)?)?|mariadb|percona-server-server.*", "mysql"),
    (r"redis-server|redis|redis-stack-server|keydb-server", "redis"),
    (r"rabbitmq-server", "rabbitmq"),
    (r"memcached", "memcached"),
    (r"mongodb(-org|-server)?(-\w+)?", "mongodb"),
    (r"elasticsearch(-oss)?|opensearch", "elasticsearch"),
    (r"nginx(-\w+)?|apache2(-\w+)?|httpd|caddy|haproxy|varnish|lighttpd|traefik|envoy|stunnel4?|hitch|libapache2-mod-.*|certbot"
     r"|python3?-certbot(-\w+)?|letsencrypt", None),
    (r"supervisor|supervisord|systemd|cron|cronie|anacron|openssh-server|ufw|fail2ban|sudo|logrotate|rsyslog"
     r"|ntp|chrony|monit|unattended-upgrades|docker(\.io|-ce)?|docker-compose(-plugin)?", None),
)
# The image brings its own Python (with headers and pip) under /usr/local: the distribution's is not used.
_OWN_PYTHON = re.compile(r"^(python(\d(\.\d+)?)?(-(dev|devel|pip|venv|virtualenv|setuptools|wheel|distutils|minimal))?"
                         r"|python\d+(\.\d+)?-?(dev|devel|pip|venv|distutils|minimal)?|virtualenv|pipenv"
                         r"|libpython\d(\.\d+)?(-dev)?|python-is-python3|software-properties-common)$")
_DISTRO_PYTHON_LIB = re.compile(r"^python3?-[a-z0-9][a-z0-9.+-]*$")
_VERSIONED_CLIENT = re.compile(r"^(postgresql-client|mysql-client|mariadb-client)-\d+(\.\d+)?$")
# Names that Debian shares with RHEL/Alpine, so they are kept from yum/dnf/apk lines too.
_SHARED = {"gcc", "g++", "make", "git", "curl", "wget", "pkg-config", "pkgconf", "libffi-dev", "libxml2-dev",
           "libxml2", "libpq-dev", "unixodbc-dev", "xmlsec1", "postgresql-client", "gettext", "swig", "cmake",
           "unzip", "zip", "tzdata", "ca-certificates", "gfortran", "rsync", "openssl", "bash"}
_FOREIGN_MANAGERS = {"yum", "dnf", "apk", "zypper", "microdnf"}
_DEBIAN_NAME = re.compile(r"^[a-z0-9][a-z0-9+.-]+$")


@dataclass(frozen=True)
class Mapped:
    """What one name from a legacy install line becomes in the image."""

    package: str | None  # the Debian package to install, or None
    service: str | None = None  # a backing service it stands for (postgres, redis ...)
    note: str | None = None  # why the name changed or was left out, for the report
    review: bool = False  # left out, and the app may miss it: worth a warning (an open question)


def install_name(name: str, manager: str = "apt-get") -> Mapped:
    """The image's view of ``name`` from a ``manager install`` line (see the module docstring)."""
    lower = name.lower()
    for pattern, kind in _SERVERS:
        if re.fullmatch(pattern, lower):
            where = f"a {kind} backing service" if kind else "a host daemon the cluster replaces"
            return Mapped(None, kind, f"{name} is {where}, not a package of the app image")
    if _OWN_PYTHON.match(lower):
        return Mapped(None, None, f"{name}: the python image has its own Python, headers and pip")
    versioned = _VERSIONED_CLIENT.match(lower)
    if versioned:
        base = ALIASES.get(versioned.group(1), versioned.group(1))
        note = f"{name} is a versioned Ubuntu/PGDG name: Debian's {base} installs the release's own version"
        if versioned.group(1) == "postgresql-client":
            note += " (pg_dump refuses a server newer than itself: add the PGDG apt repository if it must match)"
        return Mapped(base, None, note)
    if lower in ALIASES:
        return Mapped(ALIASES[lower], None, f"{name} is called {ALIASES[lower]} in Debian")
    if lower in RELEASE_NAMES or lower in DEV_RUNTIME or lower in _SHARED:
        return Mapped(lower)
    if _DISTRO_PYTHON_LIB.match(lower):
        return Mapped(None, None, f"{name}: Python libraries come from the dependency files into the "
                                  "virtualenv, which does not see the distribution's python3-* packages", True)
    if manager in _FOREIGN_MANAGERS and (lower.endswith("-devel") or not _DEBIAN_NAME.match(lower)):
        return Mapped(None, None, f"{name} ({manager}) has no known Debian name; add its Debian package to "
                                  "the Dockerfile if the app needs it", True)
    return Mapped(lower)


def canonical(name: str) -> str:
    """The canonical (trixie) name of a package written under any release's or distribution's name."""
    return ALIASES.get(name, name)


def for_release(name: str, release: str) -> str:
    """What ``release`` calls the package written ``name`` (any release's name, see :data:`ALIASES`)."""
    if release == "buster":
        release = "bullseye"  # see the module docstring
    base = canonical(name)
    return RELEASE_NAMES.get(base, {}).get(release, base)


def runtime_of(dev_package: str) -> tuple[str, ...]:
    """The runtime libraries a ``-dev`` package's library needs in the final image (canonical names)."""
    return DEV_RUNTIME.get(canonical(dev_package), ())
