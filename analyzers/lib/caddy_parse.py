"""A small line-aware Caddyfile parser: directives with their lines, blocks, snippets and site blocks.

The Caddyfile's structure is line based: a block opens with ``{`` at the end of a line and closes with
``}`` alone on a line; ``#`` starts a comment at the beginning of a token; ``"..."`` and backtick
quotes hold spaces. ``{$VAR}``/``{env.VAR}`` placeholders are ordinary tokens (template values). A file
may start with a global options block (``{`` alone) and define snippets (``(name) { ... }``) that
``import name`` copies into a site. A file with one site may leave out the site's braces.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Node:
    name: str
    args: list[str]
    line: int
    block: list[Node] | None = None


@dataclass
class Site:
    addresses: list[str]
    line: int
    directives: list[Node] = field(default_factory=list)


@dataclass(frozen=True)
class Caddyfile:
    sites: tuple[Site, ...]
    problems: tuple[tuple[int, str], ...]


def tokens(line: str) -> list[str]:
    """The tokens of one line (quotes removed, comments dropped)."""
    out: list[str] = []
    cur: list[str] = []
    quote: str | None = None
    started = False
    for ch in line:
        if quote is not None:
            if ch == quote:
                quote = None
            else:
                cur.append(ch)
        elif ch in "\"`":
            quote, started = ch, True
        elif ch.isspace():
            if started:
                out.append("".join(cur))
            cur, started = [], False
        elif ch == "#" and not started:
            break
        else:
            cur.append(ch)
            started = True
    if started:
        out.append("".join(cur))
    return out


def parse(text: str) -> Caddyfile:
    problems: list[tuple[int, str]] = []
    root: list[Node] = []
    stack: list[list[Node]] = [root]
    for number, raw in enumerate(text.splitlines(), start=1):
        toks = tokens(raw)
        if not toks:
            continue
        if toks == ["}"]:
            if len(stack) == 1:
                problems.append((number, "'}' without an open block; ignored"))
            else:
                stack.pop()
            continue
        opens = toks[-1] == "{"
        toks = toks[:-1] if opens else toks
        node = Node(toks[0] if toks else "", toks[1:], number, [] if opens else None)
        stack[-1].append(node)
        if node.block is not None:
            stack.append(node.block)
    if len(stack) > 1:
        problems.append((len(text.splitlines()), "a block is never closed ('}' missing)"))
    return Caddyfile(tuple(_sites(root)), tuple(problems))


def _sites(root: list[Node]) -> list[Site]:
    snippets = {n.name[1:-1]: n.block or [] for n in root if n.name.startswith("(") and n.name.endswith(")")}
    rest = [n for n in root if not (n.name.startswith("(") and n.name.endswith(")"))]
    if rest and rest[0].name == "" and rest[0].block is not None:
        rest = rest[1:]  # the global options block
    blocks = [n for n in rest if n.block is not None]
    if not blocks and rest:
        # one site without braces: its first line is the address list, the rest are its directives
        first = rest[0]
        return [Site(_addresses(first), first.line, _imports(rest[1:], snippets))]
    return [Site(_addresses(n), n.line, _imports(n.block or [], snippets)) for n in blocks]


def _addresses(node: Node) -> list[str]:
    words = [node.name, *node.args]
    return [a for w in words for a in w.split(",") if a]


def _imports(nodes: list[Node], snippets: dict[str, list[Node]], depth: int = 0) -> list[Node]:
    """``nodes`` with ``import snippet`` replaced by the snippet's directives (kept at their own lines)."""
    out: list[Node] = []
    for n in nodes:
        if n.name == "import" and n.args and n.args[0] in snippets and depth < 5:
            out.extend(_imports(snippets[n.args[0]], snippets, depth + 1))
        elif n.block is not None:
            out.append(Node(n.name, n.args, n.line, _imports(n.block, snippets, depth)))
        else:
            out.append(n)
    return out
