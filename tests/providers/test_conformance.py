"""The provider conformance suite: what every runtime provider in ``registry.PROVIDERS`` must pass.

Tests are parametrized over the registered providers and over the fixtures by runtime
(``tests/providers/runtimes.py`` is the one table saying which runtime each fixture is an app of), so a
provider is checked the moment it is added to ``PROVIDERS``. Ids are ``<runtime>-<fixture>``
(``python-flask-gunicorn``) or ``<provider>`` for the structural checks.

1. Structure: the provider module has every member of :class:`~analyzers.providers.protocol.Provider`
   with the right types and method signatures; its ANALYZERS are keyed by Tier and every analyzer NAME
   is unique across the registry; SERVERS keys are their ServerSpec names; every ServerSpec example
   classifies (``P.classify(parse_command(example))``) to its (name, port), and no other provider
   claims it; the (kind, order) of step rules is unique across the generic, provider and marker rules
   (rules are tried by that key, so a tie would make "first match wins" depend on list order).
2. Detection: ``P.detect`` finds every fixture of P's runtime and ``analyze(fixture).primary.language``
   is ``P.NAME``; for a fixture of another runtime P is never primary (it may still be detected, as
   assets, tooling or evidence).
3. Outputs: every fixture's manifests (production overlay, resolved by ``kubectl kustomize``, plus the
   Secret template) validate strictly against the Kubernetes schemas, and its JSON report against the
   current and the frozen v1 schema. A fixture whose runtime has a provider gets a Dockerfile that
   passes hadolint with the repo's ``.hadolint.yaml``.
4. No foreign tokens (``RUNTIME_TOKENS``): in a Dockerfile generated for a fixture of runtime R,
   - the final stage (from the last ``FROM`` to the end) and anything before the first ``FROM``
     contain no token of any other runtime;
   - an earlier (build) stage may contain tokens of another runtime S only when S is one of R's build
     tools (``BUILD_TOOL_RUNTIMES``: node-gyp needs Python to build native modules) or the analysis
     gives S the ASSETS role (its build runs in a stage of the primary's image, e.g. webpack for Django).
   A token matches case-sensitively where it is not preceded by a letter, digit or underscore (so
   ``pnpm install`` is not ``npm ``); comments count (a comment citing another runtime's files means
   the plan mixed runtimes).

Nothing is skipped. A fixture whose runtime has no registered provider (today: rust) is checked
for the documented current behaviour instead: its primary runtime is that language, known only from its
marker files (``supported`` False), ``generate`` writes no Dockerfile, and says "<runtime> is not
supported yet" (the generate problem and MIGRATION.md). ``tests/conftest.py``'s NO_IMAGE must be
exactly those fixtures. When a provider is added to ``registry.PROVIDERS``, the consistency test fails
until its fixtures leave NO_IMAGE; from then on the same parametrized tests run the real detection,
hadolint and foreign-token checks on them, with no edit to this file (as they do for node).
"""

from __future__ import annotations

import inspect
import re
from collections import Counter
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any, get_type_hints

import pytest

from analyzers import registry
from analyzers.commands import parse_command
from analyzers.deploy import generic_steps
from analyzers.providers.protocol import Detection, Provider, PrunedDirs, ServerSpec, StepRule, Tier
from generators.output import OutputFile
from migrator.generate import generate_checked
from migrator.model import AppModel, RuntimeRole
from migrator.planner import analyze
from migrator.repo import RepoView
from migrator.report import to_dict
from migrator.writer import write
from tests.conftest import NO_IMAGE, fixture_path
from tests.generators.image.test_dockerfile import hadolint
from tests.generators.k8s_helpers import docs, validate
from tests.providers.runtimes import BUILD_TOOL_RUNTIMES, FIXTURE_RUNTIMES, RUNTIME_TOKENS, fixture_names
from tests.report_schemas import validate_report
from tests.test_generate_fixtures import kustomize

DOCKERFILE = "deploy/image/Dockerfile"
NAMES = fixture_names()
PROVIDER_IDS = [p.NAME for p in registry.PROVIDERS]
PAIRS = [(p, name) for p in registry.PROVIDERS for name in NAMES]
PAIR_IDS = [f"{p.NAME}-{name}" for p, name in PAIRS]
FIXTURE_IDS = [f"{FIXTURE_RUNTIMES.get(name, 'unknown')}-{name}" for name in NAMES]


@cache
def analysis(name: str) -> AppModel:
    return analyze(fixture_path(name))


@cache
def generated(name: str) -> tuple[tuple[OutputFile, ...], str | None]:
    files, problem = generate_checked(fixture_path(name))
    return tuple(files), problem


@cache
def detection(provider: str, name: str) -> Detection | None:
    pruned = registry.pruned()  # the walk the planner does
    repo = RepoView(fixture_path(name), prune=pruned.names, prune_paths=pruned.paths)
    p = registry.provider(provider)
    assert p is not None
    return p.detect(repo)


def file_text(name: str, path: str) -> str | None:
    return next((f.content for f in generated(name)[0] if f.path == path), None)


# -- the foreign-token rule -------------------------------------------------------------------------------


def _token_pattern(token: str) -> re.Pattern[str]:
    return re.compile(r"(?<![A-Za-z0-9_])" + re.escape(token))


def stages(dockerfile: str) -> list[list[tuple[int, str]]]:
    """The Dockerfile's lines (1-based number, text) by stage: [preamble, stage 1, ..., final stage]."""
    out: list[list[tuple[int, str]]] = [[]]
    for number, line in enumerate(dockerfile.splitlines(), 1):
        if re.match(r"\s*FROM\s", line, re.IGNORECASE):
            out.append([])
        out[-1].append((number, line))
    return out


def foreign_tokens(dockerfile: str, runtime: str, build_stage_ok: frozenset[str] = frozenset()
                   ) -> list[tuple[int, str, str]]:
    """(line, token, its runtime) for every token of another runtime the rule in the module docstring
    forbids; ``build_stage_ok``: the other runtimes allowed in build stages."""
    parts = stages(dockerfile)
    strict = [*parts[0], *parts[-1]] if len(parts) > 1 else parts[0]
    build = [line for part in parts[1:-1] for line in part]
    found = []
    for other, tokens in RUNTIME_TOKENS.items():
        if other == runtime:
            continue
        lines = strict if other in build_stage_ok else [*strict, *build]
        for token in tokens:
            pattern = _token_pattern(token)
            found += [(number, token, other) for number, text in lines if pattern.search(text)]
    return sorted(found)


def test_foreign_token_rule_catches_what_it_must_and_allows_build_tools() -> None:
    node_image = "\n".join([
        "# header",
        "FROM node:20-slim AS build",
        "RUN apt-get install -y python3 && export PYTHON=/usr/bin/python3",
        "RUN npm ci",
        "",
        "# ---- runtime stage ----",
        "FROM node:20-slim",
        "ENV NODE_ENV=production",
        'CMD ["node", "server.js"]',
    ])
    assert foreign_tokens(node_image, "node", BUILD_TOOL_RUNTIMES["node"]) == []
    assert foreign_tokens(node_image, "node") == [(3, "PYTHON", "python")]  # without the build-tool allowance
    leaked = node_image.replace('CMD ["node"', 'ENV PYTHONUNBUFFERED=1\nCMD ["node"')
    assert foreign_tokens(leaked, "node", BUILD_TOOL_RUNTIMES["node"]) == [(9, "PYTHON", "python")]
    python_image = "FROM python:3.12-slim\nRUN python -m venv /opt/venv\nCOPY node_modules ./node_modules\n"
    assert foreign_tokens(python_image, "python") == [(3, "node_modules", "node")]
    assert foreign_tokens("FROM x\nRUN pnpm install\n", "python") == [(2, "pnpm", "node")]  # pnpm: not `npm `
    assert foreign_tokens("# from yarn.lock\nFROM x\nFROM y\n", "python") == [(1, "yarn", "node")]


# -- the table -------------------------------------------------------------------------------------------


def test_every_fixture_has_a_runtime_and_no_image_is_exactly_the_unprovided_ones() -> None:
    assert NAMES and sorted(FIXTURE_RUNTIMES) == NAMES
    known = {p.NAME for p in registry.PROVIDERS} | {m.language for m in registry.MARKERS}
    assert set(FIXTURE_RUNTIMES.values()) <= known, "a fixtures/<group>/ that is no runtime migrate knows"
    unprovided = {name for name in NAMES if registry.provider(FIXTURE_RUNTIMES[name]) is None}
    # a provider landing without its fixtures leaving NO_IMAGE (or the reverse) fails here
    assert set(NO_IMAGE) == unprovided
    assert set(RUNTIME_TOKENS) >= set(PROVIDER_IDS), "every provider needs its tokens in RUNTIME_TOKENS"
    for p in registry.PROVIDERS:
        assert p.NAME in FIXTURE_RUNTIMES.values(), f"provider {p.NAME} has no fixture to be checked on"


# -- 1. structure ----------------------------------------------------------------------------------------


def _protocol_members() -> tuple[dict[str, Any], dict[str, inspect.Signature]]:
    attrs = get_type_hints(Provider)
    methods = {name: inspect.signature(fn) for name, fn in vars(Provider).items()
               if inspect.isfunction(fn) and not name.startswith("_")}
    return attrs, methods


def test_protocol_members_are_what_this_suite_checks() -> None:
    # a member added to the Protocol must be added to test_provider_satisfies_the_protocol as well
    attrs, methods = _protocol_members()
    assert set(attrs) == {"NAME", "HEROKU_BUILDPACKS", "SOURCE_SUFFIXES", "PRUNED", "ANALYZERS", "SERVERS",
                          "STEP_RULES", "INIT_PROGRAMS"}
    assert set(methods) == {"detect", "unwrap", "program", "classify", "container_argv", "host_program", "resolve"}


@pytest.mark.parametrize("provider", registry.PROVIDERS, ids=PROVIDER_IDS)
def test_provider_satisfies_the_protocol(provider: ModuleType) -> None:
    attrs, methods = _protocol_members()
    missing = [m for m in [*attrs, *methods] if not hasattr(provider, m)]
    assert missing == []
    assert isinstance(provider.NAME, str) and re.fullmatch(r"[a-z][a-z0-9]*", provider.NAME)
    for name in ("HEROKU_BUILDPACKS", "SOURCE_SUFFIXES"):
        value = getattr(provider, name)
        assert isinstance(value, tuple) and all(isinstance(v, str) and v for v in value), name
    assert provider.SOURCE_SUFFIXES and all(s.startswith(".") for s in provider.SOURCE_SUFFIXES)
    assert isinstance(provider.PRUNED, PrunedDirs)
    assert isinstance(provider.INIT_PROGRAMS, frozenset) and all(
        isinstance(n, str) and n and "/" not in n for n in provider.INIT_PROGRAMS)
    assert all(isinstance(n, str) and "/" not in n for n in provider.PRUNED.names)
    assert isinstance(provider.ANALYZERS, Mapping) and isinstance(provider.SERVERS, Mapping)
    assert isinstance(provider.STEP_RULES, tuple) and all(isinstance(r, StepRule) for r in provider.STEP_RULES)
    for name, signature in methods.items():
        fn = getattr(provider, name)
        assert callable(fn), name
        want = [p for p in signature.parameters if p != "self"]
        assert list(inspect.signature(fn).parameters) == want, f"{provider.NAME}.{name}{inspect.signature(fn)}"


@pytest.mark.parametrize("provider", registry.PROVIDERS, ids=PROVIDER_IDS)
def test_analyzers_are_tiered_and_uniquely_named(provider: ModuleType) -> None:
    assert provider.ANALYZERS and all(isinstance(tier, Tier) for tier in provider.ANALYZERS)
    for tier, analyzers in provider.ANALYZERS.items():
        assert isinstance(analyzers, tuple) and analyzers, tier
        for a in analyzers:
            assert isinstance(a.NAME, str) and a.NAME and callable(a.analyze), a
            assert a in registry.ANALYZERS and registry.runtime_owners()[a.NAME] == provider.NAME
    counts = Counter(a.NAME for a in [*registry.ANALYZERS, registry.MARKER_READER])
    assert [n for n, c in counts.items() if c > 1] == []


def test_provider_names_and_buildpacks_are_unique() -> None:
    names = [p.NAME for p in registry.PROVIDERS]
    slugs = [s for p in registry.PROVIDERS for s in p.HEROKU_BUILDPACKS]
    assert len(names) == len(set(names)) and len(slugs) == len(set(slugs))


@pytest.mark.parametrize("provider", registry.PROVIDERS, ids=PROVIDER_IDS)
def test_servers_are_keyed_by_name_and_their_examples_classify(provider: ModuleType) -> None:
    assert all(isinstance(s, ServerSpec) for s in provider.SERVERS.values())
    assert {key: spec.name for key, spec in provider.SERVERS.items()} == {key: key for key in provider.SERVERS}
    examples = [(spec, example) for spec in provider.SERVERS.values() for example in spec.examples]
    assert examples, f"{provider.NAME}: no ServerSpec has examples: nothing checks classify"
    others = [p for p in registry.PROVIDERS if p is not provider]
    for spec, (command, name, port) in examples:
        meaning = provider.classify(parse_command(command))
        assert meaning is not None, command
        assert (meaning.provider, meaning.server, meaning.role, meaning.name, meaning.port) == \
            (provider.NAME, spec.name, spec.role, name, port), command
        assert [q.NAME for q in others if q.classify(parse_command(command)) is not None] == [], command


def test_step_rule_orders_are_unique_across_the_registry() -> None:
    rules = [("generic", r) for r in generic_steps.STEP_RULES]
    rules += [(p.NAME, r) for p in registry.PROVIDERS for r in p.STEP_RULES]
    rules += [(f"marker {m.language}", r) for m in registry.MARKERS for r in m.step_rules]
    counts = Counter((r.kind, r.order) for _, r in rules)
    clashes = {key: [(owner, r.pattern.pattern) for owner, r in rules if (r.kind, r.order) == key]
               for key, n in counts.items() if n > 1}
    assert clashes == {}
    assert len(registry.step_rules()) == len(rules)


# -- 2. detection ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("provider", "fixture"), PAIRS, ids=PAIR_IDS)
def test_detection_and_primary_runtime(provider: ModuleType, fixture: str) -> None:
    found = detection(provider.NAME, fixture)
    primary = analysis(fixture).primary
    assert primary is not None
    if FIXTURE_RUNTIMES[fixture] == provider.NAME:
        assert found is not None, f"{provider.NAME}.detect found nothing in {fixture}"
        assert found.provider == provider.NAME and found.evidence
        assert (primary.language, primary.role, primary.supported) == (provider.NAME, RuntimeRole.PRIMARY, True)
    else:
        assert primary.language != provider.NAME
        entry = next((r for r in analysis(fixture).runtimes if r.language == provider.NAME), None)
        assert entry is None or entry.role is not RuntimeRole.PRIMARY


@pytest.mark.parametrize("fixture", NAMES, ids=FIXTURE_IDS)
def test_primary_runtime_is_the_fixtures(fixture: str) -> None:
    # a runtime without a provider is still the primary, known from its marker files only
    runtime = FIXTURE_RUNTIMES[fixture]
    primary = analysis(fixture).primary
    assert primary is not None
    assert (primary.language, primary.supported) == (runtime, registry.provider(runtime) is not None)


# -- 3. outputs ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fixture", NAMES, ids=FIXTURE_IDS)
def test_image(fixture: str, tmp_path: Path) -> None:
    runtime = FIXTURE_RUNTIMES[fixture]
    files, problem = generated(fixture)
    image = file_text(fixture, DOCKERFILE)
    if fixture in NO_IMAGE:  # today's behaviour for a runtime no provider knows (docs/design §4.8)
        assert image is None and not any(f.path.startswith("deploy/image/") for f in files)
        assert problem is not None and f"{runtime} is not supported yet" in problem
        assert "is not supported yet" in (file_text(fixture, "MIGRATION.md") or "")
        return
    assert image is not None, f"{fixture}: no {DOCKERFILE} ({problem})"
    assert problem is None or "not supported" not in problem
    assert hadolint(image, tmp_path) == ""


@pytest.mark.parametrize("fixture", NAMES, ids=FIXTURE_IDS)
def test_manifests_validate(fixture: str, tmp_path: Path) -> None:
    write(list(generated(fixture)[0]), tmp_path)
    objs = kustomize(tmp_path / "deploy/k8s/overlays/production")
    secret = tmp_path / "deploy/k8s/base/secret.yaml"
    if secret.is_file():
        objs += docs(secret.read_text())
    assert objs
    for obj in objs:
        validate(obj)


@pytest.mark.parametrize("fixture", NAMES, ids=FIXTURE_IDS)
def test_report_validates(fixture: str) -> None:
    validate_report(to_dict(analysis(fixture)))
    validate_report(to_dict(analysis(fixture), explain=True))


# -- 4. no foreign tokens --------------------------------------------------------------------------------


@pytest.mark.parametrize("fixture", NAMES, ids=FIXTURE_IDS)
def test_no_foreign_tokens(fixture: str) -> None:
    runtime = FIXTURE_RUNTIMES[fixture]
    image = file_text(fixture, DOCKERFILE)
    if fixture in NO_IMAGE:
        assert image is None  # nothing to check until the runtime's provider writes a Dockerfile
        return
    assert image is not None
    assets = {r.language for r in analysis(fixture).runtimes if r.role is RuntimeRole.ASSETS}
    allowed = BUILD_TOOL_RUNTIMES.get(runtime, frozenset()) | assets
    assert foreign_tokens(image, runtime, allowed) == []
