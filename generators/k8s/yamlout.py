"""Kubernetes objects as ruamel.yaml data, with provenance as end-of-line comments.

ruamel writes comment text as given, so every comment passes through
:func:`migrator.textsafe.inline`: a file name or command in a comment can neither end the comment
(a newline would turn the rest into YAML) nor carry a control sequence into the file. Values need no
such care: the emitter quotes and escapes them.
"""

from __future__ import annotations

import io
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from generators.k8s.yamlemit import emit
from migrator.textsafe import inline


def _widen(line: str) -> str:
    """ruamel sometimes puts one space before an end-of-line comment: make it two, as everywhere else.

    Only where the `` # `` really starts the comment: no ``#`` and balanced quotes before it.
    """
    at = line.find(" # ")
    if at <= 0 or line[at - 1] == " ":
        return line
    head = line[:at]
    if "#" in head or head.count("'") % 2 or head.count('"') % 2:
        return line
    return f"{head}  # {line[at + 3:]}"


def cmap(*pairs: tuple[str, Any], **fields: Any) -> CommentedMap:
    """A mapping in the given order; ``None`` values are left out."""
    out = CommentedMap()
    for key, value in [*pairs, *fields.items()]:
        if value is not None:
            out[key] = value
    return out


def cseq(*items: Any) -> CommentedSeq:
    return CommentedSeq([i for i in items if i is not None])


def note(mapping: CommentedMap, key: str, comment: str | None) -> CommentedMap:
    """Attach ``# comment`` to the end of ``key``'s line (only when there is something to say)."""
    if comment and key in mapping:
        mapping.yaml_add_eol_comment(inline(comment), key)
    return mapping


def note_before(mapping: CommentedMap, key: str, comment: str | None, indent: int) -> CommentedMap:
    """Put ``# comment`` on its own line above ``key`` (indented by ``indent``)."""
    if comment and key in mapping:
        mapping.yaml_set_comment_before_after_key(key, before=inline(comment), indent=indent)
    return mapping


def yaml() -> YAML:
    y = YAML(typ="rt")
    y.indent(mapping=2, sequence=4, offset=2)
    y.width = 4096  # long commands stay on one line
    y.preserve_quotes = True
    return y


def dump(*documents: Any, header: str | None = None) -> str:
    """YAML text of one or more documents, with an optional ``# header`` comment on top."""
    out = io.StringIO()
    if header:
        out.write("".join(f"# {inline(line)}\n" if line else "#\n" for line in header.splitlines()))
    fast = emit(documents[0]) if len(documents) == 1 else None
    if fast is not None:
        out.write(fast)
    else:
        ruamel_dump(out, *documents)
    return "".join(_widen(line) for line in out.getvalue().splitlines(keepends=True))


def ruamel_dump(out: io.StringIO, *documents: Any) -> None:
    """ruamel's own rendering (what :mod:`generators.k8s.yamlemit` reproduces for the common shapes)."""
    y = yaml()
    if len(documents) == 1:
        y.dump(documents[0], out)
    else:
        y.dump_all(list(documents), out)
