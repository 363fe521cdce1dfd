"""tree-sitter-bash, the fallback shell parser: convert its tree into :mod:`analyzers.lib.shellsyntax`.

Used for what bashlex cannot parse (``case``, ``[[ ]]``, ``(( ))``, arrays, ``select``, ``${v//a/b}`` ...).
tree-sitter works on UTF-8 bytes: raw text is sliced from those bytes and lines come from each node's
row, so offsets never have to be mapped back to characters.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from analyzers.lib import treesitter
from analyzers.lib.shellsyntax import WRITE_OPERATORS, Command, For, Function, Heredocs, Node, Seq, Word, seq

MAX_NESTING = 60  # syntax levels followed; deeper is generated or hostile, never a deploy script

# Nodes whose statement children run in order (conditions, bodies, branches, list members).
_BLOCKS = {
    "program", "compound_statement", "subshell", "do_group", "if_statement", "elif_clause", "else_clause",
    "while_statement", "case_statement", "case_item", "list", "pipeline", "negated_command",
    "redirected_statement", "c_style_for_statement",
}
_STATEMENTS = _BLOCKS | {
    "command", "variable_assignment", "variable_assignments", "declaration_command", "unset_command",
    "test_command", "for_statement", "function_definition",
}
_SUBSTITUTIONS = {"command_substitution", "process_substitution"}


# tree-sitter-bash 0.23-0.25 crashes (SIGSEGV, reading past its tables) on a ``{`` followed by a 4-byte
# UTF-8 character (upstream issue 337), which a hostile or merely emoji-loving script can hold. Every
# byte >= 0x80 is parsed as an ASCII letter instead: shells treat such bytes as word characters too,
# so the tree has the same shape, and its byte offsets are those of the original text, from which
# the converter slices every word.
_ASCII = bytes(range(128)) + b"a" * 128


def parse(data: bytes) -> Any | None:
    """tree-sitter-bash's tree of ``data`` (None past the time bound); raises treesitter.Unavailable."""
    return treesitter.parse("bash", data.translate(_ASCII))


class Converter:
    """Turns tree-sitter-bash nodes of ``data`` (whose row 0 is line ``first_line``) into syntax nodes."""

    def __init__(self, data: bytes, first_line: int, heredocs: Heredocs) -> None:
        self.data = data
        self.first_line = first_line
        self.heredocs = heredocs
        self.truncated = False

    def raw(self, node: Any) -> str:
        return self.data[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def line(self, node: Any) -> int:
        return int(self.first_line + node.start_point[0])

    def statement(self, node: Any, background: bool) -> tuple[Node, bool] | None:
        """One top-level statement (``background``: a ``&`` follows it)."""
        converted = self._node(node, 0)
        return (converted, background) if converted is not None else None

    def _node(self, node: Any, depth: int) -> Node | None:
        if depth > MAX_NESTING:
            self.truncated = True
            return None
        kind = node.type
        if kind == "redirected_statement":
            return self._redirected(node, depth)
        if kind in _BLOCKS:
            return Seq(self._members(node, depth), subshell=kind == "subshell", alternatives=kind == "case_statement")
        if kind == "command":
            return self._command(node, depth)
        if kind == "variable_assignment":
            return self._simple([node], node, depth)
        if kind in ("variable_assignments", "declaration_command", "unset_command"):
            return self._simple(list(node.children), node, depth)
        if kind == "for_statement":
            return self._for(node, depth)
        if kind == "function_definition":
            name, body = node.child_by_field_name("name"), node.child_by_field_name("body")
            inner = self._node(body, depth + 1) if body is not None else None
            return Function(self.raw(name), inner or seq([]), self.line(node)) if name is not None else None
        if kind == "comment":
            return None
        # a test, an arithmetic command, anything else: only the substitutions inside it run
        return seq(list(self._subs(node, depth)))

    def _members(self, node: Any, depth: int) -> tuple[tuple[Node, bool], ...]:
        out: list[tuple[Node, bool]] = []
        children = list(node.children)
        for i, child in enumerate(children):
            if not child.is_named or child.type == "comment":
                continue
            if child.type in _STATEMENTS:
                background = i + 1 < len(children) and children[i + 1].type == "&"
                converted = self._node(child, depth + 1)
                if converted is not None:
                    out.append((converted, background))
            else:  # a case pattern, a redirection, a for ((;;)) clause: substitutions only
                out.extend((s, False) for s in self._subs(child, depth))
        return tuple(out)

    def _subs(self, node: Any, depth: int) -> tuple[Node, ...]:
        """The command / process substitutions inside ``node`` (not those nested in them: they are
        part of the substitution's own commands)."""
        found: list[Node] = []
        todo = [node]
        while todo:
            current = todo.pop()
            if current.type in _SUBSTITUTIONS:
                found.append(Seq(self._members(current, depth + 1)))
            else:
                todo.extend(reversed(current.children))  # a stack, not recursion: any depth is safe
        return tuple(found)

    def _word(self, node: Any, depth: int, assignment: bool = False) -> Word:
        array = None
        if assignment:
            value = node.child_by_field_name("value")
            if value is not None and value.type == "array":
                array = self.raw(value)[1:-1].strip()
        return Word(self.raw(node), self.line(node), assignment, array, self._subs(node, depth))

    def _command(self, node: Any, depth: int) -> Node:
        words: list[Word] = []
        redirect_subs: list[Node] = []
        for i, child in enumerate(node.children):
            field = node.field_name_for_child(i)
            if child.type == "variable_assignment":
                words.append(self._word(child, depth, assignment=True))
            elif field in ("name", "argument"):
                words.append(self._word(child, depth))
            elif child.is_named:
                redirect_subs.extend(self._subs(child, depth))
        return self._finish(words, redirect_subs, node)

    def _redirected(self, node: Any, depth: int) -> Node:
        """``cmd > file``: the command with the files it writes; a block's redirection (``{ ...; } > log``)
        keeps the block as it is (its substitutions still run)."""
        body = node.child_by_field_name("body")
        command = self._command(body, depth) if body is not None and body.type == "command" else None
        if not isinstance(command, Command):
            return Seq(self._members(node, depth))
        subs, writes = list(command.subs), []
        for child in node.children:
            if child.id == body.id or not child.is_named:
                continue
            subs.extend(self._subs(child, depth))
            operator = next((c.type for c in child.children if not c.is_named), "")
            destination = child.child_by_field_name("destination")
            if child.type == "file_redirect" and operator in WRITE_OPERATORS and destination is not None:
                writes.append(self.raw(destination))
        return replace(command, subs=tuple(subs), writes=tuple(writes))

    def _simple(self, children: list[Any], node: Any, depth: int) -> Node:
        """Assignments alone, or ``export`` / ``local`` / ``unset`` with their words."""
        words = [self._word(c, depth, assignment=c.type == "variable_assignment") for c in children
                 if c.type != "comment"]
        return self._finish(words, [], node)

    def _finish(self, words: list[Word], redirect_subs: list[Node], node: Any) -> Node:
        first, last = self.line(node), int(self.first_line + node.end_point[0])
        return Command(tuple(words), first, last, tuple(redirect_subs), self.heredocs.take(first, last))

    def _for(self, node: Any, depth: int) -> Node:
        keyword = node.children[0].type if node.children else "for"
        body_node = node.child_by_field_name("body")
        body = (self._node(body_node, depth + 1) if body_node is not None else None) or seq([])
        values = [c for i, c in enumerate(node.children) if node.field_name_for_child(i) == "value"]
        if keyword != "for":  # select: a menu, not a loop over hosts
            return seq([*(s for v in values for s in self._subs(v, depth)), body])
        var = node.child_by_field_name("variable")
        has_in = any(c.type == "in" for c in node.children)
        words = tuple(self._word(v, depth) for v in values) if has_in else None
        return For(self.raw(var) if var is not None else "", words, body, self.line(node))
