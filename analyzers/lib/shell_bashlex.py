"""bashlex, the first shell parser: parse a text and convert its tree into :mod:`analyzers.lib.shellsyntax`.

bashlex is pure Python and reads most scripts, but raises on ``case``, ``[[ ]]``, arrays, ``$(( ))``,
``select`` and ``coproc`` (those go to :mod:`analyzers.lib.shell_treesitter`). It is imported on first use:
its parser tables cost ~80 ms to import, and most repos have no scripts.
"""

from __future__ import annotations

import bisect
from typing import Any

from analyzers.lib.shellsyntax import WRITE_OPERATORS, Command, For, Function, Heredocs, Node, Seq, Word, seq

MAX_NESTING = 60  # syntax levels followed; deeper is generated or hostile, never a deploy script
_TESTS = {"[", "test"}  # a test runs nothing: only the substitutions inside it do
_SEPARATORS = {";", "&", "\n"}  # ends an and-or list; "&&" / "||" chain inside one


def parse(text: str) -> list[Any] | None:
    """bashlex's nodes for ``text``, or None when bashlex cannot parse it."""
    try:
        import bashlex

        nodes: list[Any] = bashlex.parse(text)
    except Exception:  # bashlex raises ParsingError, NotImplementedError, RecursionError and internal errors
        return None
    return nodes


class Converter:
    """Turns the nodes bashlex made from ``text`` (whose first line is ``first_line``) into syntax nodes."""

    def __init__(self, text: str, first_line: int, heredocs: Heredocs) -> None:
        self.text = text
        self.first_line = first_line
        self.heredocs = heredocs
        self.truncated = False
        self._breaks = [i for i, ch in enumerate(text) if ch == "\n"]

    def line(self, offset: int) -> int:
        return self.first_line + bisect.bisect_left(self._breaks, offset)

    def raw(self, node: Any) -> str:
        return self.text[node.pos[0] : node.pos[1]]

    def convert(self, nodes: list[Any]) -> tuple[tuple[Node, bool], ...]:
        """The top-level nodes, each with whether it ends in ``&``."""
        return self._list(nodes, 0)

    def _node(self, node: Any, depth: int) -> Node | None:
        if depth > MAX_NESTING:
            self.truncated = True
            return None
        kind = getattr(node, "kind", None)
        if kind == "list":
            return Seq(self._list(node.parts, depth))
        if kind == "pipeline":
            return self._seq([p for p in node.parts if p.kind != "pipe"], depth)
        if kind == "compound":
            parts = list(node.list)
            subshell = bool(parts) and parts[0].kind == "reservedword" and parts[0].word == "("
            block = self._seq(parts, depth, subshell)
            # `done < <(ls /etc)`: a substitution in the block's redirection runs too (tree-sitter sees it)
            subs = [s for r in getattr(node, "redirects", None) or [] if hasattr(r.output, "parts")
                    for s in self._subs(r.output, depth)]
            return seq([*subs, block]) if subs else block
        if kind in ("if", "while", "until"):
            return self._seq(node.parts, depth)
        if kind == "for":
            return self._for(node, depth)
        if kind == "function":
            body = self._node(node.parts[-1], depth + 1) or seq([])
            return Function(node.parts[0].word, body, self.line(node.pos[0]))
        if kind == "command":
            return self._command(node, depth)
        return None  # reservedword, operator, pipe: structure already read

    def _seq(self, parts: list[Any], depth: int, subshell: bool = False) -> Seq:
        out = [n for n in (self._node(p, depth + 1) for p in parts) if n is not None]
        return seq(out, subshell)

    def _list(self, parts: list[Any], depth: int) -> tuple[tuple[Node, bool], ...]:
        """Members of a list; ``a && b &`` backgrounds the whole and-or list, not only ``b``."""
        out: list[tuple[Node, bool]] = []
        run: list[Node] = []
        for part in [*parts, None]:
            if part is None or part.kind == "operator" and part.op in _SEPARATORS:
                background = part is not None and part.op == "&"
                out.extend((n, background) for n in run)
                run = []
            elif part.kind != "operator":
                node = self._node(part, depth + 1)
                if node is not None:
                    run.append(node)
        return tuple(out)

    def _for(self, node: Any, depth: int) -> Node | None:
        parts = node.parts
        var = parts[1].word if len(parts) > 1 and parts[1].kind == "word" else ""
        words: list[Word] | None = None
        if len(parts) > 2 and parts[2].kind == "reservedword" and parts[2].word == "in":
            words = []
            for p in parts[3:]:
                if p.kind != "word":
                    break
                words.append(self._word(p, depth))
        do = next((i for i, p in enumerate(parts) if p.kind == "reservedword" and p.word == "do"), len(parts))
        body = self._seq(parts[do + 1 :], depth)
        return For(var, tuple(words) if words is not None else None, body, self.line(node.pos[0]))

    def _word(self, node: Any, depth: int) -> Word:
        subs = self._subs(node, depth)
        return Word(self.raw(node), self.line(node.pos[0]), node.kind == "assignment", None, subs)

    def _subs(self, word: Any, depth: int) -> tuple[Node, ...]:
        found = []
        for sub in getattr(word, "parts", None) or []:
            if getattr(sub, "kind", None) in ("commandsubstitution", "processsubstitution"):
                node = self._node(sub.command, depth + 1)
                if node is not None:
                    found.append(node)
        return tuple(found)

    def _command(self, node: Any, depth: int) -> Node | None:
        words = [self._word(p, depth) for p in node.parts if p.kind in ("word", "assignment")]
        redirect_subs: list[Node] = []
        writes: list[str] = []
        for p in node.parts:
            if p.kind == "redirect" and hasattr(p.output, "parts"):
                redirect_subs.extend(self._subs(p.output, depth))
                if p.type in WRITE_OPERATORS:
                    writes.append(self.raw(p.output))
        if words and words[0].raw in _TESTS:
            return seq([*(s for w in words for s in w.subs), *redirect_subs])
        first, last = self.line(node.pos[0]), self.line(node.pos[1])
        return Command(tuple(words), first, last, tuple(redirect_subs), self.heredocs.take(first, last),
                       tuple(writes))
