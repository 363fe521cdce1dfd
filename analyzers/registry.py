"""The analyzer registry: deploy-tool readers and runtime providers, in tie-break order.

``ANALYZERS`` is built tier by tier (:class:`analyzers.providers.protocol.Tier`): within a tier the
runtime-neutral deploy readers come first, then each provider's analyzers in provider order. The
order decides ties among equal confidence (earlier wins): explicit process declarations (Procfile,
app.json, host configs) first, then packaging, then scripts and code, then the repo's own Dockerfiles
and compose files (a development setup: the legacy production files and the code's own fallbacks win
their ties), then heuristics. Adding a deploy reader is one entry in ``DEPLOY``; adding a runtime is
one entry in ``PROVIDERS`` (and its package under ``analyzers/providers/``).

A provider's analyzers run only when its ``detect`` found evidence (:func:`analyzers`'s ``active``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping

from analyzers.base import Analyzer
from analyzers.commands import meaning, parse_command
from analyzers.deploy import (
    app_json,
    caddy,
    capistrano,
    compose,
    cron,
    dockerfile,
    dotenv,
    fabric,
    generic_steps,
    haproxy,
    makefile,
    mina,
    nginx,
    procfile,
    script_needs,
    secret_files,
    shell,
    supervisor,
    systemd,
)
from analyzers.providers import markers, node, php, python, ruby
from analyzers.providers.markers import Marker
from analyzers.providers.protocol import Detection, Provider, PrunedDirs, StepRule, Tier
from migrator.commands import CommandMeaning, ParsedCommand, StepKind
from migrator.model import Source
from migrator.repo import RepoView

# Runtime-neutral readers: they ask the providers what a command means, never hard-code a language.
DEPLOY: Mapping[Tier, tuple[Analyzer, ...]] = {
    Tier.DECLARATIONS: (procfile, app_json),
    Tier.HOST_CONFIG: (systemd, supervisor, cron, nginx, caddy, haproxy),
    Tier.SCRIPTS: (fabric, capistrano, mina, shell, script_needs, makefile),
    Tier.DEV_SETUP: (dockerfile, compose),
    Tier.HEURISTICS: (dotenv, secret_files),
}
# Provider order is the last tie-break between runtimes too (python first).
PROVIDERS: tuple[Provider, ...] = (python, node, ruby, php)
MARKERS: tuple[Marker, ...] = markers.ALL  # languages without a provider yet
# Directories no provider's source lives in: VCS metadata, editor and tool state.
CORE_PRUNED = frozenset({".git", ".hg", ".svn", ".bzr", ".idea", ".vscode", ".cache", ".terraform", ".direnv",
                         ".sass-cache", "node_modules", "bower_components"})


def analyzers(active: Collection[str] | None = None) -> tuple[Analyzer, ...]:
    """Tier by tier: the deploy readers, then each active provider's analyzers (every provider when
    ``active`` is None)."""
    out: list[Analyzer] = []
    for tier in Tier:
        out += DEPLOY.get(tier, ())
        for p in PROVIDERS:
            if active is None or p.NAME in active:
                out += p.ANALYZERS.get(tier, ())
    return tuple(out)


ANALYZERS = analyzers()  # every analyzer: the order reports and tie-breaks use


def provider(name: str) -> Provider | None:
    return next((p for p in PROVIDERS if name == p.NAME), None)


def runtime_owners() -> Mapping[str, str]:
    """Analyzer NAME -> the provider (language) it belongs to: the key of the runtime facts it finds."""
    return {a.NAME: p.NAME for p in PROVIDERS for tier in p.ANALYZERS.values() for a in tier}


MARKER_READER = markers  # what the planner runs after the analyzers: the marker languages' findings


def marker_language(program: str) -> str | None:
    """The language without a provider whose processes ``program`` runs (``java`` -> java), or None."""
    return markers.program_language(program)


def provider_for_buildpack(slug: str) -> str | None:
    """``nodejs`` -> ``node``: the language a Heroku buildpack slug stands for (a provider's or a marker's)."""
    found = next((p.NAME for p in PROVIDERS if slug in p.HEROKU_BUILDPACKS), None)
    return found or next((m.language for m in MARKERS if slug in m.heroku_buildpacks), None)


def step_rules() -> tuple[StepRule, ...]:
    """Every one-off step rule (generic, providers', markers'), in the order they are tried: release,
    build, host, and by ``order`` within each kind."""
    rules = [*generic_steps.STEP_RULES, *(r for p in PROVIDERS for r in p.STEP_RULES),
             *(r for m in MARKERS for r in m.step_rules)]
    kinds = list(StepKind)
    return tuple(sorted(rules, key=lambda r: (kinds.index(r.kind), r.order)))


def pruned() -> PrunedDirs:
    """Directories never walked: the core set and every provider's."""
    names = set(CORE_PRUNED)
    paths: set[str] = set()
    for p in PROVIDERS:
        names |= p.PRUNED.names
        paths |= p.PRUNED.paths
    return PrunedDirs(frozenset(names), frozenset(paths))


def understand(command: str, source: Source | None = None) -> CommandMeaning:
    """What ``command`` means (parsed once, asked of the providers): for the planner, which sees
    commands as text when no reader parsed them (migrate.toml, a chain, a command whose secret it lifted)."""
    return meaning(parse_command(command, source))


def resolve_commands(repo: RepoView, commands: Iterable[tuple[str, ParsedCommand]]) -> dict[str, tuple[str, str]]:
    """``{command: (what the container runs instead, why)}`` for the commands a provider resolves
    (``npm start`` -> its package.json script), from (command field, the reader's parsed command) pairs:
    the planner's I/O step, before its pure merge."""
    out: dict[str, tuple[str, str]] = {}
    for command, parsed in commands:
        if command in out:
            continue
        found = next((r for p in PROVIDERS if (r := p.resolve(repo, parsed)) is not None), None)
        if found is not None:
            out[command] = found
    return out


def detect(repo: RepoView, on_error: Callable[[str, Exception], None]) -> tuple[Detection, ...]:
    """Every provider's detection, in provider order. A provider whose ``detect`` crashes is reported
    through ``on_error``, and the caller runs its analyzers anyway (rather than silently not)."""
    found: list[Detection] = []
    for p in PROVIDERS:
        try:
            detection = p.detect(repo)
        except Exception as exc:  # one broken provider must not stop the analysis
            on_error(p.NAME, exc)
            continue
        if detection is not None:
            found.append(detection)
    return tuple(found)
