"""migrate: turn a legacy app deployed by hand-written scripts into a verified container deployment."""

from __future__ import annotations

__version__ = "0.1.0"
