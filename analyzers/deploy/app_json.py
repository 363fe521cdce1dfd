"""Heroku's ``app.json`` manifest: env vars, formation, add-ons, scripts, buildpacks and stack.

What each key becomes (schema: devcenter.heroku.com/articles/app-json-schema):

* ``env``: env vars. ``generator: "secret"`` marks a secret (Heroku generates it at setup: so must
  the migration); a ``value`` that looks secret is reported as a hard-coded secret and never copied.
  ``required`` defaults to true in Heroku's schema, so a var with neither value nor generator is
  required;
* ``formation``: ``quantity`` -> replicas, ``size`` -> memory limit (Heroku's documented dyno RAM);
* ``addons``: backing services (heroku-postgresql -> postgres ...), with the config var each one
  sets (``DATABASE_URL`` ...; ``as`` renames it), which becomes a secret env var;
* ``scripts.postdeploy``: runs once after the app is first created (not on every deploy), so a
  one-off process, not a release step. The release phase lives in the Procfile, not here;
* ``buildpacks`` / ``image``: the language; ``stack``: the Ubuntu base the app was built for.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from analyzers import base
from analyzers.base import D, I, Item, Src
from analyzers.commands import meaning
from analyzers.deploy.deploy_commands import command_secrets, parse_at
from analyzers.lib.jsonlines import Path, key_lines
from migrator.repo import RepoView
from migrator.secrets import lift_secrets

NAME = "app_json"

At = Callable[..., Src]  # path in the JSON -> a Src at that key's line

# Dyno size -> memory (Heroku's documented RAM per dyno type).
DYNO_MEMORY = {
    "free": "512Mi", "hobby": "512Mi", "eco": "512Mi", "basic": "512Mi",
    "standard-1x": "512Mi", "standard-2x": "1Gi",
    "performance-m": "2560Mi", "performance-l": "14Gi", "performance-l-ram": "30Gi",
    "performance-xl": "62Gi", "performance-2xl": "126Gi",
    "private-s": "1Gi", "private-m": "2560Mi", "private-l": "14Gi",
    "shield-s": "1Gi", "shield-m": "2560Mi", "shield-l": "14Gi",
}
# Add-on service slug -> (service kind, config var the add-on sets, attachment suffix).
ADDONS: dict[str, tuple[str, str, str]] = {
    "heroku-postgresql": ("postgres", "DATABASE", "_URL"),
    "heroku-redis": ("redis", "REDIS", "_URL"),
    "rediscloud": ("redis", "REDISCLOUD", "_URL"),
    "redistogo": ("redis", "REDISTOGO", "_URL"),
    "openredis": ("redis", "OPENREDIS", "_URL"),
    "redisgreen": ("redis", "REDISGREEN", "_URL"),
    "memcachier": ("memcached", "MEMCACHIER", "_SERVERS"),
    "memcachedcloud": ("memcached", "MEMCACHEDCLOUD", "_SERVERS"),
    "cloudamqp": ("rabbitmq", "CLOUDAMQP", "_URL"),
    "mongolab": ("mongodb", "MONGOLAB", "_URI"),
    "jawsdb": ("mysql", "JAWSDB", "_URL"),
    "jawsdb-maria": ("mysql", "JAWSDB_MARIA", "_URL"),
    "cleardb": ("mysql", "CLEARDB_DATABASE", "_URL"),
    "bonsai": ("elasticsearch", "BONSAI", "_URL"),
    "searchbox": ("elasticsearch", "SEARCHBOX", "_URL"),
    "heroku-kafka": ("kafka", "KAFKA", "_URL"),
}
_LANGUAGES = {"python": "python", "nodejs": "node", "ruby": "ruby", "php": "php", "go": "go", "java": "java"}
_STACK = re.compile(r"^heroku-(\d\d)$")
_SCRIPTS = {"postdeploy", "pr-predestroy"}


def analyze(repo: RepoView) -> Iterator[Item]:
    """Findings for the root ``app.json`` (the only place Heroku reads it)."""
    if not repo.exists("app.json"):
        return
    text = repo.read_text("app.json")
    if text is None:
        return
    src = Src(NAME, "app.json", 1)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        yield base.warning(src.at(exc.lineno), f"app.json is not valid JSON ({exc.msg}); not read")
        return
    except RecursionError:
        yield base.warning(src, "app.json is nested too deeply to read; not read")
        return
    if not isinstance(data, dict):
        yield base.warning(src, "app.json is not a JSON object; not read")
        return
    lines = key_lines(text)

    def at(*path: str | int) -> Src:
        return src.at(_line(lines, path))

    yield from _env(data.get("env"), at)
    yield from _formation(data.get("formation"), at)
    yield from _addons(data.get("addons"), at)
    yield from _scripts(data.get("scripts"), at)
    yield from _runtime(data, at)


def _line(lines: dict[Path, int], path: Path) -> int:
    """The line of the deepest known prefix of ``path`` (1 when nothing is known)."""
    for end in range(len(path), 0, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return 1


def _env(env: Any, at: At) -> Iterator[Item]:
    if env is None:
        return
    if not isinstance(env, dict):
        yield base.warning(at("env"), "app.json env is not an object; ignored")
        return
    for name, spec in env.items():
        src = at("env", name)
        if isinstance(spec, (str, int, float, bool)):
            spec = {"value": spec}
        if not isinstance(spec, dict):
            yield base.warning(src, f"app.json env {name!r} is neither a string nor an object; ignored")
            continue
        value = spec.get("value")
        value = None if value is None else str(value)
        generated = spec.get("generator") == "secret"
        if value is not None:
            found = base.check_assignment(at("env", name, "value"), name, value)
            if found is not None:
                yield found
        required = spec.get("required")
        if not isinstance(required, bool):
            # Heroku's schema: required defaults to true; it only bites when nothing supplies a value.
            required = True if value is None and not generated else None
        description = spec.get("description")
        yield base.env_var(
            name, src, D, default=value, secret=True if generated else None, required=required,
            description=description if isinstance(description, str) else None,
            generator="secret" if generated else None,
        )


def _formation(formation: Any, at: At) -> Iterator[Item]:
    if formation is None:
        return
    items: list[tuple[str, Any, tuple[str | int, ...]]] = []
    if isinstance(formation, dict):
        items = [(k, v, ("formation", k)) for k, v in formation.items()]
    elif isinstance(formation, list):  # the Platform API's array form: [{"type": "web", ...}]
        items = [(str(v.get("type") or v.get("process") or ""), v, ("formation", i))
                 for i, v in enumerate(formation) if isinstance(v, dict)]
    for ptype, spec, path in items:
        src = at(*path)
        if not ptype or not isinstance(spec, dict):
            yield base.warning(src, "app.json formation entry without a process type; ignored")
            continue
        quantity = spec.get("quantity")
        size = spec.get("size")
        replicas = quantity if isinstance(quantity, int) and not isinstance(quantity, bool) else None
        if quantity is not None and replicas is None:
            yield base.warning(src, f"formation {ptype!r}: quantity {quantity!r} is not an integer; ignored")
        yield base.process(ptype, src, D, replicas=replicas, size=size if isinstance(size, str) else None,
                           legacy_name=ptype, role="web" if ptype == "web" else None)
        if isinstance(size, str):
            memory = DYNO_MEMORY.get(size.lower())
            if memory:
                yield base.process(ptype, src, I, memory_limit=memory)
            else:
                yield base.warning(src, f"formation {ptype!r}: unknown dyno size {size!r}; no memory limit derived")


def _addons(addons: Any, at: At) -> Iterator[Item]:
    if addons is None:
        return
    if not isinstance(addons, list):
        yield base.warning(at("addons"), "app.json addons is not an array; ignored")
        return
    for index, addon in enumerate(addons):
        src = at("addons", index)
        attach: str | None = None
        if isinstance(addon, dict):
            plan, attach = addon.get("plan"), addon.get("as")
        else:
            plan = addon
        if not isinstance(plan, str) or not plan:
            yield base.warning(src, "app.json add-on without a plan; ignored")
            continue
        slug = plan.split(":", 1)[0].lower()
        if slug == "scheduler":
            yield base.warning(src, "Heroku Scheduler jobs live in the dashboard, not in the repo: add them as "
                                    "schedules in migrate.toml")
            continue
        known = ADDONS.get(slug)
        if known is None:
            yield base.warning(src, f"add-on {plan!r} has no in-cluster equivalent: keep the hosted service and "
                                    "provide its config vars as secrets")
            continue
        kind, prefix, suffix = known
        var = (attach.upper() if isinstance(attach, str) and attach else prefix) + suffix
        yield base.service(kind, src, D, plan=plan, env=var)
        yield base.env_var(var, src, I, secret=True, description=f"set by the {slug} add-on")


def _scripts(scripts: Any, at: At) -> Iterator[Item]:
    if scripts is None:
        return
    if not isinstance(scripts, dict):
        yield base.warning(at("scripts"), "app.json scripts is not an object; ignored")
        return
    for name, spec in scripts.items():
        src = at("scripts", name)
        if name not in _SCRIPTS:
            hint = " (Heroku's release phase is the Procfile's release: line)" if name == "release" else ""
            yield base.warning(src, f"app.json scripts.{name} is not a Heroku script; ignored{hint}")
            continue
        command = spec.get("command") if isinstance(spec, dict) else spec
        if name != "postdeploy" or not isinstance(command, str) or not command.strip():
            continue  # pr-predestroy only concerns review apps
        yield from command_secrets(command, src)
        command = lift_secrets(command)
        cmd = parse_at(command, src, origin="scripts.postdeploy")
        info = meaning(cmd)
        yield base.stating(base.process("postdeploy", src, D, role="oneoff", command=info.text or cmd.text,
                                        legacy_name="scripts.postdeploy", app_server=info.server), cmd, info)


def _runtime(data: dict[str, Any], at: At) -> Iterator[Item]:
    packs = data.get("buildpacks")
    urls: list[tuple[int, str]] = []
    if isinstance(packs, list):
        for index, pack in enumerate(packs):
            url = pack.get("url") if isinstance(pack, dict) else pack
            if isinstance(url, str):
                urls.append((index, url))
    if urls:
        yield base.runtime(at("buildpacks"), D, buildpacks=tuple(u for _, u in urls))
        # On Heroku the last buildpack decides the app's language (earlier ones prepare assets etc.).
        langs = [(i, lang) for i, u in urls if (lang := _language(u))]
        if langs:
            index, lang = langs[-1]
            yield base.runtime(at("buildpacks", index), D, language=lang)
    image = data.get("image")
    if isinstance(image, str) and (lang := _language(image)):
        yield base.runtime(at("image"), D, language=lang)
    stack = data.get("stack")
    if isinstance(stack, str):
        m = _STACK.match(stack)
        yield base.runtime(at("stack"), D, stack=stack)
        if m:
            yield base.runtime(at("stack"), I, os=f"ubuntu-{m.group(1)}.04")


def _language(ref: str) -> str | None:
    """``heroku/python`` or ``https://github.com/heroku/heroku-buildpack-python`` -> ``python``."""
    m = re.search(r"(?:^heroku/|heroku-buildpack-)([a-z]+)(?:\.git)?(?:[#/].*)?$", ref.strip().lower())
    return _LANGUAGES.get(m.group(1)) if m else None
