"""Renderings of the AppModel: JSON (a versioned contract), text (a terminal), Markdown (a PR body).

The JSON layout is documented by ``migrator/schema/report-v1.schema.json``; keys may be added, never
renamed or removed, without bumping ``schema_version``.

Text and Markdown pass every piece of repository text through :func:`migrator.textsafe.inline`: a file
name or value never carries a control character or escape sequence to the terminal, and never splits
a report line (the planner already escaped them once in the model; this keeps each rendering safe on
its own). JSON escapes control characters itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from migrator import __version__
from migrator.model import AppModel, Fact, Kind, RuntimeEntry, Source, Subject
from migrator.textsafe import inline, md_cell, md_code

SCHEMA_VERSION = 1

# The contract's fields per section, in order; extra fields a subject has follow them.
SECTION_FIELDS: dict[Kind, tuple[str, ...]] = {
    Kind.PROCESS: ("name", "role", "command", "port", "replicas", "user", "memory_limit", "cpu_limit"),
    Kind.ENV: ("name", "secret", "default"),
    Kind.SYSTEM_PACKAGE: ("name",),
    Kind.RELEASE_STEP: ("command",),
    Kind.BUILD_STEP: ("command",),
    Kind.HOST_STEP: ("command", "reason"),
    Kind.UNCLASSIFIED: ("command", "reason"),
    Kind.SCHEDULE: ("name", "schedule", "command"),
    Kind.SERVICE: ("kind",),
    Kind.HEALTH_CHECK: ("path", "port"),
    Kind.INGRESS: ("host", "path"),
    Kind.VOLUME: ("path",),
}
# The field that holds the subject's key, where the key is not a field of its own.
_KEY_FIELD = {Kind.PROCESS: "name", Kind.ENV: "name", Kind.SYSTEM_PACKAGE: "name", Kind.SCHEDULE: "name"}
RUNTIME_FIELDS = ("language", "version", "package_manager", "framework")
_TITLES = {
    Kind.RUNTIME: "Runtime",
    Kind.PROCESS: "Processes",
    Kind.ENV: "Environment variables",
    Kind.SYSTEM_PACKAGE: "System packages",
    Kind.RELEASE_STEP: "Release steps (once per deploy)",
    Kind.BUILD_STEP: "Build steps (at image build)",
    Kind.HOST_STEP: "Legacy host steps replaced by the container build",
    Kind.UNCLASSIFIED: "Unclassified deploy commands: review each one",
    Kind.SCHEDULE: "Schedules",
    Kind.SERVICE: "Backing services",
    Kind.HEALTH_CHECK: "Health checks",
    Kind.INGRESS: "Ingress",
    Kind.VOLUME: "Volumes",
}


def _jsonable(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def subject_fields(kind: Kind, subject: Subject) -> dict[str, Any]:
    """The subject as a flat dict: the contract's fields first (None when unknown), then the rest."""
    out: dict[str, Any] = {}
    key_field = _KEY_FIELD.get(kind)
    for name in SECTION_FIELDS.get(kind, RUNTIME_FIELDS):
        out[name] = subject.key if name == key_field else _jsonable(subject.get(name))
    for name, fact in sorted(subject.facts.items()):
        if name not in out:
            out[name] = _jsonable(fact.value)
    if kind is Kind.INGRESS and out.get("path") is None:
        out["path"] = "/"
    return out


def _evidence(subject: Subject) -> dict[str, Any]:
    return {
        name: {
            "reason": fact.reason,
            "conflict": fact.conflict,
            "candidates": [{"value": _jsonable(c.value), **c.source.to_json()} for c in fact.candidates],
        }
        for name, fact in sorted(subject.facts.items())
    }


def to_dict(model: AppModel, *, explain: bool = False) -> dict[str, Any]:
    """The JSON report (schema_version 1) as plain data."""

    def entry(kind: Kind, subject: Subject) -> dict[str, Any]:
        data = subject_fields(kind, subject)
        data["sources"] = [s.to_json() for s in subject.sources]
        if explain:
            data["evidence"] = _evidence(subject)
        return data

    doc: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "migrate", "version": __version__},
        "app": {"name": model.root_name},
        "runtime": entry(Kind.RUNTIME, model.runtime),
        "runtimes": [_runtime_entry(r, explain) for r in model.runtimes],
    }
    for kind in SECTION_FIELDS:
        doc[kind.value] = [entry(kind, s) for s in model.of(kind)]
    doc["secrets_found"] = [s.to_json() for s in model.secrets_found]
    doc["warnings"] = [w.to_json() for w in model.warnings]
    doc["conflicts"] = [
        {
            "section": c.kind.value,
            "key": c.key,
            "field": c.field,
            "message": c.describe(),
            "candidates": [{"value": _jsonable(x.value), **x.source.to_json()} for x in c.candidates],
        }
        for c in model.conflicts
    ]
    doc["files_read"] = list(model.files_read)
    doc["analyzers"] = list(model.analyzers)
    return doc


def _runtime_entry(r: RuntimeEntry, explain: bool) -> dict[str, Any]:
    """One language's runtime in the JSON report (``runtimes[]``, additive to v1)."""
    data: dict[str, Any] = {"language": r.language, "role": r.role.value, "supported": r.supported,
                            "provider": r.language if r.supported else None}
    data.update({f: _jsonable(r.subject.get(f)) for f in RUNTIME_FIELDS if f != "language"})
    data |= {"processes": list(r.processes), "reason": r.reason, "sources": [s.to_json() for s in r.subject.sources]}
    if explain:
        data["evidence"] = _evidence(r.subject)
    return data


def _runtime_rows(model: AppModel) -> list[list[str]]:
    """The runtimes table, shown only when there is more than one language (one is the Runtime section)."""
    if len(model.runtimes) < 2:
        return []
    return [[r.language, r.role.value, "yes" if r.supported else "no", _fmt(r.subject.get("version")),
             _fmt(", ".join(r.processes) or None), r.reason] for r in model.runtimes]


_RUNTIME_HEAD = ["language", "role", "supported", "version", "processes", "why"]


def render_json(model: AppModel, *, explain: bool = False) -> str:
    return json.dumps(to_dict(model, explain=explain), indent=2, sort_keys=False) + "\n"


# -- text -----------------------------------------------------------------------------------------

Style = Callable[..., str]


def _plain(text: str, **_: Any) -> str:
    return text


def _fmt(value: Any) -> str:
    """A value on one line, safe to print."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(_fmt(v) for v in value)
    return inline(str(value))


def _table(rows: list[list[str]], indent: str = "  ") -> list[str]:
    if not rows:
        return []
    rows = [[inline(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [indent + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]


def _explain_lines(subject: Subject, style: Style, indent: str = "      ") -> list[str]:
    lines = []
    for name, fact in sorted(subject.facts.items()):
        mark = style(" CONFLICT", fg="red", bold=True) if fact.conflict else ""
        lines.append(f"{indent}{name} = {_fmt(fact.value)}{mark}   [{inline(fact.reason)}]")
        for i, cand in enumerate(fact.candidates):
            tag = "*" if i == 0 else " "
            s = cand.source
            lines.append(inline(f"{indent}  {tag} {_fmt(cand.value)!s:<30} {s.where()}  ({s.analyzer}, "
                                f"{s.confidence.label})"))
    return lines


def render_text(model: AppModel, *, explain: bool = False, color: bool = False) -> str:
    """A report for a person at a terminal."""
    import click  # the CLI's dependency; only needed for colour

    style: Style = click.style if color else _plain
    out: list[str] = [style(f"migrate analyze: {inline(model.root_name)}", bold=True), ""]

    def header(title: str, count: int | None = None) -> None:
        suffix = f" ({count})" if count is not None else ""
        out.append(style(title + suffix, fg="cyan", bold=True))

    rt = model.runtime
    header("Runtime")
    rows = [[f, _fmt(rt.get(f)), rt.facts[f].source.where() if f in rt.facts else "not found"] for f in RUNTIME_FIELDS]
    extra = sorted(set(rt.facts) - set(RUNTIME_FIELDS))
    rows += [[f, _fmt(rt.get(f)), rt.facts[f].source.where()] for f in extra]
    out += _table(rows)
    if explain:
        out += _explain_lines(rt, style, "    ")
    out.append("")
    if rows := _runtime_rows(model):
        header("Runtimes", len(rows))
        out += _table([_RUNTIME_HEAD, *rows])
        out.append("")

    for kind, fields in SECTION_FIELDS.items():
        subjects = model.of(kind)
        if not subjects:
            continue
        header(_TITLES[kind], len(subjects))
        rows = []
        for s in subjects:
            data = subject_fields(kind, s)
            cells = [_fmt(data[f]) for f in fields]
            rows.append([*cells, ", ".join(_places(s.sources, 3))])
        out += _table([[*fields, "evidence"], *rows])
        if kind is Kind.PROCESS:
            for s in subjects:
                out += _process_why(s)
        if explain:
            for s in subjects:
                out.append(f"    {inline(s.key)}:")
                out += _explain_lines(s, style)
        out.append("")

    if model.conflicts:
        header("Conflicts (sources disagree; the winner is used, review it)", len(model.conflicts))
        out += [style("  ! ", fg="yellow") + inline(c.describe()) for c in model.conflicts]
        out.append("")
    if model.secrets_found:
        header(
            "Hard-coded secrets (values never shown: rotate them and move them to a Secret)", len(model.secrets_found)
        )
        out += _table([[f"{s.file}:{s.line}" if s.line else s.file, s.name, s.kind] for s in model.secrets_found])
        out.append("")
    if model.warnings:
        header("Warnings", len(model.warnings))
        for w in model.warnings:
            where = f"{w.file}:{w.line}: " if w.file and w.line else (f"{w.file}: " if w.file else "")
            out.append(style("  ~ ", fg="yellow") + inline(where + w.message))
        out.append("")
    header("Files read", len(model.files_read))
    out += [f"  {inline(f)}" for f in model.files_read] or ["  (none: nothing this tool understands was found)"]
    out.append("")
    return "\n".join(out)


def _process_why(p: Subject) -> list[str]:
    """One line per process saying why its command and port won (what a reviewer asks first)."""
    lines = []
    for name in ("command", "port"):
        fact: Fact | None = p.facts.get(name)
        if fact is not None:
            lines.append(inline(f"    {p.key}.{name}: {fact.reason}"))
    return lines


# -- markdown -------------------------------------------------------------------------------------


def _md(value: Any) -> str:
    text = md_cell(_fmt(value))
    return md_code(text) if value not in (None, "") and not isinstance(value, bool) else text


def _md_table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> list[str]:
    head = list(header)
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return lines


def render_markdown(model: AppModel, *, explain: bool = False, heading_level: int = 2) -> str:
    """A Markdown report, embeddable in a pull-request body."""
    h = "#" * heading_level
    out = [f"{h} What `migrate` found in {md_code(model.root_name)}", ""]
    rt = model.runtime
    out += _md_table(
        ["fact", "value", "evidence"],
        [
            [
                f,
                _md(rt.get(f)),
                ", ".join(md_code(md_cell(c.source.where())) for c in rt.facts[f].candidates[:3])
                if f in rt.facts
                else "not found",
            ]
            for f in (*RUNTIME_FIELDS, *sorted(set(rt.facts) - set(RUNTIME_FIELDS)))
        ],
    )
    out.append("")
    if rows := _runtime_rows(model):
        out += [f"{h}# Runtimes", ""]
        out += _md_table(_RUNTIME_HEAD, [[md_cell(inline(c)) for c in row] for row in rows])
        out.append("")
    for kind, fields in SECTION_FIELDS.items():
        subjects = model.of(kind)
        if not subjects:
            continue
        out += [f"{h}# {_TITLES[kind]}", ""]
        rows = []
        for s in subjects:
            data = subject_fields(kind, s)
            evidence = ", ".join(md_code(md_cell(x)) for x in _places(s.sources, 4))
            rows.append([*(_md(data[f]) for f in fields), evidence])
        out += _md_table([*fields, "evidence"], rows)
        out.append("")
        if explain:
            out += ["<details><summary>Why these values</summary>", "", "```"]
            for s in subjects:
                out.append(f"{inline(s.key)}:")
                # inside a fence: a backtick run in a value must not close it
                out += [line.replace("`", "'") for line in _explain_lines(s, _plain, "  ")]
            out += ["```", "", "</details>", ""]
    if model.conflicts:
        out += [f"{h}# Conflicts", ""] + [f"- {inline(c.describe())}" for c in model.conflicts] + [""]
    if model.secrets_found:
        out += [f"{h}# Hard-coded secrets", "", "Values are never shown. Rotate each one and move it to a Secret.", ""]
        out += _md_table(
            ["where", "name", "kind"],
            [[md_code(md_cell(f"{s.file}:{s.line}")), md_code(md_cell(s.name)), s.kind] for s in model.secrets_found],
        )
        out.append("")
    if model.warnings:
        out += [f"{h}# Warnings", ""]
        out += [
            f"- {md_code(w.file + (':' + str(w.line) if w.line else '')) + ': ' if w.file else ''}{inline(w.message)}"
            for w in model.warnings
        ]
        out.append("")
    out += [f"<details><summary>Files read ({len(model.files_read)})</summary>", ""]
    out += [f"- {md_code(f)}" for f in model.files_read] + ["", "</details>", ""]
    return "\n".join(out)


def render(model: AppModel, fmt: str, *, explain: bool = False, color: bool = False) -> str:
    if fmt == "json":
        return render_json(model, explain=explain)
    if fmt == "markdown":
        return render_markdown(model, explain=explain)
    return render_text(model, explain=explain, color=color)


def _places(sources: tuple[Source, ...], limit: int) -> list[str]:
    """The first ``limit`` distinct file:line places of ``sources`` (a read and its default at one line are
    two sources but one place)."""
    out: list[str] = []
    for src in sources:
        where = src.where()
        if where not in out:
            out.append(where)
        if len(out) == limit:
            break
    return out
