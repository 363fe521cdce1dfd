"""Text-level helpers for reading shell scripts without running them.

Heredoc bodies are cut out before parsing (and blanked in place, keeping every offset and line number),
so both parsers see the same text and a heredoc's commands are walked where they run. For text neither
bashlex nor tree-sitter-bash can parse (a genuine syntax error, or tree-sitter missing), a file is split
into top-level chunks, and a failing chunk into logical lines and simple commands, so a script is never
lost. ``$VAR`` / ``${VAR:-default}`` are substituted the way the shell would, where the value is static.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

_HEREDOC = re.compile(
    r"(?<![<0-9])<<(?!<)(?P<dash>-?)[ \t]*"
    r"(?:'(?P<sq>[^']+)'|\"(?P<dq>[^\"]+)\"|\\?(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)
_PARAM = re.compile(
    r"\$(?:\{(?P<bname>[A-Za-z_][A-Za-z0-9_]*|[0-9])(?:\[[@*]\])?(?:(?P<op>:?[-=+?])(?P<arg>[^{}]*))?\}"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*|[0-9]))"
)
_OPEN = re.compile(r"(?:^|[;&|(]|\b(?:then|do|else)\b)\s*(?:!\s*)?\b(if|case|for|while|until|select)\b")
_CLOSE = re.compile(r"(?:^|[;&|]|\b(?:then|do|else)\b)\s*\b(fi|done|esac)\b")
_BRACE_OPEN = re.compile(r"(?:^|\s|\))\{(?=\s|$)")
_BRACE_CLOSE = re.compile(r"(?:^|[\s;])\}(?=\s|$|[;&|)])")


@dataclass(frozen=True)
class Heredoc:
    """A here-document: ``line`` is the 1-based line of the ``<<`` operator, ``body_line`` of its first line."""

    line: int
    delimiter: str
    body: str
    body_line: int
    quoted: bool


def scan_quotes(line: str, quote: str | None = None) -> tuple[str, str | None]:
    """The line with quoted text replaced by ``_`` and comments dropped, and the quote still open at its end."""
    out: list[str] = []
    i = 0
    while i < len(line):
        ch = line[i]
        if quote is None:
            if ch == "\\" and i < len(line) - 1:
                out.append("__")
                i += 2
                continue
            if ch in "'\"":
                quote = ch
                out.append("_")
            elif ch == "#" and (i == 0 or line[i - 1] in " \t;&|("):
                break
            else:
                out.append(ch)
        else:
            if ch == "\\" and quote == '"':
                i += 2
                out.append("__")
                continue
            if ch == quote:
                quote = None
            out.append("_")
        i += 1
    return "".join(out), quote


def blank_heredocs(text: str, first_line: int = 1) -> tuple[str, dict[int, list[Heredoc]]]:
    """Cut heredoc bodies out of ``text``: the result has the same length and line breaks, with every
    ``<<WORD`` operator, body and terminator replaced by spaces; heredocs are returned by operator line."""
    lines = text.split("\n")
    found: dict[int, list[Heredoc]] = {}
    i = 0
    while i < len(lines):
        unquoted, _ = scan_quotes(lines[i])
        ops = [m for m in _HEREDOC.finditer(lines[i]) if unquoted[m.start() : m.start() + 2] == "<<"]
        line_no = first_line + i
        j = i + 1
        for m in ops:
            delim = m.group("sq") or m.group("dq") or m.group("bare") or ""
            dash = bool(m.group("dash"))
            start = j
            while j < len(lines) and (lines[j].lstrip("\t") if dash else lines[j]) != delim:
                j += 1
            body = lines[start:j]
            if dash:
                body = [b.lstrip("\t") for b in body]
            found.setdefault(line_no, []).append(
                Heredoc(line_no, delim, "\n".join(body), first_line + start, bool(m.group("sq") or m.group("dq")))
            )
            for k in range(start, min(j + 1, len(lines))):
                lines[k] = " " * len(lines[k])
            j += 1
            lines[i] = lines[i][: m.start()] + " " * (m.end() - m.start()) + lines[i][m.end() :]
        i = j if ops else i + 1
    return "\n".join(lines), found


def has_code(text: str) -> bool:
    """True when ``text`` holds something besides blank lines and comments."""
    return any(line.strip() and not line.lstrip().startswith("#") for line in text.split("\n"))


def _line_spans(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    pos = start
    while pos < end:
        nl = text.find("\n", pos, end)
        stop = end if nl < 0 else nl
        yield pos, stop
        pos = stop + 1


def chunks(text: str) -> list[tuple[int, int]]:
    """Split a script into top-level chunks (start, end offsets): a chunk ends on a line where every
    ``if``/``case``/loop/brace opened in it is closed, no quote is open and no ``\\``/``&&``/``|`` continues."""
    out: list[tuple[int, int]] = []
    start: int | None = None
    depth = 0
    quote: str | None = None
    for s, e in _line_spans(text, 0, len(text)):
        if start is None:
            if not text[s:e].strip():
                continue
            start = s
        unquoted, quote = scan_quotes(text[s:e], quote)
        depth += len(_OPEN.findall(unquoted)) + len(_BRACE_OPEN.findall(unquoted))
        depth -= len(_CLOSE.findall(unquoted)) + len(_BRACE_CLOSE.findall(unquoted))
        tail = unquoted.rstrip()
        continued = tail.endswith(("\\", "&&", "||", "|")) and not tail.endswith(";;")
        if depth <= 0 and quote is None and not continued:
            out.append((start, e))
            start, depth = None, 0
    if start is not None:
        out.append((start, len(text)))
    return out


def logical_lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Lines of ``text[start:end]`` with ``\\`` continuations (and open quotes) joined, as offsets."""
    out: list[tuple[int, int]] = []
    first: int | None = None
    quote: str | None = None
    for s, e in _line_spans(text, start, end):
        if first is None:
            first = s
        unquoted, quote = scan_quotes(text[s:e], quote)
        if quote is None and not unquoted.rstrip().endswith("\\"):
            out.append((first, e))
            first = None
    if first is not None:
        out.append((first, end))
    return out


def split_operators(text: str) -> list[tuple[str, bool]]:
    """Split a line on ``&&``, ``||``, ``;``, ``|`` and ``&`` outside quotes: (piece, runs in background)."""
    pieces: list[tuple[str, bool]] = []
    unquoted, _ = scan_quotes(text)
    unquoted = unquoted.ljust(len(text), "#")  # a dropped comment ends the line
    cur_start = 0
    i = 0
    while i < len(text):
        ch = unquoted[i]
        if ch == "#" and text[i] == "#" and (i == 0 or text[i - 1] in " \t"):
            break
        if ch in ";&|":
            two = unquoted[i : i + 2]
            bg = ch == "&" and two != "&&" and (i == 0 or unquoted[i - 1] not in "<>&")
            if ch == "&" and not bg and two != "&&":
                i += 1  # a redirection such as 2>&1
                continue
            pieces.append((text[cur_start:i], bg))
            i += 2 if two in ("&&", "||", ";;") else 1
            cur_start = i
            continue
        i += 1
    pieces.append((text[cur_start:i], False))
    return [(p.strip(), bg) for p, bg in pieces if p.strip()]


def substitute(raw: str, values: Mapping[str, str], *, defaults: bool = False) -> str:
    """Replace ``$X``, ``${X}``, ``${X:-default}``... in shell source text where the value is known.

    Single-quoted text is left alone, as the shell would; an unknown variable stays as written. With
    ``defaults`` (the value of an assignment, ``PORT=${PORT:-8081}``), an unknown variable's default is
    taken as the script's intent; in a command, ``${REDIS_URL:-redis://...}`` is read at run time and
    stays as written.
    """
    out: list[str] = []
    quote: str | None = None
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch == "\\" and quote != "'":
            out.append(raw[i : i + 2])
            i += 2
            continue
        if ch == "'" and quote != '"':
            quote = None if quote == "'" else "'"
        elif ch == '"' and quote != "'":
            quote = None if quote == '"' else '"'
        elif ch == "$" and quote != "'":
            m = _PARAM.match(raw, i)
            if m:
                out.append(_resolve(m, values, defaults))
                i = m.end()
                continue
        out.append(ch)
        i += 1
    return "".join(out)


def _resolve(m: re.Match[str], values: Mapping[str, str], defaults: bool) -> str:
    name = m.group("bname") or m.group("name")
    value = values.get(name)
    op, arg = m.group("op"), m.group("arg")
    if op is None:
        return value if value is not None else m.group(0)
    unset = value is None or (op.startswith(":") and value == "")
    if op.endswith(("-", "=")):
        if not unset:
            return value or ""
        if value is None and not defaults:
            return m.group(0)
        default = substitute(arg or "", values, defaults=defaults)
        return m.group(0) if "$" in default else default
    if op.endswith("+"):
        if not unset:
            return substitute(arg or "", values, defaults=defaults)
        return "" if value is not None else m.group(0)
    return value if value is not None else m.group(0)


_CASE_PATTERN = re.compile(r"^\s*\(?\s*[^\s()|;=]+(?:\s*\|\s*[^\s()|;]+)*\s*\)\s*")
_LEAD_KEYWORDS = re.compile(r"^\s*(?:(?:then|do|else|elif|if|while|until|\{|\}|!)(?:\s+|$))+")
_TAIL_KEYWORDS = re.compile(r"(?:\s*(?:;;&?|;&|;|\bthen|\bdo|\bfi|\bdone|\besac|\}))+\s*$")
_SKIP_LINE = re.compile(
    r"^\s*(?:fi|done|esac|;;|\}|\{|else|then|do|case\b.*\bin|for\b.*|select\b.*"
    r"|function\s+\S+\s*\{?|\S+\s*\(\)\s*\{?)\s*$"
)


_BRACE_RANGE = re.compile(r"\{(\d+)\.\.(\d+)\}")
_BRACE_LIST = re.compile(r"\{([^{},\s]*(?:,[^{},\s]*)+)\}")


def brace_expand(word: str) -> list[str]:
    """``web{1..3}`` -> web1 web2 web3, ``app-{a,b}`` -> app-a app-b (one brace group, as host lists use)."""
    m = _BRACE_RANGE.search(word)
    if m:
        lo, hi = int(m.group(1)), int(m.group(2))
        step = 1 if hi >= lo else -1
        if abs(hi - lo) <= 1000:
            width = len(m.group(1)) if m.group(1).startswith("0") else 0
            return [word[: m.start()] + str(n).zfill(width) + word[m.end() :] for n in range(lo, hi + step, step)]
    m = _BRACE_LIST.search(word)
    if m:
        return [word[: m.start()] + part + word[m.end() :] for part in m.group(1).split(",")]
    return [word]


def strip_keywords(line: str) -> str:
    """A line of a failing region reduced to its command: no ``then``/``do``/``fi``, case pattern or ``;;``."""
    if _SKIP_LINE.match(line):
        return ""
    text = re.sub(r"^\s*case\s+\S+\s+in\s+", "", line, count=1)
    if _CASE_PATTERN.match(text) and not text.lstrip().startswith("$("):
        text = _CASE_PATTERN.sub("", text, count=1)
    text = _LEAD_KEYWORDS.sub("", text)
    text = _TAIL_KEYWORDS.sub("", text)
    return "" if _SKIP_LINE.match(text) else text.strip()


_CONSTRUCTS = (
    (re.compile(r"^\s*case\b", re.M), "a case statement"),
    (re.compile(r"\[\["), "a [[ ]] test"),
    (re.compile(r"\b[A-Za-z_][A-Za-z0-9_]*=\("), "an array"),
    (re.compile(r"\$\(\("), "arithmetic"),
    (re.compile(r"\(\("), "arithmetic"),
    (re.compile(r"[<>]\("), "process substitution"),
    (re.compile(r"<<<"), "a here-string"),
)


def likely_construct(text: str) -> str:
    """A guess at which construct bashlex choked on, for the warning (never quotes the text itself)."""
    for pattern, name in _CONSTRUCTS:
        if pattern.search(text):
            return name
    return "a construct it does not support"


def split_list(command: str) -> list[tuple[str, bool]]:
    """Split a shell list on ``&&``, ``||``, ``;``, ``&`` and newlines, respecting quotes and ``$(...)``.

    Returns (command, runs_in_background) pairs; pipelines stay whole.
    """
    parts: list[tuple[str, bool]] = []
    buf: list[str] = []
    quote: str | None = None
    depth = 0
    i = 0

    def flush(background: bool) -> None:
        part = "".join(buf).strip()
        if part:
            parts.append((part, background))
        buf.clear()

    while i < len(command):
        ch = command[i]
        nxt = command[i + 1] if i + 1 < len(command) else ""
        if quote:
            buf.append(ch)
            if ch == "\\" and quote == '"' and nxt:
                buf.append(nxt)
                i += 1
            elif ch == quote:
                quote = None
        elif ch == "\\" and nxt:
            buf += [ch, nxt]
            i += 1
        elif ch in "'\"":
            quote = ch
            buf.append(ch)
        elif ch == "$" and nxt == "(":
            depth += 1
            buf += [ch, nxt]
            i += 1
        elif ch == ")" and depth:
            depth -= 1
            buf.append(ch)
        elif depth:
            buf.append(ch)
        elif ch in "&|" and nxt == ch:
            flush(False)
            i += 1
        elif ch in ";\n":
            flush(False)
        elif ch == "&" and nxt != ">" and (not buf or buf[-1] not in "<>"):
            flush(True)
        else:
            buf.append(ch)
        i += 1
    flush(False)
    return parts
