"""MIGRATION.md's PHP section: the shape of the image and the pods, and each legacy setting it maps.

The shape (one image FROM ``php:X.Y-apache``: Apache prefork with mod_php) is explained once here, with
the legacy web server and php-fpm settings it replaces cited by file and line, the extensions and where
each came from, why the framework's cache commands run at container start, how the scheduler runs, and
how the web pod's memory follows from the worker pool.
"""

from __future__ import annotations

from generators.image import php, php_config, php_extensions, php_layout, php_wpconfig
from generators.spec import AppSpec
from generators.values import origin
from migrator.model import AppModel, Kind
from migrator.textsafe import md_cell, md_code


def section(model: AppModel, spec: AppSpec) -> list[str]:
    """The lines of the PHP section (none for another runtime or a user's own ``[image]``)."""
    if spec.base.language != "php" or spec.settings.custom_image is not None:
        return []
    facts = spec.runtime_subject
    out = ["## PHP: one Apache + mod_php image", "",
           f"The image is `{spec.base.image}`: Apache (prefork) with PHP as its module, one process tree per "
           "container, the code inside the image. The legacy php-fpm pool behind nginx (or Apache) becomes Apache's "
           "own worker pool: php-fpm and nginx as two containers would need the code in both (two images, or a "
           "volume filled at start), a FastCGI hop inside the pod and two servers to configure and probe, for no "
           "gain once the Ingress terminates TLS and buffers clients. Workers and the scheduler run `php ...` in "
           "the same image.", "",
           "| Legacy setting | In the image | Evidence |", "|---|---|---|"]
    root, root_origin = php_config.document_root(facts)
    rows: list[tuple[str, str, str]] = [("document root (nginx `root` / `DocumentRoot`)", f"DocumentRoot {root}",
                                         root_origin)]
    front = facts.get("front_controller") if facts is not None else None
    if front:
        rows.append(("`try_files ... /index.php` / .htaccess", f"FallbackResource /{front}",
                     origin(facts, "front_controller") or ""))
    count, count_origin = php_layout.workers(facts)
    rows.append(("`pm.max_children` / `MaxRequestWorkers`", f"MaxRequestWorkers {count}", count_origin))
    timeout = facts.get("request_timeout") if facts is not None else None
    if isinstance(timeout, int):
        rows.append(("`request_terminate_timeout`", f"Timeout {timeout}, max_execution_time {timeout}",
                     origin(facts, "request_timeout") or ""))
    body = spec.ingress.max_body_size if spec.ingress else None
    upload = php_config.upload_size(facts, (str(body.value), body.origin) if body else None)
    if upload is not None:
        rows.append(("`client_max_body_size` / upload sizes", f"LimitRequestBody, post_max_size {upload[0]}",
                     upload[1]))
    rows += [(f"php.ini `{key}`", value, why) for key, (value, why) in php_layout.ini_settings(facts).items()]
    port = spec.port or php_config.PORT
    rows.append(("listen port", f"{port} (Apache as UID 10001 cannot bind 80)", spec.web.port.origin
                 if spec.web is not None and spec.web.port is not None else "the image"))
    out += [f"| {md_cell(a)} | {md_cell(b)} | {md_cell(c)} |" for a, b, c in rows] + [""]
    out += _extensions(spec) + _wp_config(spec) + _cache(spec) + _schedules(model) + _memory(spec)
    return out


def _extensions(spec: AppSpec) -> list[str]:
    needed = php_extensions.needed(spec.php_extensions, spec.base.version)
    out = ["PHP extensions compiled into the image (those the official image has built in, such as mbstring, pdo and "
           "curl, are not listed):", ""]
    out += [f"- {md_code(n)}: {why}" for n, why in needed] or ["- none beyond the built-in ones"]
    return [*out, ""]


def _wp_config(spec: AppSpec) -> list[str]:
    rel = php.replaced_wp_config(spec)
    return php_wpconfig.doc(spec.runtime_subject, rel) if rel else []


def _cache(spec: AppSpec) -> list[str]:
    commands = php_layout.cache_commands(spec.runtime_subject)
    if not commands:
        return []
    return [f"{', '.join(md_code(c) for c in commands)} ({origin(spec.runtime_subject, 'cache_commands')}) run when "
            f"each web and worker container starts (`{php_layout.ENTRYPOINT}`, then the command), not at build: "
            "`config:cache` writes the environment it sees into `bootstrap/cache/config.php`, and the build has "
            "none of the real one (the Secret and ConfigMap exist only in the pod). Afterwards `env()` outside "
            "config/ returns null: read settings through `config()`.", ""]


def _schedules(model: AppModel) -> list[str]:
    entries = [s for s in model.of(Kind.SCHEDULE) if s.get("via") == "schedule:run"]
    if not entries:
        return []
    out = [f"One schedule:run CronJob runs every Kernel.php entry ({len(entries)} found): `php artisan schedule:run` "
           "every minute decides which are due, as the legacy crontab did, so each entry keeps its "
           "`withoutOverlapping()`, `onOneServer()` and time zone logic; one CronJob per entry as well would run "
           "each task twice.", ""]
    out += [f"- {md_code(str(s.key).removeprefix('schedule-run:'))}: {md_code(str(s.get('schedule') or '?'))} "
            f"({s.facts['schedule'].source.where() if 'schedule' in s.facts else s.sources[0].where()})"
            for s in entries]
    return [*out, ""]


def _memory(spec: AppSpec) -> list[str]:
    web = spec.web
    if web is None:
        return []
    why = web.resources.origins.get("memory_limit", "")
    bounded = (" The product is above the bound: if the pods are OOMKilled under load, lower MaxRequestWorkers "
               "(and add replicas) or raise `memory_limit` in migrate.toml `[resources]`." if "bounded" in why else "")
    return [f"Web pod memory {web.resources.memory_limit}: {why}. memory_limit caps one request; the pool reaches "
            "the product only when every worker is at its cap. A larger legacy pool becomes more replicas rather "
            f"than a bigger pod.{bounded}",
            "", "Apache writes its pid and lock files under /var/run/apache2 and /var/lock/apache2: emptyDirs, "
            "like /tmp and the framework's cache directories, so the root filesystem stays read-only.", ""]
