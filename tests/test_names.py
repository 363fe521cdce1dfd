"""names: every name derived from a path or an app name is valid whatever the input, and collisions
after sanitising are disambiguated deterministically and reported."""

from __future__ import annotations

import pytest

from migrator import names

HOSTILE = [
    "owner+name", "My App", "Owner+Näme with space", "UPPER", "日本語", "2024.backup", ".hidden", "..",
    "-lead-dash", "a" * 300, "", "+++", "x\x1b]0;t\x07y", "tab\tand\nnewline", "über_ça", "9",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_dns_label_is_valid_for_any_input(text: str) -> None:
    label = names.dns_label(text)
    assert names.is_dns_label(label), label
    assert label[0].isalpha()  # DNS-1035: Services need a leading letter
    assert names.dns_label(text) == label  # deterministic


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("owner+name", "owner-name"),
        ("Owner+Näme with space", "owner-name-with-space"),
        ("UPPER", "upper"),
        ("2024.backup", "a-2024-backup"),
        (".hidden", "hidden"),
        ("日本語", "app"),
        ("", "app"),
        ("worker_1", "worker-1"),
    ],
)
def test_dns_label_values(text: str, label: str) -> None:
    assert names.dns_label(text) == label


def test_dns_label_respects_the_limit_and_fallback() -> None:
    assert len(names.dns_label("a" * 300)) == 63
    assert names.dns_label("a" * 300, limit=20) == "a" * 20
    assert names.dns_label("ab-" + "c" * 30, limit=3) == "ab"  # never ends with a dash
    assert names.dns_label("+++", "process", 20) == "process"
    assert names.dns_label("1", "job") == "j-1"


@pytest.mark.parametrize("text", HOSTILE)
def test_docker_names_are_accepted_by_the_engine_rules(text: str) -> None:
    repo = names.image_repository(text, "migrate-verify")
    assert names.is_image_repository(repo), repo
    assert names.is_image_reference(f"{repo}:{names.image_tag('abc123')}")
    container = names.docker_name("migrate-verify-1a2b", text)
    assert container[0].isalnum() and all(c.isalnum() or c in "_.-" for c in container), container
    host = names.hostname(container)
    assert names.is_dns_label(host), host


def test_image_tag() -> None:
    assert names.image_tag("v1.2.3") == "v1.2.3"
    assert names.image_tag(".x+y") == "x-y"
    assert names.is_image_tag(names.image_tag("t" * 300))
    assert names.image_tag("") == "untagged"


@pytest.mark.parametrize(
    ("ref", "ok"),
    [
        ("python:3.11-slim", True),
        ("registry.example.com:5000/team/app:1.0", True),
        ("localhost:5000/app", True),
        ("ghcr.io/org/app@sha256:" + "a" * 64, True),
        ("app", True),
        ("App", False),
        ("owner+name", False),
        ("app:", False),
        ("app:latest tag", False),
        ("-app", False),
        ("", False),
    ],
)
def test_image_reference(ref: str, ok: bool) -> None:
    assert names.is_image_reference(ref) is ok


def test_registry_and_cluster_names() -> None:
    assert names.is_registry("registry.example.com/team")
    assert names.is_registry("localhost:5000")
    assert not names.is_registry("https://registry.example.com")
    assert names.is_kind_cluster_name("migrate-verify")
    assert not names.is_kind_cluster_name("My_Cluster")
    assert not names.is_kind_cluster_name("a" * 51)


def test_disambiguate_keeps_every_key_and_prefers_the_exact_spelling() -> None:
    keys = ["Worker-1", "worker-1", "worker_1"]
    out, renamed = names.disambiguate([(k, names.dns_label(k)) for k in keys], 20)
    assert out == {"worker-1": "worker-1", "Worker-1": "worker-1-2", "worker_1": "worker-1-3"}
    assert {(r.key, r.name, r.holder) for r in renamed} == {
        ("Worker-1", "worker-1-2", "worker-1"), ("worker_1", "worker-1-3", "worker-1")}


def test_disambiguate_never_takes_a_name_another_key_wants() -> None:
    wanted = [("a_1", "a-1"), ("a-1", "a-1"), ("a-1-2", "a-1-2")]
    out, renamed = names.disambiguate(wanted)
    assert out == {"a-1": "a-1", "a_1": "a-1-3", "a-1-2": "a-1-2"}
    assert len(renamed) == 1


def test_disambiguate_fits_the_limit_and_scales() -> None:
    wanted = [(f"key{i}", "x" * 20) for i in range(401)]
    out, renamed = names.disambiguate(wanted, 20)
    assert len(set(out.values())) == 401
    assert all(len(v) <= 20 for v in out.values())
    assert len(renamed) == 400


def test_describe_names_both_sources() -> None:
    _, renamed = names.disambiguate([("worker-1", "worker-1"), ("worker_1", "worker-1")])
    (line,) = names.describe(renamed, "process", {"worker-1": "Procfile:2", "worker_1": "Procfile:3"})
    assert "'worker_1' (Procfile:3)" in line and "'worker-1' (Procfile:2)" in line and "'worker-1-2'" in line


def test_with_suffix_shortens_the_name_not_the_suffix() -> None:
    assert names.with_suffix("nightly", "-manual-abc") == "nightly-manual-abc"
    assert names.with_suffix("a" * 60 + "-b", "-manual-12345678") == "a" * 47 + "-manual-12345678"
    assert len(names.with_suffix("x" * 100, "-s", 20)) == 20
