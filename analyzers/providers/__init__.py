"""Runtime providers: one package per language (see :mod:`analyzers.providers.protocol`)."""
