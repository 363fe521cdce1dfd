"""Documents for people: MIGRATION.md."""
