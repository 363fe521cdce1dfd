"""The JSON report's contract, checked against two schemas.

``migrator/schema/report-v1.schema.json`` is the current one: it may gain keys (v1 is additive).
``tests/data/report-v1.2025-frozen.schema.json`` is a copy of v1 as it was before the runtime
providers (issue 11) and never changes: a report that fails it has broken the v1 contract for the
tools that already consume it (a key renamed or removed, a type changed). A schema change that needs a
new frozen copy is a ``schema_version`` bump, not an edit of this file.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

ROOT = Path(__file__).resolve().parent.parent
CURRENT = ROOT / "migrator" / "schema" / "report-v1.schema.json"
FROZEN = ROOT / "tests" / "data" / "report-v1.2025-frozen.schema.json"


@cache
def _validator(path: Path) -> Any:
    schema = json.loads(path.read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate_report(doc: dict[str, Any]) -> None:
    """Raise :class:`jsonschema.ValidationError` unless ``doc`` satisfies both the current and the
    frozen v1 schema."""
    for path in (CURRENT, FROZEN):
        error = jsonschema.exceptions.best_match(_validator(path).iter_errors(doc))
        if error is not None:
            raise jsonschema.ValidationError(f"{path.name}: {error.message} at {list(error.absolute_path)}")
