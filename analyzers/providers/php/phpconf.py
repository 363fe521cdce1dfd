"""Line-aware readers of the legacy PHP web configs other than nginx: Apache vhosts and ``.htaccess``,
php-fpm pools, ``php.ini``/``.user.ini``. Each gives :class:`Setting` values with their file and line;
:mod:`.server_config` merges them into runtime facts.

- Apache (``<VirtualHost``, ``DocumentRoot`` in ``*.conf`` under apache2/httpd dirs or any file with a
  ``<VirtualHost``): ``DocumentRoot`` -> ``document_root``, ``FallbackResource``/a ``RewriteRule`` to
  ``index.php`` -> ``front_controller``, ``AllowOverride`` -> ``allow_override``, ``LimitRequestBody`` ->
  the upload limits, ``MaxRequestWorkers``/``MaxClients`` -> ``max_workers``, ``php_value``/
  ``php_admin_value``/``php_flag`` -> php.ini settings. ``.htaccess`` the same (minus the vhost-only ones).
- php-fpm pools (a ``[pool]`` section with ``pm``/``listen``): ``pm.max_children`` -> ``max_workers``,
  ``request_terminate_timeout`` -> ``request_timeout`` (and ``max_execution_time``),
  ``php_admin_value[x]``/``php_value[x]``/``php_flag[x]`` -> php.ini settings, ``env[X]`` -> env vars.
- ``php.ini``/``.user.ini``/``conf.d/*.ini`` of PHP: ``key = value`` (host paths left out: the image has
  its own), ``max_execution_time`` -> ``request_timeout`` too; ``extension=redis`` lines are extension needs.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from analyzers.providers.php.hostfiles import sail_dirs
from migrator.model import Confidence
from migrator.repo import RepoView

_APACHE_DIRS = {"apache", "apache2", "httpd", "sites-available", "sites-enabled", "conf.d", "conf-available",
                "vhosts", "vhost.d", "deploy"}
_FPM_DIRS = {"php-fpm.d", "pool.d", "fpm", "php-fpm"}
_DIRECTIVE = re.compile(r"^\s*(</?)?([A-Za-z][\w.]*)\s*(.*?)\s*>?\s*$")
_FPM_KEY = re.compile(r"^\s*([\w.\[\]-]+)\s*=\s*(.*?)\s*$")
_SECTION = re.compile(r"^\s*\[([^\]]+)\]\s*$")
_TO_INDEX = re.compile(r"(^|[\s/])index\.php\b")
# php.ini keys whose values are host paths: the image has its own
_HOST_PATH_KEYS = {"error_log", "session.save_path", "upload_tmp_dir", "sys_temp_dir", "extension_dir",
                   "include_path", "open_basedir", "auto_prepend_file", "auto_append_file", "doc_root",
                   "user_dir", "opcache.error_log", "opcache.file_cache", "mail.log", "sendmail_path",
                   "curl.cainfo", "openssl.cafile", "openssl.capath", "xdebug.output_dir"}
_SKIP_KEYS = {"extension", "zend_extension"}


@dataclass(frozen=True)
class Setting:
    name: str  # document_root, front_controller, max_workers, request_timeout, allow_override, ini:<key>, ext,
    # env ("NAME=value": never written out; the caller reports a secret one as such)
    value: str
    file: str
    line: int
    confidence: Confidence
    why: str  # the directive as written: "pm.max_children = 20"


def _candidates(repo: RepoView) -> list[str]:
    """The repo's files minus vendored trees and Laravel Sail's development runtime."""
    sail = sail_dirs(repo)
    return [f for f in repo.files() if not f.startswith("vendor/") and posixpath.dirname(f) not in sail]


def apache_files(repo: RepoView) -> list[str]:
    out: list[str] = []
    for rel in _candidates(repo):
        base = posixpath.basename(rel)
        dirs = set(rel.split("/")[:-1])
        if base.endswith((".php", ".ini")):
            continue
        if base in ("httpd.conf", "apache2.conf", "apache.conf") or (base.endswith(".conf") and dirs & _APACHE_DIRS):
            out.append(rel)
    return out


def apache(repo: RepoView, rel: str, htaccess: bool = False) -> list[Setting]:
    """The settings of one Apache config file or ``.htaccess`` (empty when it is not Apache's). A setting
    inside ``<Directory>`` counts only for the document root or a directory above it (``php_admin_flag
    engine off`` for wp-content/uploads is no setting of the app), never inside ``<Files>``/``<Location
    /x>``/``<If>``; ``SetEnv`` gives the app's env vars."""
    lines = repo.lines(rel)
    if not htaccess and not any(re.match(r"\s*(<VirtualHost|DocumentRoot|<Directory)", ln, re.I) for ln in lines):
        return []
    out: list[Setting] = []
    conf = Confidence.DECLARED
    root: str | None = None
    scopes: list[tuple[str, str]] = []  # (block, its argument) of the enclosing scoping blocks
    for number, raw in enumerate(lines, 1):
        text = "" if raw.strip().startswith("#") else raw.strip()
        m = _DIRECTIVE.match(text)
        if not text or m is None:
            continue
        name, args = m.group(2).lower(), m.group(3).strip()
        if m.group(1) == "</":
            if scopes and scopes[-1][0] == name:
                scopes.pop()
            continue
        if m.group(1) == "<":
            if name in _SCOPES:
                scopes.append((name, args.strip("\"'")))
            continue
        words = args.split()
        if name == "documentroot" and words and not htaccess:
            root = words[0].strip("\"'").rstrip("/")
            out.append(Setting("document_root", root, rel, number, conf, text))
            continue
        if not _applies(scopes, root):
            continue
        if name == "fallbackresource" and words and words[0] != "disabled":
            out.append(Setting("front_controller", words[0].lstrip("/"), rel, number, conf, text))
        elif name == "rewriterule" and len(words) >= 2 and _TO_INDEX.search(words[1]):
            out.append(Setting("front_controller", "index.php", rel, number, Confidence.INFERRED, text))
        elif name == "allowoverride" and words and not htaccess:
            out.append(Setting("allow_override", " ".join(words), rel, number, conf, text))
        elif name == "limitrequestbody" and words and words[0].isdigit() and int(words[0]) > 0:
            size = php_size(int(words[0]))
            out += [Setting(f"ini:{k}", size, rel, number, Confidence.INFERRED, text)
                    for k in ("upload_max_filesize", "post_max_size")]
        elif name in ("maxrequestworkers", "maxclients") and words and words[0].isdigit() and not htaccess:
            out.append(Setting("max_workers", words[0], rel, number, conf, text))
        elif name in ("php_value", "php_admin_value", "php_flag", "php_admin_flag") and len(words) >= 2:
            out += _ini(words[0], " ".join(words[1:]).strip("\"'"), rel, number, text, name.endswith("flag"))
        elif name == "setenv" and words and re.fullmatch(r"[A-Za-z_]\w*", words[0]):
            out.append(Setting("env", f"{words[0]}={' '.join(words[1:])}", rel, number, conf, "SetEnv"))
    return out


_SCOPES = {"directory", "directorymatch", "location", "locationmatch", "files", "filesmatch", "if", "elseif", "else"}


def _applies(scopes: list[tuple[str, str]], root: str | None) -> bool:
    """Whether a directive under ``scopes`` applies to the whole app (see :func:`apache`)."""
    for block, arg in scopes:
        if block == "directory":
            path = arg.rstrip("/")
            if root is not None and not (root == path or root.startswith(path + "/")):
                return False
        elif block == "location" and arg.rstrip("/") == "":
            continue
        else:
            return False
    return True


def fpm_files(repo: RepoView) -> list[str]:
    return [f for f in _candidates(repo) if f.endswith(".conf") and (
        set(f.split("/")[:-1]) & _FPM_DIRS or "fpm" in posixpath.basename(f) or "pool" in posixpath.basename(f))]


def fpm_pool(repo: RepoView, rel: str) -> list[Setting]:
    """The settings of a php-fpm pool file (empty when it has no pool: no ``pm``/``listen`` in a section)."""
    lines = repo.lines(rel)
    if not {m.group(1) for ln in lines if (m := _FPM_KEY.match(ln))} & {"pm", "listen"}:
        return []
    out: list[Setting] = []
    conf = Confidence.DECLARED
    for number, raw in enumerate(lines, 1):
        if raw.lstrip().startswith((";", "#")) or _SECTION.match(raw):
            continue
        m = _FPM_KEY.match(raw)
        if m is None:
            continue
        key, value = m.group(1), m.group(2).split(";", 1)[0].strip().strip("\"'")
        text = raw.strip()
        if key == "pm.max_children" and value.isdigit():
            out.append(Setting("max_workers", value, rel, number, conf, text))
        elif key == "request_terminate_timeout" and (seconds := duration(value)):
            out.append(Setting("request_timeout", str(seconds), rel, number, conf, text))
            out.append(Setting("ini:max_execution_time", str(seconds), rel, number, Confidence.INFERRED, text))
        elif (k := re.match(r"^php(_admin)?_(value|flag)\[([\w.]+)\]$", key)) is not None:
            out += _ini(k.group(3), value, rel, number, text, k.group(2) == "flag")
        elif (k := re.match(r"^env\[([A-Za-z_]\w*)\]$", key)) is not None:
            out.append(Setting("env", f"{k.group(1)}={value}", rel, number, conf, "env[]"))
    return out


def ini_files(repo: RepoView) -> list[str]:
    return [f for f in _candidates(repo) if (
        posixpath.basename(f) in ("php.ini", ".user.ini", "php-production.ini", "custom.ini")
        or (f.endswith(".ini") and set(f.split("/")[:-1]) & {"php", "conf.d", "php.d"}))]


def ini(repo: RepoView, rel: str) -> list[Setting]:
    """The settings of a php.ini-style file (sections ignored: PHP reads ``[PATH=]`` sections rarely)."""
    out: list[Setting] = []
    for number, raw in enumerate(repo.lines(rel), 1):
        if raw.lstrip().startswith((";", "#", "[")):
            continue
        m = _FPM_KEY.match(raw)
        if m is None:
            continue
        key, value = m.group(1).lower(), m.group(2).split(";", 1)[0].strip().strip("\"'")
        if key in _SKIP_KEYS:
            name = posixpath.basename(value).removesuffix(".so").removeprefix("php_")
            if name:
                out.append(Setting("ext", name, rel, number, Confidence.DECLARED, raw.strip()))
            continue
        out += _ini(key, value, rel, number, raw.strip(), False)
        if key == "max_execution_time" and value.isdigit() and int(value) > 0:
            out.append(Setting("request_timeout", value, rel, number, Confidence.INFERRED, raw.strip()))
    return out


def _ini(key: str, value: str, rel: str, line: int, text: str, flag: bool) -> list[Setting]:
    key = key.lower()
    url = "://" in value  # session.save_path = "tcp://redis:6379": a service, not a host path
    if key in _SKIP_KEYS or (not url and (key in _HOST_PATH_KEYS or value.startswith("/"))):
        return []  # a host path: the image has its own
    if flag:
        value = "On" if value.lower() in ("on", "1", "true", "yes") else "Off"
    return [Setting(f"ini:{key}", value, rel, line, Confidence.DECLARED, text)]


def duration(value: str) -> int | None:
    """php-fpm's ``300``, ``300s``, ``5m``, ``1h`` in seconds; None for 0 or unreadable."""
    m = re.fullmatch(r"(\d+)\s*([smhd]?)", value.strip().lower())
    if m is None or int(m.group(1)) == 0:
        return None
    return int(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]


def php_size(size: int) -> str:
    """A byte count as php.ini writes it: 67108864 -> 64M."""
    for unit, factor in (("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)):
        if size % factor == 0:
            return f"{size // factor}{unit}"
    return str(size)


def nginx_size(value: str) -> str | None:
    """nginx's ``64m``, ``1g``, ``512k`` as php.ini's ``64M``; None for 0 (unlimited) or unreadable."""
    m = re.fullmatch(r"(\d+)([kKmMgG]?)", value.strip())
    if m is None or int(m.group(1)) == 0:
        return None
    return f"{int(m.group(1))}{m.group(2).upper()}"
