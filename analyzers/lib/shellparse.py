"""Parse a shell text into regions of syntax nodes: bashlex first, tree-sitter-bash for what it cannot.

bashlex reads the whole text when it can. When it cannot, tree-sitter-bash (imported only then) splits
the text into its top-level statements. A statement holding a construct bashlex does not support
(``case``, ``[[ ]]``, ``(( ))``, arrays, ``select``, ``coproc``) is taken from tree-sitter's tree; bashlex
reads each run of the other statements (halving a run that still fails, down to single statements,
which then come from tree-sitter too). Trying bashlex only where it can succeed keeps a 200 kB script
from being re-parsed at every halving. Only a statement neither parser reads (a genuine syntax
error) is left as an unparsed region, which the walker reads line by line with a warning; everything
around it is parsed normally. Without tree-sitter (not
installed, or a parse past its time bound) the text is split by :func:`analyzers.lib.shelltext.chunks`
and what bashlex cannot parse is unparsed, as before tree-sitter was used.
"""

from __future__ import annotations

import bisect
import re
from typing import Any

from analyzers.lib import shell_bashlex, shell_treesitter, shelltext, treesitter
from analyzers.lib.shellsyntax import Heredocs, Node, Region


def parse(text: str, first_line: int, heredocs: Heredocs) -> list[Region]:
    """The regions of ``text`` (heredoc bodies already blanked), in order; their lines are absolute."""
    if not shelltext.has_code(text):
        return []
    # a whole-text attempt that must fail costs seconds on a big script: skip it when a construct
    # bashlex does not support is (probably) there; a false alarm only means parsing by statements
    nodes = shell_bashlex.parse(text) if not _UNSUPPORTED.search(text) else None
    if nodes is not None:
        return [_bashlex_region(text, first_line, heredocs, nodes)]
    data = text.encode("utf-8", "surrogatepass")
    try:
        tree = shell_treesitter.parse(data)
    except treesitter.Unavailable:
        return _chunked(text, first_line, heredocs, "tree-sitter-bash is not installed")
    if tree is None:
        return _chunked(text, first_line, heredocs, "tree-sitter-bash gave up (too large or too slow)")
    return _Statements(text, data, tree.root_node, first_line, heredocs).regions()


_UNSUPPORTED = re.compile(r"\bcase\b|\[\[|\(\(|\b[A-Za-z_][A-Za-z0-9_]*(?:\[[^]]*\])?\+?=\(|\bselect\b|\bcoproc\b")
# tree-sitter-bash nodes of constructs bashlex raises on
_UNSUPPORTED_NODES = {"case_statement", "c_style_for_statement", "array", "arithmetic_expansion"}


def parse_nodes(text: str, first_line: int, heredocs: Heredocs) -> tuple[tuple[Node, bool], ...] | None:
    """All of ``text`` as nodes, or None when neither parser reads it without an error."""
    if not shelltext.has_code(text):
        return ()
    nodes = shell_bashlex.parse(text)
    if nodes is not None:
        return shell_bashlex.Converter(text, first_line, heredocs).convert(nodes)
    data = text.encode("utf-8", "surrogatepass")
    try:
        tree = shell_treesitter.parse(data)
    except treesitter.Unavailable:
        return None
    if tree is None or tree.root_node.has_error:
        return None
    conv = shell_treesitter.Converter(data, first_line, heredocs)
    return tuple(item for stmt, bg in _top_level(tree.root_node) if (item := conv.statement(stmt, bg)))


def _bashlex_region(text: str, first_line: int, heredocs: Heredocs, nodes: list[Any]) -> Region:
    conv = shell_bashlex.Converter(text, first_line, heredocs)
    items = conv.convert(nodes)
    return Region(text, first_line, items, truncated=conv.truncated)


def _top_level(root: Any) -> list[tuple[Any, bool]]:
    """The top-level statements of a tree (errors included), each with whether ``&`` follows it."""
    children = list(root.children)
    return [(c, i + 1 < len(children) and children[i + 1].type == "&")
            for i, c in enumerate(children) if c.is_named and c.type != "comment"]


def _chunked(text: str, first_line: int, heredocs: Heredocs, why: str) -> list[Region]:
    breaks = _breaks(text)
    out: list[Region] = []
    for start, end in shelltext.chunks(text):
        piece = text[start:end]
        line = first_line + bisect.bisect_left(breaks, start)
        nodes = shell_bashlex.parse(piece)
        if nodes is not None:
            out.append(_bashlex_region(piece, line, heredocs, nodes))
        else:
            out.append(Region(piece, line, None, f"bashlex: {shelltext.likely_construct(piece)}; {why}"))
    return out


def _breaks(text: str) -> list[int]:
    return [i for i, ch in enumerate(text) if ch == "\n"]


class _Statements:
    """The regions of a text bashlex could not parse whole, cut at tree-sitter's top-level statements."""

    def __init__(self, text: str, data: bytes, root: Any, first_line: int, heredocs: Heredocs) -> None:
        self.text, self.data, self.first_line, self.heredocs = text, data, first_line, heredocs
        self.stmts = _top_level(root)
        starts = [0] + [s.start_byte for s, _ in self.stmts[1:]] + [len(data)]
        self.offsets = _char_offsets(data, starts) if len(data) != len(text) else starts
        self.breaks = _breaks(text)

    def regions(self) -> list[Region]:
        found: list[Region] = []
        lo = 0
        while lo < len(self.stmts):
            if _bashlex_unsupported(self.stmts[lo][0]):
                found.extend(self._solve(lo, lo + 1, tried=True))
                lo += 1
                continue
            hi = lo + 1
            while hi < len(self.stmts) and not _bashlex_unsupported(self.stmts[hi][0]):
                hi += 1
            found.extend(self._solve(lo, hi, tried=False))
            lo = hi
        merged: list[Region] = []
        for region in found:
            last = merged[-1] if merged else None
            if region.nodes is None and last is not None and last.nodes is None:
                merged[-1] = Region(last.text + region.text, last.first_line, None, last.reason)
            else:
                merged.append(region)
        return merged

    def _solve(self, lo: int, hi: int, tried: bool) -> list[Region]:
        start, end = self.offsets[lo], self.offsets[hi]
        piece = self.text[start:end]
        line = self.first_line + bisect.bisect_left(self.breaks, start)
        if not tried:
            nodes = shell_bashlex.parse(piece)
            if nodes is not None:
                return [_bashlex_region(piece, line, self.heredocs, nodes)]
        if hi - lo > 1:
            mid = (lo + hi) // 2
            return self._solve(lo, mid, False) + self._solve(mid, hi, False)
        stmt, background = self.stmts[lo]
        if stmt.type == "ERROR" or stmt.has_error:
            return [Region(piece, line, None, f"a syntax error at line {self.first_line + _error_row(stmt)}")]
        conv = shell_treesitter.Converter(self.data, self.first_line, self.heredocs)
        item = conv.statement(stmt, background)
        return [Region(piece, line, (item,) if item else (), truncated=conv.truncated)]


def _bashlex_unsupported(stmt: Any) -> bool:
    """Whether ``stmt`` holds a construct bashlex raises on (iteratively: trees can be deep)."""
    todo = [stmt]
    while todo:
        node = todo.pop()
        kind = node.type
        first = node.children[0].type if node.child_count else ""
        if (kind in _UNSUPPORTED_NODES or (kind == "for_statement" and first == "select")
                or (kind in ("test_command", "compound_statement") and first in ("[[", "(("))
                or (kind == "command_name" and node.text == b"coproc")):
            return True
        todo.extend(node.children)
    return False


def _char_offsets(data: bytes, byte_offsets: list[int]) -> list[int]:
    """Character offsets of increasing byte offsets that fall on character boundaries."""
    out, chars, prev = [], 0, 0
    for b in byte_offsets:
        chars += len(data[prev:b].decode("utf-8", "surrogatepass"))
        prev = b
        out.append(chars)
    return out


def _error_row(node: Any) -> int:
    """The row of the first error or missing token under ``node`` (iteratively: trees can be deep)."""
    todo = [node]
    while todo:
        current = todo.pop()
        if current.is_error or current.is_missing:
            return int(current.start_point[0])
        todo.extend(reversed([c for c in current.children if c.has_error or c.is_missing]))
    return int(node.start_point[0])
