"""A small parser for nginx's config grammar that keeps the file and line of every directive.

The tokenizer knows words, quoted strings (with backslash escapes), ``#`` comments and ``{ } ;``;
``${var}`` stays inside its word and Jinja ``{{ var }}`` stays one word (``{% ... %}`` and
``{# ... #}`` are skipped), so templated configs parse too. The parser builds the directive tree and
never raises: unbalanced braces, a missing ``;`` or an unterminated string become problems
``(line, message)`` (the first :data:`MAX_PROBLEMS`, then a count) and whatever parsed is kept.
``include`` is left as a plain directive: resolving it against the repository, and what the
directives mean, is the nginx analyzer's business.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_PUNCT = "{};"
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r"}  # nginx turns these into the control characters
MAX_PROBLEMS = 20  # per file: 100,000 unclosed blocks are one problem to fix, not 100,000 warnings
# Block directives: seeing one of these before a '{' means the previous directive lost its ';'.
_BLOCKS = {"location", "server", "upstream", "if", "http", "events", "map", "limit_except", "types", "stream"}


@dataclass
class Directive:
    """``name args... ;`` or ``name args... { block }`` at ``file:line``."""

    name: str
    args: list[str]
    file: str
    line: int
    block: list[Directive] | None = None


@dataclass
class Token:
    """A word, quoted string or ``{ } ;`` and the line it starts on; quoted ones are never punctuation."""

    text: str
    line: int
    quoted: bool = False


@dataclass
class ParseResult:
    """The top-level directives of one file and its problems as (line, message)."""

    directives: list[Directive] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)


def tokenize(text: str) -> tuple[list[Token], list[tuple[int, str]]]:
    """nginx tokens with their lines; problems as (line, message)."""
    tokens: list[Token] = []
    problems: list[tuple[int, str]] = []
    i, line, n = 0, 1, len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
        elif c.isspace():
            i += 1
        elif c == "#":
            while i < n and text[i] != "\n":
                i += 1
        elif text.startswith(("{%", "{#"), i):
            end = text.find("%}" if text[i + 1] == "%" else "#}", i + 2)
            end = n if end < 0 else end + 2
            line += text.count("\n", i, end)
            i = end
        elif c in _PUNCT and not text.startswith("{{", i):
            tokens.append(Token(c, line))
            i += 1
        elif c in "\"'":
            start_line, j, buf = line, i + 1, []
            while j < n and text[j] != c:
                if text[j] == "\\" and j + 1 < n:
                    buf.append(_ESCAPES.get(text[j + 1], text[j + 1]))  # as ngx_conf_read_token does
                    j += 2
                    continue
                line += text[j] == "\n"
                buf.append(text[j])
                j += 1
            if j >= n:
                problems.append((start_line, "unterminated quoted string"))
            tokens.append(Token("".join(buf), start_line, quoted=True))
            i = j + 1
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] not in "#;\"'":
                if text.startswith("{{", j):
                    end = text.find("}}", j)
                    j = n if end < 0 else end + 2
                elif text.startswith("${", j):
                    end = text.find("}", j)
                    j = n if end < 0 else end + 1
                elif text[j] in "{}":
                    break
                else:
                    j += 1
            tokens.append(Token(re.sub(r"\{\{\s*(.*?)\s*\}\}", r"{{\1}}", text[i:j]), line))
            i = j
    return tokens, problems


def parse(text: str, rel: str) -> ParseResult:
    """Directives of one file; problems (unbalanced braces, missing ';') are reported, not raised."""
    tokens, problems = tokenize(text)
    result = ParseResult(problems=problems)
    stack: list[tuple[list[Directive], int]] = [(result.directives, 0)]
    args: list[Token] = []
    for tok in tokens:
        if tok.quoted or tok.text not in _PUNCT:
            args.append(tok)
        elif tok.text == ";":
            if args:
                stack[-1][0].append(Directive(args[0].text, [a.text for a in args[1:]], rel, args[0].line))
            args = []
        elif tok.text == "{":
            if not args:
                result.problems.append((tok.line, "block without a directive name"))
                args = [Token("", tok.line)]
            cut = next((k for k, a in enumerate(args) if k and not a.quoted and a.text in _BLOCKS), None)
            if cut is not None:  # "foo 1m location / {": the ';' after "foo 1m" is missing
                result.problems.append((args[0].line, f"'{args[0].text}' is missing its ';'"))
                stack[-1][0].append(Directive(args[0].text, [a.text for a in args[1:cut]], rel, args[0].line))
                args = args[cut:]
            block: list[Directive] = []
            stack[-1][0].append(Directive(args[0].text, [a.text for a in args[1:]], rel, args[0].line, block))
            stack.append((block, args[0].line))
            args = []
        else:  # "}"
            if args:
                result.problems.append((args[0].line, f"'{args[0].text}' is missing its ';'"))
                stack[-1][0].append(Directive(args[0].text, [a.text for a in args[1:]], rel, args[0].line))
                args = []
            if len(stack) == 1:
                result.problems.append((tok.line, "unbalanced braces: '}' without a matching '{'; ignored"))
            else:
                stack.pop()
    if args:
        result.problems.append((args[0].line, f"'{args[0].text}' is missing its ';'"))
    for _, opened in stack[1:]:
        result.problems.append((opened, "unbalanced braces: this block is never closed; kept what parsed"))
    if len(result.problems) > MAX_PROBLEMS:
        more = len(result.problems) - MAX_PROBLEMS
        result.problems[MAX_PROBLEMS:] = [(result.problems[MAX_PROBLEMS][0], f"... and {more} more problems")]
    return result
