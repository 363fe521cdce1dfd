"""Reading a program's own arguments: options with values, positionals, listen addresses.

Runtime-free: each provider's server table (gunicorn's ``--bind``, a node CLI's ``-p``) is written with
these, so every server's options are read the same way.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence


def basename(token: str) -> str:
    return token.rsplit("/", 1)[-1]


def option(args: Sequence[str], *names: str) -> str | None:
    """Value of the last occurrence of any of ``names`` (``--bind x``, ``--bind=x``, ``-b x``, ``-bx``)."""
    found: str | None = None
    for i, a in enumerate(args):
        for n in names:
            if a == n and i + 1 < len(args):
                found = args[i + 1]
            elif n.startswith("--") and a.startswith(n + "="):
                found = a[len(n) + 1 :]
            elif not n.startswith("--") and len(n) == 2 and a.startswith(n) and len(a) > 2 and not a.startswith("--"):
                found = a[2:]
    return found


def int_value(text: str | None) -> int | None:
    """A whole number written as one (``" 4 "``), else None; never a huge int (int() refuses 4,300+ digits)."""
    if text is None:
        return None
    m = re.match(r"^\s*(\d{1,18})\s*$", text)
    return int(m.group(1)) if m else None


def parse_bind(bind: str) -> tuple[str | None, int | None, str | None]:
    """``0.0.0.0:8000`` / ``:8000`` / ``8000`` / ``unix:/run/x.sock`` -> (host, port, unix socket)."""
    bind = bind.strip().strip("'\"")
    if bind.startswith("unix:"):
        return None, None, bind[5:]
    if bind.startswith("/"):
        return None, None, bind
    # a host alone ("0.0.0.0", daphne's -b) must not read as host "0.0.0." + port 0
    m = re.match(r"^(?:\[?([^\]]*?)\]?:)?(\d{1,5})$", bind)  # a port has at most 5 digits
    if m:
        return (m.group(1) or None), int(m.group(2)), None
    m = re.match(r"^(.*):(\d{1,5})$", bind)
    if m:
        return m.group(1) or None, int(m.group(2)), None
    m = re.match(r"^(.*?):\$\{?[A-Za-z_]", bind)  # 0.0.0.0:$PORT: the port comes from the environment
    if m:
        return m.group(1) or None, None, None
    return bind or None, None, None


def positional(args: Sequence[str], takes_value: Collection[str]) -> list[str]:
    """The arguments that are not options nor the values of the options in ``takes_value``."""
    out = []
    skip = False
    for a in args:
        if skip:
            skip = False
            continue
        if a.startswith("-"):
            if a in takes_value:
                skip = True
            continue
        out.append(a)
    return out
