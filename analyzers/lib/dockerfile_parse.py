"""A small line-aware Dockerfile parser: instructions with their lines, stages, ARG/ENV substitution.

It follows the Dockerfile reference closely enough for reading evidence, never for building:

* parser directives (``# escape=``` ``, ``# syntax=``) at the very top; ``#`` comment lines anywhere,
  also inside a continued instruction (Docker drops them there, so does this parser);
* continuation lines (the escape character at the end of a line), blank lines inside them included;
* heredocs (``RUN <<EOF``, ``<<-EOF``, quoted delimiters, several per instruction);
* stages (``FROM [--platform=...] image [AS name]``) with the global ``ARG`` defaults substituted into
  the image, and ``${X}``/``$X``/``${X:-default}`` substitution from a stage's ARG/ENV values.

A line that is not an instruction becomes a problem (line, message); the rest of the file is still read.
Instruction text of a continued instruction keeps its line structure (``text``): a comment or blank line
inside it is replaced by a lone escape character, so a shell parser fed ``text`` still reports the line
each command is on.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

KEYWORDS = frozenset({
    "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL", "MAINTAINER",
    "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
})
_DIRECTIVE = re.compile(r"^#\s*(?P<name>[a-zA-Z]+)\s*=\s*(?P<value>\S+)\s*$")
_HEREDOC = re.compile(r"<<(?P<dash>-?)(?P<quote>[\"']?)(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?P=quote)")
_VAR = re.compile(r"\$(?:\{(?P<b>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:[-+])(?P<arg>[^}]*))?\}"
                  r"|(?P<n>[A-Za-z_][A-Za-z0-9_]*))")
_HEREDOC_KEYWORDS = {"RUN", "COPY", "ADD"}


@dataclass(frozen=True)
class Heredoc:
    name: str
    body: str
    body_line: int  # the line of the body's first line


@dataclass(frozen=True)
class Instruction:
    """One instruction: ``value`` is its argument on one line; ``text`` keeps the original line breaks."""

    keyword: str
    value: str
    line: int
    text: str
    heredocs: tuple[Heredoc, ...] = ()

    def exec_form(self) -> list[str] | None:
        """The JSON array of an exec-form CMD/ENTRYPOINT/RUN/SHELL, or None for the shell form."""
        value = self.value.strip()
        if not value.startswith("["):
            return None
        try:
            parsed = json.loads(value)
        except ValueError:
            return None  # Docker runs a malformed array through the shell, as written
        return [str(x) for x in parsed] if isinstance(parsed, list) else None


@dataclass
class Stage:
    """A build stage: its ``FROM`` (image with global ARGs substituted) and its instructions."""

    index: int
    image: str
    image_as_written: str
    name: str | None
    line: int
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]

    def last(self, keyword: str) -> Instruction | None:
        found = self.all(keyword)
        return found[-1] if found else None


@dataclass(frozen=True)
class Dockerfile:
    stages: tuple[Stage, ...]
    global_args: dict[str, str]
    problems: tuple[tuple[int, str], ...]

    @property
    def final(self) -> Stage | None:
        return self.stages[-1] if self.stages else None

    def stage(self, ref: str) -> Stage | None:
        """The stage named ``ref`` (or numbered: ``--from=0``)."""
        for s in self.stages:
            if s.name == ref.lower() or str(s.index) == ref:
                return s
        return None

    def lineage(self, stage: Stage) -> list[Stage]:
        """``stage`` and the stages it is built ``FROM`` (``FROM base AS final``), nearest first."""
        out = [stage]
        while (parent := self.stage(out[-1].image)) is not None and parent not in out and parent.index < out[-1].index:
            out.append(parent)
        return out


def parse(text: str) -> Dockerfile:
    lines = text.splitlines()
    escape, start = _directives(lines)
    problems: list[tuple[int, str]] = []
    instructions: list[Instruction] = []
    i = start
    while i < len(lines):
        raw = lines[i]
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            i += 1
            continue
        first = i
        parts = [raw]
        while _continues(parts[-1], escape) and i + 1 < len(lines):
            i += 1
            nxt = lines[i]
            # a comment or an empty line inside a continued instruction is dropped (kept as a lone
            # escape so line numbers still count)
            parts.append(escape if not nxt.strip() or nxt.lstrip().startswith("#") else nxt)
        i += 1
        m = re.match(r"^\s*([A-Za-z]+)(\s+|$)", parts[0])
        if m is None or m.group(1).upper() not in KEYWORDS:
            word = stripped.split(None, 1)[0][:30]
            problems.append((first + 1, f"{word!r} is not a Dockerfile instruction; ignored"))
            continue
        keyword = m.group(1).upper()
        text_arg = "\n".join([parts[0][m.end():], *parts[1:]])
        value = _join(text_arg, escape)
        heredocs: list[Heredoc] = []
        if keyword in _HEREDOC_KEYWORDS:
            for hm in _HEREDOC.finditer(value):
                body_line = i + 1
                body, i, closed = _heredoc_body(lines, i, hm.group("name"), bool(hm.group("dash")))
                heredocs.append(Heredoc(hm.group("name"), body, body_line))
                if not closed:
                    problems.append((first + 1, f"heredoc <<{hm.group('name')} is never closed"))
        instructions.append(Instruction(keyword, value, first + 1, text_arg, tuple(heredocs)))
    return _stages(instructions, problems)


def _directives(lines: list[str]) -> tuple[str, int]:
    """The escape character and the index of the first line after the parser directives."""
    escape = "\\"
    for index, line in enumerate(lines):
        m = _DIRECTIVE.match(line.strip())
        if m is None:
            return escape, index
        if m.group("name").lower() == "escape" and m.group("value") in ("\\", "`"):
            escape = m.group("value")
    return escape, len(lines)


def _continues(line: str, escape: str) -> bool:
    return line.rstrip().endswith(escape) and not line.lstrip().startswith("#")


def _join(text: str, escape: str) -> str:
    """The instruction's argument on one line: continuations removed."""
    pieces = []
    for line in text.split("\n"):
        stripped = line.rstrip()
        pieces.append(stripped[:-1] if stripped.endswith(escape) else stripped)
    return " ".join(p.strip() for p in pieces if p.strip())


def _heredoc_body(lines: list[str], i: int, name: str, dash: bool) -> tuple[str, int, bool]:
    """(body, index after the closing delimiter, closed?) of a heredoc whose body starts at ``lines[i]``."""
    body: list[str] = []
    while i < len(lines):
        line = lines[i].lstrip("\t") if dash else lines[i]
        i += 1
        if line.strip() == name:
            return "\n".join(body), i, True
        body.append(line)
    return "\n".join(body), i, False


def substitute(text: str, values: dict[str, str]) -> str:
    """``$X``, ``${X}``, ``${X:-default}``, ``${X:+alt}`` from ``values``; unknown names stay as written."""

    def one(m: re.Match[str]) -> str:
        name = m.group("b") or m.group("n")
        op, arg = m.group("op"), m.group("arg") or ""
        value = values.get(name)
        if op == ":-":
            return value if value else arg
        if op == ":+":
            return arg if value else ""
        return value if value is not None else m.group(0)

    return _VAR.sub(one, text)


def _stages(instructions: list[Instruction], problems: list[tuple[int, str]]) -> Dockerfile:
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for ins in instructions:
        if ins.keyword == "FROM":
            words = [w for w in ins.value.split() if not w.startswith("--")]
            if not words:
                problems.append((ins.line, "FROM without an image; ignored"))
                continue
            name = words[2].lower() if len(words) >= 3 and words[1].lower() == "as" else None
            stages.append(Stage(len(stages), substitute(words[0], global_args), words[0], name, ins.line))
        elif not stages:
            if ins.keyword == "ARG":
                for key, value in arg_pairs(ins.value):
                    if value is not None:  # without a default, FROM ${KEY} stays unknown
                        global_args[key] = value
            else:
                problems.append((ins.line, f"{ins.keyword} before the first FROM; ignored"))
        else:
            stages[-1].instructions.append(ins)
    return Dockerfile(tuple(stages), global_args, tuple(sorted(problems)))


def arg_pairs(value: str) -> list[tuple[str, str | None]]:
    """``ARG A=1 B`` -> [("A", "1"), ("B", None)]."""
    out: list[tuple[str, str | None]] = []
    for word in _words(value):
        name, eq, default = word.partition("=")
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            out.append((name, default if eq else None))
    return out


def env_pairs(value: str) -> list[tuple[str, str]]:
    """``ENV A=1 B="two words"`` and the legacy ``ENV A some value`` -> [(name, value)]."""
    words = _words(value)
    if words and "=" not in words[0]:
        return [(words[0], value.split(None, 1)[1].strip() if len(words) > 1 else "")]
    out = []
    for word in words:
        name, eq, val = word.partition("=")
        if eq and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            out.append((name, val))
    return out


def _words(value: str) -> list[str]:
    """Whitespace-separated words with shell-style quotes removed (no expansion)."""
    import shlex

    try:
        return shlex.split(value, posix=True)
    except ValueError:
        return value.split()


def stage_values(dockerfile: Dockerfile, stage: Stage, upto: int | None = None) -> dict[str, str]:
    """ARG defaults (a global ARG redeclared in the stage) and ENV values known in ``stage`` before line ``upto``."""
    values: dict[str, str] = {}
    for s in reversed(dockerfile.lineage(stage)):
        for ins in s.instructions:
            if upto is not None and s is stage and ins.line >= upto:
                break
            if ins.keyword == "ARG":
                for name, default in arg_pairs(ins.value):
                    values[name] = default if default is not None else dockerfile.global_args.get(name, "")
            elif ins.keyword == "ENV":
                for name, val in env_pairs(ins.value):
                    values[name] = substitute(val, values)
    return values


def workdir(parsed: Dockerfile, final: Stage) -> tuple[str | None, Instruction | None]:
    """The working directory of ``final`` (relative WORKDIRs resolved through its lineage) and where it is set."""
    current: str | None = None
    where: Instruction | None = None
    for stage in reversed(parsed.lineage(final)):
        for ins in stage.all("WORKDIR"):
            value = substitute(ins.value.strip().strip("\"'"), stage_values(parsed, stage, ins.line))
            current = value if value.startswith("/") or current is None else f"{current.rstrip('/')}/{value}"
            where = ins
    return current, where


def last(parsed: Dockerfile, final: Stage, keyword: str) -> Instruction | None:
    """The last ``keyword`` instruction that applies to ``final`` (its own, else its parent stage's)."""
    for stage in parsed.lineage(final):
        found = stage.last(keyword)
        if found is not None:
            return found
    return None
