"""A fast block-style emitter for the YAML the generators build, byte-identical to ruamel's output.

ruamel's round-trip dumper costs about 4 ms per manifest (it resolves, represents, serialises and
emits every node through several layers). A repository whose crontab holds 3,000 entries gets 3,000
CronJobs, and ``generate`` spent most of its 20 s there. The manifests use a small subset of YAML:
block mappings and sequences of scalars, end-of-line comments and comment lines before a key. This
module writes that subset directly and asks ruamel only what ruamel decides: whether a string may be
plain (its own ``analyze_scalar`` and resolver) and, when not, how it quotes it (cached per string).

Anything outside the subset (multi-line strings, floats, other comment placements, several documents)
makes :func:`emit` return None, and the caller uses ruamel for the whole document. The output is
what ``YAML(typ="rt")`` with :func:`generators.k8s.yamlout.yaml`'s settings writes; tests compare the two
on every fixture's manifests and on generated documents.
"""

from __future__ import annotations

import functools
import io
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any

from ruamel.yaml.anchor import anchor_attrib
from ruamel.yaml.comments import CommentedBase, comment_attrib, format_attrib, merge_attrib

_STR_TAG = "tag:yaml.org,2002:str"
_BREAKS = "\r\x85\u2028\u2029"
_MAX_SCALAR = 1000  # longer strings may be folded at the line width: left to ruamel


class Unsupported(Exception):
    """The document uses YAML this emitter does not write."""


@functools.lru_cache(maxsize=1)
def _ruamel() -> tuple[Any, Any, Any]:
    """A configured YAML instance, its resolver and an emitter (for ``analyze_scalar``), made once."""
    from ruamel.yaml.emitter import Emitter

    from generators.k8s.yamlout import yaml

    y = yaml()
    return y, y.resolver, Emitter(io.StringIO(), allow_unicode=True)


@functools.lru_cache(maxsize=8192)
def scalar(value: str) -> str:
    """How ruamel writes the string ``value`` as a block mapping value or sequence item."""
    from ruamel.yaml.nodes import ScalarNode

    y, resolver, emitter = _ruamel()
    if len(value) > _MAX_SCALAR:
        raise Unsupported("long string")
    try:
        analysis = emitter.analyze_scalar(value)
    except AttributeError:  # a leading '?' or ':' asks the serializer's YAML version: ruamel decides
        return _ruamel_scalar(y, value)
    if (analysis.allow_block_plain and not analysis.multiline and not analysis.empty
            and str(resolver.resolve(ScalarNode, value, (True, False))) == _STR_TAG):
        return value
    if (value and "'" not in value and analysis.allow_single_quoted and not analysis.multiline
            and " " not in (value[0], value[-1])):
        return f"'{value}'"  # ruamel's next choice, e.g. '8000', 'true', '0 3 * * *'
    return _ruamel_scalar(y, value)


def _ruamel_scalar(y: Any, value: str) -> str:
    out = io.StringIO()
    y.dump({"k": value}, out)
    text = out.getvalue()
    # a NEL or Unicode line separator is a line break to YAML: ruamel indents what follows it
    if not text.startswith("k: ") or text.count("\n") != 1 or any(c in text for c in _BREAKS):
        raise Unsupported("multi-line scalar")
    return text[3:-1]


def _key(key: Any) -> str:
    if not isinstance(key, str) or len(key) >= 128:
        raise Unsupported("key")
    text = scalar(key)
    if text != key:  # a quoted key: leave it to ruamel
        raise Unsupported("key")
    return text


def _value(value: Any) -> str | None:
    """The one-line text of a scalar, or None for a collection."""
    kind = type(value)  # exact types: ruamel's ScalarString/ScalarInt subclasses carry their own style
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if kind is str:
        return scalar(value)
    if isinstance(value, (Mapping, list)):
        return None
    raise Unsupported(kind.__name__)


def _comments(node: Any) -> Mapping[Any, Any]:
    """The per-key comments of ``node``; only end-of-line and before-key comments are supported.

    Read from ruamel's attributes directly: its ``ca`` property creates a Comment on every node it is
    asked about, which cost more than writing the node."""
    if not isinstance(node, CommentedBase):
        return {}
    fmt = getattr(node, format_attrib, None)
    if fmt is not None and fmt.flow_style(False):
        raise Unsupported("flow style")
    anchor = getattr(node, anchor_attrib, None)
    if getattr(node, merge_attrib, None) or (anchor is not None and anchor.value is not None):
        raise Unsupported("merge or anchor")
    ca = getattr(node, comment_attrib, None)
    if ca is None:
        return {}
    if ca.comment or ca.end:
        raise Unsupported("node comment")
    items: Mapping[Any, Any] = ca.items
    return items


def _items(node: Mapping[Any, Any]) -> Any:
    """``node.items()`` in its order; for a CommentedMap without merge keys (checked by :func:`_comments`)
    the OrderedDict's own view, ~5 times faster than CommentedMap's."""
    return OrderedDict.items(node) if isinstance(node, OrderedDict) else node.items()


def _eol(token: Any) -> str:
    if token is None:
        return ""
    if token.start_mark.column != 0 or "\n" in token.value:
        raise Unsupported("eol comment")
    return f" {token.value}"


def _before(tokens: Any, lines: list[str]) -> None:
    for token in tokens or ():
        value = token.value
        if value.count("\n") != 1 or not value.endswith("\n") or not value.lstrip().startswith("#"):
            raise Unsupported("before comment")
        lines.append(" " * token.start_mark.column + value[:-1])


class _Writer:
    """One document's lines; a collection met twice would be an anchor and alias in ruamel's output."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.seen: set[int] = set()

    def visit(self, node: Any) -> None:
        if id(node) in self.seen:
            raise Unsupported("shared node")
        self.seen.add(id(node))


def _mapping(node: Mapping[Any, Any], indent: int, w: _Writer, first: str | None = None) -> None:
    """Write ``node``'s keys at ``indent``; ``first`` replaces the first line's indent (``- `` items)."""
    w.visit(node)
    lines = w.lines
    comments = _comments(node)
    pad = " " * indent
    for key, value in _items(node):
        lead, first = (first if first is not None else pad), None
        entry = comments.get(key)
        if entry is not None:
            if entry[0] is not None or entry[3] is not None:
                raise Unsupported("comment slot")
            if entry[1] and lead != pad:
                raise Unsupported("before comment on a sequence item")
            _before(entry[1], w.lines)
        eol = _eol(entry[2] if entry is not None else None)
        text = _value(value)
        head = f"{lead}{_key(key)}:"
        if text is not None:
            lines.append(f"{head} {text}{eol}")
        elif isinstance(value, Mapping):
            if not value:
                lines.append(f"{head} {{}}{eol}")
            else:
                lines.append(f"{head}{eol}")
                _mapping(value, indent + 2, w)
        elif not value:
            lines.append(f"{head} []{eol}")
        else:
            lines.append(f"{head}{eol}")
            _sequence(value, indent + 2, w)


def _sequence(node: Sequence[Any], indent: int, w: _Writer) -> None:
    w.visit(node)
    lines = w.lines
    if _comments(node):
        raise Unsupported("sequence item comment")
    dash = " " * indent + "- "
    for item in node:
        text = _value(item)
        if text is not None:
            lines.append(dash + text)
        elif isinstance(item, Mapping) and item:
            _mapping(item, indent + 2, w, first=dash)
        else:
            raise Unsupported("nested or empty collection in a sequence")


def emit(document: Any) -> str | None:
    """The YAML text of one mapping document, or None when ruamel must write it."""
    if not isinstance(document, Mapping) or not document:
        return None
    w = _Writer()
    try:
        _mapping(document, 0, w)
    except Unsupported:
        return None
    return "\n".join(w.lines) + "\n"
