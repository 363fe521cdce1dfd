"""Tests for analyzers/lib/jsonlines.py: where each JSON key sits."""

from __future__ import annotations

from analyzers.lib.jsonlines import key_lines


def test_key_lines_tracks_nesting_arrays_and_escapes():
    text = '{\n "a": {"b": [\n  1, "x",\n  {"c": true}\n ]},\n "d\\"e": null\n}'
    lines = key_lines(text)
    assert lines[("a",)] == 2 and lines[("a", "b")] == 2
    assert lines[("a", "b", 0)] == 3 and lines[("a", "b", 1)] == 3
    assert lines[("a", "b", 2)] == 4 and lines[("a", "b", 2, "c")] == 4
    assert lines[('d"e',)] == 6


def test_key_lines_survives_broken_json():
    assert key_lines('{"a": [1, ') == {("a",): 1, ("a", 0): 1}
    assert key_lines("") == {}
    assert key_lines('"unterminated') == {}
