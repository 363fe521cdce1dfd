"""generators/k8s/yamlemit.py writes exactly what ruamel writes: on every fixture's manifests, and on
generated documents full of strings that need quoting, comments and nesting."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from ruamel.yaml.comments import CommentedMap

from generators.k8s import yamlemit, yamlout
from generators.k8s.yamlout import cmap, cseq, note, note_before
from migrator import config
from migrator.generate import generate_from_model
from migrator.planner import analyze
from tests.conftest import fixture_dirs, fixture_path

FIXTURE_NAMES = [p.name for p in fixture_dirs()]


def ruamel(doc: Any) -> str:
    out = io.StringIO()
    yamlout.ruamel_dump(out, doc)
    return out.getvalue()


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_every_fixture_manifest_is_written_as_ruamel_writes_it(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Any] = []

    def recording(doc: Any) -> str | None:
        seen.append(doc)
        return yamlemit.emit(doc)

    monkeypatch.setattr(yamlout, "emit", recording)
    root = fixture_path(name)
    generate_from_model(analyze(root, overrides=config.load_overrides(root)), config.load_settings(root))
    assert seen
    for doc in seen:
        fast = yamlemit.emit(doc)
        assert fast is not None, "a generated manifest fell back to ruamel"
        assert fast == ruamel(doc)


@pytest.mark.parametrize("value", [
    "plain", "a b", "0.0.0.0:8000", "8000", "1.5", "true", "yes", "null", "~", "", " lead", "trail ", "a: b",
    "a #b", "#x", "-x", "- x", "?x", ":x", "x:", "'quoted'", '"dq"', "it's", "%x", "@x", "`x", "!x", "&x", "*x",
    "|x", ">x", "[x]", "{x}", "a,b", "2024-01-01", "1e3", "0x1f", "0o17", ".inf", ".nan", "<<", "=", "é", "日本",
    "tab\there", "nl\nhere", "cr\rhere", "nel\x85here", "ls\u2028here", "bom\ufeff", "\\x1b]0;t\\x07",
    "0 3 * * *", "*/5 * * * *", "a\u00a0b", "x" * 1200,
])
def test_scalars(value: str) -> None:
    doc = cmap(key=value, seq=cseq(value, "other"))
    fast = yamlemit.emit(doc)
    assert fast is None or fast == ruamel(doc)


def test_comments_and_shapes() -> None:
    meta = cmap(name="shop-web", namespace="shop")
    note(meta, "name", "renamed: x")
    note_before(meta, "name", "legacy: web.service", indent=2)
    body = cmap(replicas=2, empty_map={}, empty_seq=cseq(), flag=True, off=False, negative=-1,
                items=cseq(cmap(name="a", value="1"), cmap(name="b", valueFrom=cmap(ref=cmap(key="K")))),
                nested=cmap(deeper=cmap(deepest="v")))
    note(body, "replicas", "from the legacy hosts")
    note(body, "items", "a comment on a sequence")
    note(body["items"][0], "value", "in an item")
    note(body, "nested", "on a mapping")
    doc = cmap(apiVersion="v1", kind="Thing", metadata=meta, spec=body)
    assert yamlemit.emit(doc) == ruamel(doc)


def test_what_it_does_not_write_falls_back_to_ruamel() -> None:
    shared = cmap(a="b")
    assert yamlemit.emit(cmap(x=shared, y=shared)) is None  # ruamel writes an anchor and an alias
    assert yamlemit.emit(cmap(x=1.5)) is None
    assert yamlemit.emit(cmap(x="word " * 300)) is None  # ruamel may fold it at the line width
    assert yamlemit.emit(cmap(x=cseq(cseq("a")))) is None
    before_item = cmap(name="a")
    note_before(before_item, "name", "x", indent=4)
    assert yamlemit.emit(cmap(x=cseq(before_item))) is None
    flow = cmap(a="b")
    flow.fa.set_flow_style()
    assert yamlemit.emit(cmap(x=flow)) is None
    anchored = cmap(a="b")
    anchored.yaml_set_anchor("here", always_dump=True)
    assert yamlemit.emit(cmap(x=anchored)) is None
    for doc in (cmap(x=flow), cmap(x=anchored)):
        assert yamlout.dump(doc) == ruamel(doc)
    assert yamlout.dump(cmap(x="word " * 300)) == ruamel(cmap(x="word " * 300))
    assert yamlemit.emit(cmap(x="line one\nline two")) == 'x: "line one\\nline two"\n'  # ruamel's one line


_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
_scalar = st.one_of(_text, st.integers(-10**12, 10**12), st.booleans(),
                    st.sampled_from(["0 3 * * *", "8000", "true", "a: b", "x #y", "'q'", "-", "null", "1.0"]))
_key = st.from_regex(r"[a-z][a-zA-Z0-9_./-]{0,20}", fullmatch=True)


def _build(draw: Any, depth: int) -> CommentedMap:
    keys = draw(st.lists(_key, min_size=1, max_size=5, unique=True))
    out = CommentedMap()
    for key in keys:
        kind = draw(st.integers(0, 3 if depth < 3 else 0))
        if kind == 0:
            out[key] = draw(_scalar)
        elif kind == 1:
            out[key] = _build(draw, depth + 1)
        elif kind == 2:
            out[key] = cseq(*draw(st.lists(_scalar, max_size=4)))
        else:
            out[key] = cseq(*(_build(draw, depth + 1) for _ in range(draw(st.integers(1, 2)))))
        if draw(st.booleans()):
            note(out, key, draw(_text.filter(lambda t: t.strip() and "\n" not in t and "\r" not in t)))
    return out


@st.composite
def documents(draw: Any) -> CommentedMap:
    return _build(draw, 0)


@given(documents())
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(cmap(a="x", b=cseq(cmap(c=cmap(d="æ\x85Ð1")))))  # a NEL inside a nested value
def test_generated_documents(doc: CommentedMap) -> None:
    fast = yamlemit.emit(doc)
    if fast is not None:
        assert fast == ruamel(doc)


def test_the_fast_path_is_the_common_path(tmp_path: Path) -> None:
    """A CronJob as the generators build it never needs ruamel (that was 4 ms each)."""
    from generators.k8s import kubernetes
    from tests.generators.models import spec

    s = spec()
    assert s.schedules
    assert yamlemit.emit(kubernetes.cron_job(s, s.schedules[0])) is not None
