"""Moved: :mod:`generators.image.argv` (the runtime-neutral part) and each provider's ``container_argv``
(``analyzers/providers/python``: listen rewrites, log and pid options, celery beat). Re-exported until
the layout step removes this module."""

from __future__ import annotations

from analyzers.providers.common import ALL as ALL
from generators.image.argv import container_argv as container_argv
