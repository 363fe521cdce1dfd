"""``python -m tests.hostile``: the cases as a Markdown table (name, what it exercises, the exit code
each command must give), e.g. for the issue's closing note. Run the suite with
``python -m pytest tests/hostile -q``; its last lines are the table of results."""

from __future__ import annotations

from tests.hostile import cases_content, cases_fs, cases_secrets  # noqa: F401 - they register the cases
from tests.hostile.case import CASES


def table() -> str:
    rows = ["| case | exercises | analyze | generate (dry-run, diff) | --force | pr --dry-run |",
            "|---|---|---|---|---|---|"]
    for c in CASES:
        why = c.why.replace("|", "\\|")
        slow = " (slow)" if c.slow else ""
        rows.append(f"| `{c.name}`{slow} | {why} | {c.expected('analyze')} | {c.expected('generate')} | "
                    f"{c.expected('generate-force')} | {c.expected('pr-dry-run')} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(table(), end="")
