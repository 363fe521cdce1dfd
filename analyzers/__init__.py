"""Analyzers: one module per input kind, each ``analyze(repo) -> Iterable[Item]`` (see base.py)."""
