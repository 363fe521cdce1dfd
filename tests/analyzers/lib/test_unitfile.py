"""The systemd unit-file parser on its own: entries, line numbers, continuations, drop-ins
(analyzers/lib/unitfile.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from analyzers.lib.unitfile import Entry, Unit, parse_unit, read_unit
from migrator.repo import RepoView


def test_entries_keep_section_key_value_and_line() -> None:
    entries, problems = parse_unit([
        "# web unit",
        "[Unit]",
        "Description = The web app ",
        "",
        "[Service]",
        "; old: ExecStart=/bin/old",
        "ExecStart=/srv/app/venv/bin/gunicorn app:app",
        "Environment=A=1 B=2",
    ], "deploy/web.service")
    assert problems == []
    assert entries == [
        Entry("Unit", "Description", "The web app", 3, "deploy/web.service"),
        Entry("Service", "ExecStart", "/srv/app/venv/bin/gunicorn app:app", 7, "deploy/web.service"),
        Entry("Service", "Environment", "A=1 B=2", 8, "deploy/web.service"),
    ]


def test_continuation_is_joined_and_keeps_its_first_line() -> None:
    entries, problems = parse_unit([
        "[Service]",
        "ExecStart=/bin/gunicorn \\",
        "    --workers 3 \\",
        "# a comment inside the value is skipped, as systemd does",
        "; so is this one",
        "    app:app",
        "User=www-data",
    ])
    assert problems == []
    assert [(e.key, e.value, e.line) for e in entries] == [
        ("ExecStart", "/bin/gunicorn --workers 3 app:app", 2), ("User", "www-data", 7)]


def test_continuation_open_at_end_of_file_still_counts() -> None:
    entries, problems = parse_unit(["[Service]", "ExecStart=/bin/a \\", "  --b \\"])
    assert problems == []
    assert [(e.value, e.line) for e in entries] == [("/bin/a --b", 2)]


def test_jinja_lines_are_skipped_and_placeholders_stay_one_word() -> None:
    entries, problems = parse_unit([
        "{% if web %}",
        "[Service]",
        "{# a template comment #}",
        "ExecStart={{ venv }}/bin/gunicorn {{ app_module }}",
        "{% endif %}",
    ])
    assert problems == []
    assert [(e.value, e.line) for e in entries] == [("{{venv}}/bin/gunicorn {{app_module}}", 4)]


def test_bad_lines_are_problems_with_their_line_and_parsing_goes_on() -> None:
    entries, problems = parse_unit([
        "User=early",
        "[Service",
        "[Service]",
        "just some words",
        "9Key=x",
        "Restart=always",
    ])
    assert problems == [
        (1, "User= outside any [Section]; ignored"),
        (2, "section header without ']'; ignored"),
        (4, "not a Key=Value line; ignored"),
        (5, "not a Key=Value line; ignored"),
    ]
    assert [(e.section, e.key, e.value, e.line) for e in entries] == [("Service", "Restart", "always", 6)]


def test_values_reset_on_empty_assignment_and_last_takes_the_first_alias_set() -> None:
    entries, _ = parse_unit([
        "[Service]",
        "ExecStartPre=/bin/a",
        "ExecStartPre=",
        "ExecStartPre=/bin/b",
        "ExecStartPre=/bin/c",
        "MemoryLimit=1G",
        "[Install]",
        "ExecStartPre=/bin/not-service",
    ])
    unit = Unit("web.service", entries)
    assert [(e.value, e.line) for e in unit.values("Service", "ExecStartPre")] == [("/bin/b", 4), ("/bin/c", 5)]
    found = unit.last("Service", "MemoryMax", "MemoryLimit")
    assert found is not None and (found.key, found.line) == ("MemoryLimit", 6)
    assert unit.last("Service", "User") is None


def test_unit_name_drops_template_suffix() -> None:
    unit = Unit("deploy/systemd/cleanup.timer.j2")
    assert (unit.name, unit.stem, unit.type) == ("cleanup.timer", "cleanup", "timer")


def test_read_unit_applies_drop_ins_in_name_order(tree: Callable[[dict[str, str | bytes]], Path]) -> None:
    repo = RepoView(tree({
        "deploy/web.service": "[Service]\nExecStart=/bin/web\nUser=app\n",
        "deploy/web.service.d/20-user.conf": "[Service]\nUser=www-data\n",
        "deploy/web.service.d/10-limits.conf.j2": "[Service]\nMemoryMax=512M\nnonsense\n",
        "deploy/web.service.d/notes.txt": "[Service]\nUser=ignored\n",
        "other/web.service.d/override.conf": "[Service]\nUser=elsewhere\n",
    }))
    unit, problems = read_unit(repo, "deploy/web.service")
    assert problems == [("deploy/web.service.d/10-limits.conf.j2", 3, "not a Key=Value line; ignored")]
    assert [(e.key, e.value, e.file, e.line) for e in unit.entries] == [
        ("ExecStart", "/bin/web", "deploy/web.service", 2),
        ("User", "app", "deploy/web.service", 3),
        ("MemoryMax", "512M", "deploy/web.service.d/10-limits.conf.j2", 2),
        ("User", "www-data", "deploy/web.service.d/20-user.conf", 2),
    ]
    user = unit.last("Service", "User")
    assert user is not None and (user.value, user.file) == ("www-data", "deploy/web.service.d/20-user.conf")


def test_read_unit_survives_an_unreadable_file(tree: Callable[[dict[str, str | bytes]], Path]) -> None:
    repo = RepoView(tree({"binary.service": b"\x00\x01\x02\xff"}))
    unit, problems = read_unit(repo, "binary.service")
    assert (unit.entries, problems) == ([], [])
