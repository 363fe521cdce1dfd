"""Dotenv files: templates (``.env.example`` ...) declare variables; a committed real ``.env`` leaks them.

A template's names and non-secret defaults are DECLARED env vars; a real-looking secret in a template
is still reported as a hard-coded secret. A real ``.env`` (or ``.env.production`` ...) is never read for
values: each name becomes an env var without a default, each secret-looking one a SecretFinding of
kind ``env_file``, and the file itself a warning. No value that looks secret leaves this module.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from analyzers import base
from analyzers.base import D, Item, Src
from analyzers.providers.python.python_env import secret_assignment
from migrator.repo import RepoView
from migrator.secrets import is_placeholder, is_secret_name, value_secret_kind

NAME = "dotenv"

_TEMPLATE_SUFFIXES = (".example", ".sample", ".template", ".dist", ".tmpl", ".defaults")
_TEMPLATE_NAMES = {"env.example", "example.env", "sample.env", "template.env", "env.sample", "env.template",
                   ".flaskenv"}
_LINE = re.compile(r"^(?:export\s+)?(?P<name>[A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(?P<rest>.*)$")
# Template values that only say "put something here".
_FILLER = re.compile(r"^(<.*>|\$\{?\w+\}?|\{\{.*\}\}|changeme|change[-_ ]?me|replace[-_ ]?me|your[-_].*|.*[-_]here"
                     r"|x{3,}|\*{3,}|\.\.\.|todo|tbd)$", re.IGNORECASE)


@dataclass(frozen=True)
class Entry:
    name: str
    value: str
    line: int


def analyze(repo: RepoView) -> Iterator[Item]:
    """Env findings from dotenv templates and committed dotenv files."""
    for rel in repo.files():
        kind = file_kind(rel.rsplit("/", 1)[-1])
        if kind is None:
            continue
        text = repo.read_text(rel)
        if text is None:
            continue
        src = Src(NAME, rel)
        entries, bad_line = parse(text)
        if bad_line is not None:
            yield base.warning(src.at(bad_line), "not a NAME=value line; skipped (and any like it)")
        if kind == "template":
            yield from _template(entries, src)
        else:
            yield from _committed(entries, src)


def file_kind(name: str) -> str | None:
    """"template" for ``.env.example`` and friends, "real" for ``.env``/``.env.production``/``prod.env``."""
    lower = name.lower()
    if lower in _TEMPLATE_NAMES:
        return "template"
    if lower == ".env":
        return "real"
    if lower.startswith(".env."):
        return "template" if lower.endswith(_TEMPLATE_SUFFIXES) else "real"
    if lower.endswith(".env") and len(lower) > 4:
        return "template" if lower.startswith(("example", "sample", "template")) else "real"
    return None


def parse(text: str) -> tuple[list[Entry], int | None]:
    """(entries, first line that is neither blank, comment nor NAME=value); quotes and ``export`` handled."""
    entries: list[Entry] = []
    bad: int | None = None
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        number = index + 1
        line = lines[index].strip()
        index += 1
        if not line or line.startswith("#"):
            continue
        m = _LINE.match(line)
        if not m:
            bad = bad or number
            continue
        rest = m.group("rest")
        if rest[:1] in ("'", '"'):
            quote = rest[0]
            body = rest[1:]
            # a quoted value may span lines (PEM keys); read on until its closing quote
            while _closing(body, quote) is None and index < len(lines):
                body += "\n" + lines[index]
                index += 1
            end = _closing(body, quote)
            value = body[:end] if end is not None else body
            if quote == '"':
                value = value.replace('\\"', '"').replace("\\n", "\n")
        else:
            value = re.split(r"\s+#", rest, maxsplit=1)[0].strip()
        entries.append(Entry(m.group("name"), value, number))
    return entries, bad


def _closing(body: str, quote: str) -> int | None:
    at = 0
    while True:
        at = body.find(quote, at)
        if at == -1:
            return None
        if quote == '"' and at > 0 and body[at - 1] == "\\":
            at += 1
            continue
        return at


def _template(entries: list[Entry], src: Src) -> Iterator[Item]:
    for entry in entries:
        at = src.at(entry.line)
        found = secret_assignment(at, entry.name, entry.value)
        if found is not None:
            yield found  # a template that carries a real secret still leaks it
        value = entry.value
        default = None if not value or _FILLER.match(value) or found is not None else value
        yield base.env_var(entry.name, at, D, default=default, secret=True if found is not None else None)


def _committed(entries: list[Entry], src: Src) -> Iterator[Item]:
    if entries:
        yield base.warning(src, "a real dotenv file is committed: its values are not used; rotate every secret it "
                                "holds, remove it from the repository and provide the values as a Secret")
    for entry in entries:
        at = src.at(entry.line)
        secret = is_secret_name(entry.name) or value_secret_kind(entry.value) is not None
        if secret and entry.value and not is_placeholder(entry.value):
            yield base.hardcoded_secret(at, entry.name, "env_file")
        yield base.env_var(entry.name, at, D, secret=True if secret else None)
