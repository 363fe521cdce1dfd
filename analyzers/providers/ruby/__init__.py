"""The Ruby provider (see :mod:`.gemfile` for the bundle every Ruby analyzer reads)."""
