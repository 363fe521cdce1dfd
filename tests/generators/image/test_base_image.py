"""generators/image/base_image.py: one place chooses the base image, for any runtime."""

from __future__ import annotations

from analyzers import base
from analyzers.base import H, Src
from generators.image.base_image import choose, end_of_life
from migrator.planner import plan


def test_version_from_the_runtime_with_its_source() -> None:
    m = plan("a", [base.runtime(Src("python_version", "runtime.txt", 1), language="python", version="3.10.13")])
    chosen = choose(m)
    assert (chosen.image, chosen.version) == ("python:3.10-slim", "3.10")
    assert chosen.reason == "python 3.10: runtime.txt:1 (declared)"


def test_documented_default_when_unknown() -> None:
    chosen = choose(plan("a", []))
    assert chosen.image == "python:3.11-slim"
    assert chosen.reason == "python version unknown: documented default 3.11"


def test_override_wins_and_other_runtimes_are_known() -> None:
    m = plan("a", [base.runtime(Src("x", "x", 1), H, language="python", version="3.12")])
    assert choose(m, "mirror.local/python:3.12-slim").image == "mirror.local/python:3.12-slim"
    node = plan("a", [base.runtime(Src("package_json", "package.json", 3), language="node", version="18")])
    assert choose(node).image == "node:18-slim"
    assert choose(plan("a", [base.runtime(Src("x", "x", 1), language="node")])).image == "node:22-slim"


def test_a_node_line_past_its_end_of_life_is_an_open_question() -> None:
    old = choose(plan("a", [base.runtime(Src("x", ".nvmrc", 1), language="node", version="16")]))
    assert "Node.js 16 reached its end of life on 2023-09-11" in (end_of_life(old) or "")
    assert end_of_life(choose(plan("a", [base.runtime(Src("x", ".nvmrc", 1), language="node", version="22")]))) is None
