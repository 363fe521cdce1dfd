"""Text that is safe to show: no terminal control sequences, no bidi tricks, no hidden line breaks.

Repository file names and contents reach every rendering (the text report on a terminal, Markdown in a
pull request, YAML and Dockerfile comments, MIGRATION.md). A file named ``ESC ] 0 ; title BEL`` would
retitle the reader's terminal, an OSC 52 sequence would write to their clipboard, a right-to-left
override would make a line read differently from what it says, and a newline in a file name would
forge a report line. So every rendering passes repository text through one of these functions:

- :func:`inline` for text that must stay on one line (a file name, a table cell, a comment);
- :func:`block` for text that may span lines (a command, a script): ``\\n`` and ``\\t`` are kept;
- :func:`log_line` for what a program printed (a container's log): its colour and cursor sequences
  are well-formed and harmless in intent, so they are dropped for readability, then the rest is escaped.

The first two *escape* rather than drop: the reader sees ``\\x1b]0;title\\x07`` and knows the file is hostile,
and two different names never render the same. Escaping each control character defuses every escape
sequence (CSI, OSC, DCS ...) since none can start without ESC or a C1 control.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

# C0 controls and DEL, C1 controls, the Unicode line/paragraph separators (they break lines in editors
# and browsers), and the bidi embedding/override/isolate/mark characters ("Trojan Source").
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
# Lone surrogates too: a file name that is not UTF-8 arrives with its bytes as U+DC80-U+DCFF
# (surrogateescape), which no terminal or file encoding can write.
_UNSAFE_INLINE = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029{_BIDI}\ud800-\udfff]")
_UNSAFE_BLOCK = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029{_BIDI}\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# ECMA-48 sequences: CSI (ESC [ or 0x9b, parameters, one final byte), OSC/DCS/APC/PM/SOS strings
# (up to BEL or ST), and two-character escapes.
_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b[\]PX^_]|[\x90\x9d\x98\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]"
)


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte, as surrogateescape carries it: show the byte
        code -= 0xDC00
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def inline(text: str) -> str:
    """``text`` on one line with every control, separator and bidi character escaped visibly."""
    if not _UNSAFE_INLINE.search(text):  # the common case: nothing to do, no copy
        return text
    return _UNSAFE_INLINE.sub(_escape, text)


def block(text: str) -> str:
    """``text`` with line feeds and tabs kept and every other control character escaped visibly.

    A carriage return is escaped too: on a terminal it moves back to the start of the line, so the text
    after it would overwrite what came before.
    """
    if not _UNSAFE_BLOCK.search(text):
        return text
    return _UNSAFE_BLOCK.sub(_escape, text)


def log_line(text: str) -> str:
    """One line of program output: escape sequences removed, any other control character escaped."""
    return inline(_SEQUENCE.sub("", text))


def program_output(text: str) -> str:
    """Program output that may span lines (build progress): like :func:`log_line`, line feeds kept."""
    return block(_SEQUENCE.sub("", text))


def is_inline_safe(text: str) -> bool:
    """True when :func:`inline` would leave ``text`` unchanged."""
    return _UNSAFE_INLINE.search(text) is None


def deep(value: Any, clean: Callable[[str], str] = block) -> Any:
    """``value`` with ``clean`` applied to every string inside it (tuples, lists and dict values)."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, tuple):
        return tuple(deep(v, clean) for v in value)
    if isinstance(value, list):
        return [deep(v, clean) for v in value]
    if isinstance(value, dict):
        return {deep(k, inline): deep(v, clean) for k, v in value.items()}
    return value


def md_code(text: str) -> str:
    """A Markdown inline code span of ``text`` on one line, which no backtick in it can close early."""
    return "`" + inline(text).replace("`", "'") + "`"


def md_cell(text: str) -> str:
    """``text`` for a Markdown table cell: one line, pipes escaped."""
    return inline(text).replace("|", "\\|")
