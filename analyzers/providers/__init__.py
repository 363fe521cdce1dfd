"""Runtime providers: one package per language (see /work/notes/providers-design.md §4.3)."""
