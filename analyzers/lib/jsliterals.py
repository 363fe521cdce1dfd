"""JavaScript literal syntax: string escapes and number forms, as the language defines them.

Used by :mod:`analyzers.lib.jsobject` on tree-sitter nodes' source text; pure functions on strings.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable

from analyzers.lib.jsvalue import Scalar, number_text

_SIMPLE = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "0": "\0"}
_DECIMAL = re.compile(r"(\d+\.?\d*|\.\d+)(e[+-]?\d+)?")
_ESCAPE = re.compile(r"\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|\r\n|[\s\S])")


def unescape(raw: str) -> str:
    """The value of the escapes in a string or template fragment (``\\n``, ``\\x41``, ``\\u{1F600}``; a
    backslash before a newline continues the line; ``\\q`` is ``q``, as in non-strict JS)."""

    def one(m: re.Match[str]) -> str:
        esc = m.group(1)
        if esc[0] == "u" and len(esc) > 1:
            code = int(esc[2:-1] if esc[1] == "{" else esc[1:], 16)
            return chr(code) if code <= 0x10FFFF else ""
        if esc[0] == "x" and len(esc) == 3:
            return chr(int(esc[1:], 16))
        if esc in ("\n", "\r\n", "\r", "\u2028", "\u2029"):
            return ""
        return _SIMPLE.get(esc, esc)

    return _ESCAPE.sub(one, raw)


def number(raw: str) -> int | float | None:
    """The value of a numeric literal (``3000``, ``1_000``, ``0x1F``, ``0o17``, ``0b11``, ``017`` (legacy
    octal), ``2.5e3``, ``10n``); integral values are ints. None when ``raw`` is not a number."""
    text = raw.replace("_", "").strip().lower()
    if text.endswith("n"):  # BigInt
        text = text[:-1]
    try:
        if text.startswith(("0x", "0o", "0b")):
            return int(text, 0)
        if len(text) > 1 and text[0] == "0" and text.isdigit():
            return int(text, 8) if "8" not in text and "9" not in text else int(text, 10)
        if not _DECIMAL.fullmatch(text):
            return None
        value = float(text)
    except ValueError:
        return None
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def js_string(value: Scalar) -> str:
    """``String(value)`` for a known scalar."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return value if isinstance(value, str) else number_text(value)


def truthy(value: Scalar) -> bool:
    """JS truthiness: ``""``, ``0``, NaN, null/undefined and false are falsy."""
    return value not in (None, False, "", 0) and value == value


# JS's % keeps the sign of the dividend, as fmod does
_ARITH: dict[str, Callable[[float, float], float]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "%": math.fmod,
}


def arithmetic(op: str, a: Scalar, b: Scalar) -> Scalar:
    """``a op b`` for ``+ - * / %`` as JS computes it on strings and numbers; ValueError for what we do not
    compute (other operators, booleans, null, division by zero)."""
    if op == "+" and (isinstance(a, str) or isinstance(b, str)):
        return js_string(a) + js_string(b)
    if op not in _ARITH or not isinstance(a, (int, float)) or not isinstance(b, (int, float)) \
            or isinstance(a, bool) or isinstance(b, bool) or (op in "/%" and b == 0):
        raise ValueError(op)
    result = _ARITH[op](float(a), float(b))
    return int(result) if result.is_integer() and abs(result) < 2**53 else result
