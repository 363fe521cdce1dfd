"""The small syntax tree both shell parsers are turned into, so one walker reads either.

bashlex parses most scripts; tree-sitter-bash parses what bashlex cannot (``case``, ``[[ ]]``, arrays,
``select``, ``$(( ))`` ...). :mod:`analyzers.lib.shell_bashlex` and :mod:`analyzers.lib.shell_treesitter`
convert their trees into the nodes below, and :class:`analyzers.deploy.shellwalk.ShellWalker` walks only these.
Every node carries absolute line numbers (the line in the file, not in the piece that was parsed).

Only what the walker needs is kept: the words of each simple command as written (quotes and ``$X``
intact, so substitution and quoting rules apply later), the command substitutions inside them, the
heredoc fed to the command, ``for`` loops (their words may be a host list), function definitions, and
sequences (lists, pipelines, blocks, ``if``/``while``/``case`` bodies) with the ``&`` of each member.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeAlias

from analyzers.lib.shelltext import Heredoc


@dataclass(frozen=True)
class Word:
    """One word of a command as written; ``array`` holds the words inside ``NAME=( ... )``."""

    raw: str
    line: int
    assignment: bool = False
    array: str | None = None
    subs: tuple[Node, ...] = ()  # command / process substitutions inside the word: they run first

    def assign_text(self) -> str:
        """``NAME=value`` for an assignment, with an array's words as the value (``H=(a b)`` -> ``H=a b``)."""
        if self.array is None:
            return self.raw
        return self.raw.split("=", 1)[0].rstrip("+") + "=" + self.array


# Redirection operators that write a file (``>&2`` duplicates a descriptor: it writes none).
WRITE_OPERATORS = frozenset({">", ">>", ">|", "&>", "&>>"})


@dataclass(frozen=True)
class Command:
    """A simple command: its words (env prefixes first), where it starts and ends, and the heredoc it reads."""

    words: tuple[Word, ...]
    line: int
    end_line: int
    subs: tuple[Node, ...] = ()  # substitutions in redirections (``> "$(mktemp)"``, ``< <(ls)``)
    heredoc: Heredoc | None = None
    writes: tuple[str, ...] = ()  # files its output redirections write (``> /var/log/x.log``), as written


@dataclass(frozen=True)
class Seq:
    """Members run in order; each pairs a node with whether it was started with ``&``.
    ``subshell``: ``( ... )``, whose ``cd`` does not outlive it. ``alternatives``: the arms of a
    ``case``, of which one runs (a ``cd`` in one arm is not where the next arm starts)."""

    items: tuple[tuple[Node, bool], ...]
    subshell: bool = False
    alternatives: bool = False


@dataclass(frozen=True)
class For:
    """``for var in words; do body; done`` (``words`` is None without ``in``: the loop reads ``"$@"``)."""

    var: str
    words: tuple[Word, ...] | None
    body: Node
    line: int


@dataclass(frozen=True)
class Function:
    """``name() { body; }`` / ``function name { body; }``: walked where it is called."""

    name: str
    body: Node
    line: int


Node: TypeAlias = Command | Seq | For | Function


def seq(nodes: list[Node], subshell: bool = False) -> Seq:
    """A sequence of nodes none of which was started with ``&``."""
    return Seq(tuple((n, False) for n in nodes), subshell)


@dataclass
class Heredocs:
    """The heredocs cut out of one text, by the line of their ``<<`` operator; each is handed out once,
    to the first command converted that spans its line (the order bash reads them in)."""

    by_line: dict[int, list[Heredoc]] = field(default_factory=dict)

    def take(self, first: int, last: int) -> Heredoc | None:
        for line in range(first, last + 1):
            pending = self.by_line.get(line)
            if pending:
                return pending.pop(0)
        return None


@dataclass(frozen=True)
class Region:
    """A stretch of a script: its nodes, or None when neither parser could read it (``reason`` says why).
    ``text`` is the stretch itself (heredoc bodies blanked), starting at ``first_line``."""

    text: str
    first_line: int
    nodes: tuple[tuple[Node, bool], ...] | None
    reason: str = ""
    truncated: bool = False  # nested deeper than the converters follow: the innermost part was left out

    @property
    def last_line(self) -> int:
        return self.first_line + self.text.rstrip().count("\n")
