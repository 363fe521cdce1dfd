"""textsafe: control characters, escape sequences and bidi overrides are escaped visibly."""

from __future__ import annotations

import pytest

from migrator.textsafe import block, deep, inline, is_inline_safe

OSC_TITLE = "\x1b]0;pwned\x07"
OSC_52 = "\x1b]52;c;Y3VybCBldmlsLnNoIHwgc2g=\x07"
CSI_CLEAR = "\x1b[2J\x1b[H"
C1_CSI = "\x9b31m"
RLO = "\u202e"


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (f"app{OSC_TITLE}.py", "app\\x1b]0;pwned\\x07.py"),
        (OSC_52, "\\x1b]52;c;Y3VybCBldmlsLnNoIHwgc2g=\\x07"),
        (CSI_CLEAR, "\\x1b[2J\\x1b[H"),
        (C1_CSI, "\\x9b31m"),
        (f"evil{RLO}txt.sh", "evil\\u202etxt.sh"),
        ("a\nb\rc\td", "a\\nb\\rc\\td"),
        ("nul\x00del\x7f", "nul\\x00del\\x7f"),
        ("line\u2028sep\u2029para\x85nel", "line\\u2028sep\\u2029para\\x85nel"),
        ("isolate\u2066x\u2069 mark\u200f", "isolate\\u2066x\\u2069 mark\\u200f"),
    ],
)
def test_inline_escapes_every_control(raw: str, shown: str) -> None:
    assert inline(raw) == shown
    assert is_inline_safe(inline(raw))
    assert "\x1b" not in inline(raw) and "\n" not in inline(raw)


@pytest.mark.parametrize("text", ["manage.py", "Näme with space/日本語.txt", "x = \"q\" 'r' \\n literal", "emoji 👍🏽"])
def test_safe_text_is_returned_unchanged_and_uncopied(text: str) -> None:
    assert inline(text) is text
    assert block(text) is text


def test_block_keeps_line_feeds_and_tabs_only() -> None:
    assert block("set -e\n\tpython manage.py migrate\n") == "set -e\n\tpython manage.py migrate\n"
    assert block(f"a\r\nb{OSC_TITLE}") == "a\\r\nb\\x1b]0;pwned\\x07"
    assert block(f"{RLO}x") == "\\u202ex"


def test_different_inputs_never_render_the_same() -> None:
    # escaping, not dropping: "a\x1bb" and "ab" stay distinguishable
    assert inline("a\x1bb") != inline("ab")


def test_deep_cleans_nested_values_and_keys() -> None:
    value = {"k\x1b": ("a\nb", ["c\x9b"], 3, None)}
    assert deep(value) == {"k\\x1b": ("a\nb", ["c\\x9b"], 3, None)}
    assert deep(value, inline) == {"k\\x1b": ("a\\nb", ["c\\x9b"], 3, None)}


def test_undecodable_bytes_in_a_file_name_are_shown_as_bytes() -> None:
    # os.scandir gives a name that is not UTF-8 with its bytes as lone surrogates (surrogateescape)
    name = b"deploy/backup\xff.cron".decode("utf-8", "surrogateescape")
    assert inline(name) == "deploy/backup\\xff.cron"
    assert inline("a\ud800b") == "a\\ud800b"
    inline(name).encode("utf-8")  # printable on any UTF-8 terminal
