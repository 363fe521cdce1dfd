"""Health-check routes of a Ruby app, read statically: Rails ``config/routes.rb`` (``get "up" =>
"rails/health#show"``, Rails 7.1's generated check; ``get '/healthz', to: 'health#show'``; ``match``;
engines mounted at a path such as ``mount OkComputer::Engine, at: "/health"``), Sinatra/Roda/Grape style
``get '/health' do`` in the app's files and ``config.ru``'s Rack ``map "/health"``.

Paths are judged as Python's are (:func:`analyzers.providers.python.python_routes.judge`): a clear health
word is INFERRED, a vaguer one (``/up``, ``/status``, ``/ping``) HEURISTIC unless the handler says health
(``rails/health#show`` does). Routes nested in ``scope``/``namespace`` blocks take their path prefix; a
prefix that is not a literal drops the route (a probe path must be exact).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from analyzers import base
from analyzers.base import I, Item, Src
from analyzers.lib.rb import Call, RubyFile, text_of
from analyzers.providers.python.python_routes import judge
from analyzers.providers.ruby.app_rb import app_sources, read_ruby
from migrator.repo import RepoView

_VERBS = frozenset({"get", "match", "head"})
_MOUNT = "mount"
_SCOPES = frozenset({"scope", "namespace"})
_TRIGGERS = ("get ", "get(", "map ", "match ", "mount ")
_MAX_CLIMB = 64  # scopes around a route: a handful in real routes; climbing parents costs the depth each step


def health(repo: RepoView, analyzer: str) -> Iterator[Item]:
    """One health_check finding per route that looks like one (Rails routes, Sinatra, Rack maps)."""
    seen: set[str] = set()
    files = ["config/routes.rb"] if repo.exists("config/routes.rb") else []
    files += [r for r in app_sources(repo) if r != "config/routes.rb" and not r.startswith("config/")
              or r == "config.ru"]
    for rel in files:
        text = repo.read_text(rel)
        if not text or not any(t in text for t in _TRIGGERS):
            continue
        parsed, warnings = read_ruby(repo, rel, analyzer, "Ruby file")
        if rel == "config/routes.rb":
            yield from warnings  # the other files' warnings come from the env reader
        if parsed is None:
            continue
        for path, handler, line in _routes(parsed, rel == "config/routes.rb"):
            judged = judge(path, handler)
            if judged is None or path in seen:
                continue
            seen.add(path)
            confidence, probe = judged
            if handler and "health" in handler.lower():
                confidence = I
            yield base.health_check(path, Src(analyzer, rel, line), confidence, probe=probe)


def _routes(parsed: RubyFile, rails: bool) -> Iterator[tuple[str, str | None, int]]:
    for call in parsed.calls(names=_VERBS | {_MOUNT, "map"}):
        if call.receiver is not None and parsed.text(call.receiver) not in ("app", "self", "router"):
            continue  # ENV.fetch(...).map, hash.get: not a route
        if call.method == "map":
            if rails or not call.args or not parsed.root.children:
                continue
            path = text_of(parsed.value(call.args[0]))
            if path and path.startswith("/") and call.block is not None:  # Rack::Builder map "/health" do
                yield path, _handler_text(parsed, call), call.line
            continue
        path, handler = _path_and_handler(parsed, call)
        if path is None:
            continue
        prefix = _prefix(parsed, call) if rails else ""
        if prefix is None:
            continue
        # an optional segment ("(:locale)") may be left out: the probe path leaves it out
        prefix = re.sub(r"\([^()]*\)", "", prefix)
        full = "/" + "/".join(p.strip("/") for p in (prefix, path) if p.strip("/"))
        yield full, handler, call.line


def _path_and_handler(parsed: RubyFile, call: Call) -> tuple[str | None, str | None]:
    """``get "up" => "rails/health#show"``, ``get "/healthz", to: "x#y"``, ``mount X, at: "/health"``,
    ``get "/health" do ... end``."""
    if call.method == _MOUNT:
        at = text_of(parsed.kwarg(call, "at"))
        target = parsed.text(call.args[0]) if call.args else None
        if at is None and call.args and call.args[0].type == "pair":  # mount X => "/health"
            return None, None
        for key, node in call.kwargs.items():  # mount OkComputer::Engine => "/health_check"
            if key not in ("at", "as", "via", "constraints"):
                return text_of(parsed.value(node)), key
        return at, target
    handler = text_of(parsed.kwarg(call, "to")) or text_of(parsed.kwarg(call, "controller"))
    if call.args:
        path = text_of(parsed.arg(call, 0))
        if handler is None and call.block is not None:
            handler = _handler_text(parsed, call)
        return path, handler
    for key, node in call.kwargs.items():  # get "up" => "rails/health#show" (a hash argument)
        if key not in ("to", "as", "via", "controller", "action", "constraints", "defaults", "format"):
            return key, text_of(parsed.value(node))
    return None, None


def _handler_text(parsed: RubyFile, call: Call) -> str | None:
    text = parsed.text(call.block) if call.block is not None else ""
    return "health" if "health" in text.lower() else None


def _prefix(parsed: RubyFile, call: Call) -> str | None:
    """The literal path prefix of the ``scope``/``namespace`` blocks around ``call``; None when one is not
    a literal."""
    parts: list[str] = []
    node: Any = call.node.parent
    for _ in range(_MAX_CLIMB):
        if node is None:
            break
        if node.type in ("do_block", "block") and node.parent is not None and node.parent.type == "call":
            outer = parsed.call(node.parent)
            if outer is not None and outer.method in _SCOPES:
                value = parsed.kwarg(outer, "path") if outer.kwargs.get("path") is not None else (
                    parsed.arg(outer, 0) if outer.args else "")
                text = text_of(value)
                if text is None:
                    return None if outer.args or outer.kwargs.get("path") is not None else ""
                parts.append(text)
        node = node.parent
    return "/".join(reversed(parts))
