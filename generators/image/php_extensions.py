"""PHP extensions in the official ``php`` image: which are compiled in, and one ``RUN`` for the rest.

``docker-php-ext-install`` compiles a bundled extension from the image's own PHP source, ``pecl install``
fetches a PECL one (pinned: a build never picks up a release the app was not tested with), and
``docker-php-ext-enable`` loads it. The -dev headers they compile against are build-only: as the official
WordPress image does, every package is marked automatic, the libraries the compiled ``.so`` files link
(``ldd`` -> ``dpkg-query -S``) are marked manual again, and ``apt-get purge --auto-remove`` takes the rest,
so the runtime libraries stay (libpng16, libzip4 ...) and the -dev packages go.
"""

from __future__ import annotations

import re

# Compiled into php:X.Y-apache (``php -m`` of the official images): nothing to install
BUILTIN = frozenset({"core", "ctype", "curl", "date", "dom", "fileinfo", "filter", "ftp", "hash", "iconv", "json",
                     "libxml", "mbstring", "mysqlnd", "openssl", "pcre", "pdo", "pdo_sqlite", "phar", "posix",
                     "random", "readline", "reflection", "session", "simplexml", "sodium", "spl", "sqlite3",
                     "standard", "tokenizer", "xml", "xmlreader", "xmlwriter", "zlib"})
# What docker-php-ext-install can build: the extensions in the PHP source tree the image carries (imap left
# it for PECL in 8.4)
BUNDLED = frozenset({"bcmath", "bz2", "calendar", "dba", "enchant", "exif", "ffi", "gd", "gettext", "gmp", "imap",
                     "intl", "ldap", "mysqli", "odbc", "opcache", "pcntl", "pdo_dblib", "pdo_firebird", "pdo_mysql",
                     "pdo_odbc", "pdo_pgsql", "pgsql", "pspell", "shmop", "snmp", "soap", "sockets", "sysvmsg",
                     "sysvsem", "sysvshm", "tidy", "xsl", "zip"})
# The -dev packages docker-php-ext-install / pecl compile against (Debian bookworm names)
DEV_PACKAGES: dict[str, tuple[str, ...]] = {
    "gd": ("libpng-dev", "libjpeg62-turbo-dev", "libfreetype6-dev"),
    "intl": ("libicu-dev",), "zip": ("libzip-dev",), "pgsql": ("libpq-dev",), "pdo_pgsql": ("libpq-dev",),
    "xsl": ("libxslt1-dev",), "gmp": ("libgmp-dev",), "ldap": ("libldap2-dev",), "soap": ("libxml2-dev",),
    "imagick": ("libmagickwand-dev",), "memcached": ("libmemcached-dev", "zlib1g-dev"), "mongodb": ("libssl-dev",),
    "bz2": ("libbz2-dev",), "tidy": ("libtidy-dev",), "imap": ("libc-client-dev", "libkrb5-dev"),
    "enchant": ("libenchant-2-dev",), "pspell": ("libpspell-dev",), "snmp": ("libsnmp-dev",),
    "gettext": ("gettext",), "odbc": ("unixodbc-dev",), "pdo_odbc": ("unixodbc-dev",), "pdo_dblib": ("freetds-dev",),
}
# PECL releases by the lowest PHP they support, newest first: the last release for the image's PHP line
PECL: dict[str, tuple[tuple[tuple[int, int], str], ...]] = {
    "redis": (((7, 4), "6.1.0"), ((7, 0), "5.3.7"), ((5, 6), "4.3.0")),
    "apcu": (((7, 0), "5.1.24"), ((5, 6), "4.0.11")),
    "imagick": (((8, 0), "3.8.0"), ((5, 6), "3.7.0")),
    "memcached": (((7, 0), "3.3.0"), ((5, 6), "2.2.0")),
    "mongodb": (((8, 1), "2.1.1"), ((7, 4), "1.20.1"), ((7, 2), "1.11.1"), ((7, 0), "1.9.2"), ((5, 6), "1.7.5")),
    "igbinary": (((7, 0), "3.2.16"), ((5, 6), "2.0.8")),
    "msgpack": (((7, 0), "3.0.0"), ((5, 6), "0.5.7")),
    "xdebug": (),  # a debugger: never in a production image
}
_PECL_IMAP = (((8, 4), "1.0.3"),)  # imap left the PHP source in 8.4
_NAME = re.compile(r"[a-z][a-z0-9_]*")
# Awk program of the official images: each library a .so links, outside /usr/local, as a dpkg-query pattern
_LDD_AWK = "'/=>/ { so = $(NF-1); if (index(so, \"/usr/local/\") == 1) { next }; gsub(\"^/(usr/)?\", \"\", so); " \
           "printf \"*%s\\n\", so }'"


def version_tuple(version: str) -> tuple[int, int]:
    m = re.match(r"(\d+)\.(\d+)", version)
    return (int(m.group(1)), int(m.group(2))) if m else (8, 3)


def needed(extensions: tuple[tuple[str, str], ...], version: str) -> list[tuple[str, str]]:
    """(name, why) of the extensions to install: valid names, not compiled in, each once; opcache is built
    into PHP 8.5 and later."""
    builtin = BUILTIN | ({"opcache"} if version_tuple(version) >= (8, 5) else set())
    out: dict[str, str] = {}
    for name, why in extensions:
        key = name.lower().removeprefix("ext-")
        if _NAME.fullmatch(key) and key not in builtin:
            out.setdefault(key, why)
    return sorted(out.items())


def _pecl_for(php: tuple[int, int]) -> dict[str, tuple[tuple[tuple[int, int], str], ...]]:
    return {**PECL, "imap": _PECL_IMAP} if php >= (8, 4) else PECL


def unbuildable(extensions: list[tuple[str, str]], version: str) -> list[tuple[str, str]]:
    """(name, why) of the extensions neither docker-php-ext-install nor a pinned PECL release provides
    (a debugger, or an extension migrate knows no release of): left out, each said in the Dockerfile."""
    pecl = _pecl_for(version_tuple(version))
    return [(n, w) for n, w in extensions if not pecl.get(n) and n not in BUNDLED]


def extension_notes(extensions: tuple[tuple[str, str], ...], version: str) -> tuple[str, ...]:
    """MIGRATION.md's open questions: the extensions the image does not install."""
    return tuple(f"PHP extension `{n}` ({why}) is not installed: " + (
        "a development tool, not for production" if n in PECL else
        "migrate knows no pinned release of it; add its install to the Dockerfile's extension layer")
        for n, why in unbuildable(needed(extensions, version), version))


def install_block(extensions: list[tuple[str, str]], version: str) -> str | None:
    """One ``RUN`` installing ``extensions`` with their build dependencies purged after; None when there are none."""
    php = version_tuple(version)
    skipped = unbuildable(extensions, version)
    left_out = [f"# not installed: {n} ({why}): no pinned release of it is known to migrate (install it here)"
                if n not in PECL else f"# not installed: {n} ({why}): a development tool, not for production"
                for n, why in skipped]
    extensions = [e for e in extensions if e not in skipped]
    if not extensions:
        return "\n".join(left_out) or None
    names = [n for n, _ in extensions]
    known = _pecl_for(php)
    pecl = [n for n in names if n in known]
    # opcache ships compiled (shared) in the image: it only needs enabling
    enable_only = [n for n in names if n == "opcache"]
    compiled = [n for n in names if n not in pecl and n not in enable_only]
    dev = sorted({d for n in names for d in DEV_PACKAGES.get(n, ())})
    comment = [*left_out, "# PHP extensions the app needs (the ones compiled into the image are not listed):"]
    comment += [f"#   {n}{' (PECL)' if n in pecl else ''}: {why}" for n, why in extensions]
    if not dev and not pecl and not compiled:
        return "\n".join(comment) + f"\nRUN docker-php-ext-enable {' '.join(enable_only)}"
    comment.append("# the -dev packages are for compiling only: the libraries the extensions link stay, the rest is "
                   "purged (the official WordPress image's cleanup)")
    lines = ['savedAptMark="$(apt-mark showmanual)"', "apt-get update",
             "apt-get install -y --no-install-recommends " + " ".join(dev) if dev else ""]
    lines += _configure(compiled, php)
    if compiled:
        lines.append(f'docker-php-ext-install -j "$(nproc)" {" ".join(compiled)}')
    lines += [f"pecl install {n}-{_pecl_version(known[n], php)}" for n in pecl]
    if pecl or enable_only:
        lines.append(f"docker-php-ext-enable {' '.join(sorted(pecl + enable_only))}")
    if pecl:
        lines.append("rm -rf /tmp/pear")
    lines += ["extDir=\"$(php -r 'echo ini_get(\"extension_dir\");')\"",
              "apt-mark auto '.*' > /dev/null",
              'echo "$savedAptMark" | xargs -r apt-mark manual > /dev/null',
              f'ldd "$extDir"/*.so | awk {_LDD_AWK} | sort -u | xargs -r dpkg-query --search | cut -d: -f1 '
              "| sort -u | xargs -r apt-mark manual > /dev/null",
              "apt-get purge -y --auto-remove -o APT::AutoRemove::RecommendsImportant=false",
              "rm -rf /var/lib/apt/lists/*",
              # a missing library or a startup warning fails the build here, not the first request
              "! { ldd \"$extDir\"/*.so | grep 'not found'; }",
              'err="$(php --version 2>&1 >/dev/null)"', '[ -z "$err" ]']
    body = " \\\n && ".join(line for line in lines if line)
    # the awk program's $ fields are awk's, not the shell's
    return "\n".join(comment) + "\n# hadolint ignore=SC2016\nRUN " + body


def _configure(compiled: list[str], php: tuple[int, int]) -> list[str]:
    """``docker-php-ext-configure`` for the extensions whose build needs options (gd's image libraries)."""
    out = []
    if "gd" in compiled:
        out.append("docker-php-ext-configure gd --with-freetype --with-jpeg" if php >= (7, 4) else
                   "docker-php-ext-configure gd --with-freetype-dir=/usr/include/ --with-jpeg-dir=/usr/include/ "
                   "--with-png-dir=/usr/include/")
    if "zip" in compiled and (7, 2) <= php < (7, 4):
        out.append("docker-php-ext-configure zip --with-libzip")
    if "imap" in compiled:
        out.append("docker-php-ext-configure imap --with-kerberos --with-imap-ssl")
    return out


def _pecl_version(releases: tuple[tuple[tuple[int, int], str], ...], php: tuple[int, int]) -> str:
    return next((v for low, v in releases if php >= low), releases[-1][1])
