"""A runtime per language, and the rule that picks the primary one (design §4.5).

Runtime findings are keyed by language (``python``, ``ruby``), so a version, a package manager or a
framework is only ever merged with facts about the same language: an ``app.json`` that says ruby next
to a stray ``.python-version`` no longer gives ``ruby:3.12``. When several languages are present,
:func:`choose` names the primary one (the image is built for it) by comparing, left to right:

1. named in migrate.toml ``[runtime] language``;
2. it runs the web process (its provider claimed the command, or a marker knows the program: puma);
3. how many long-running processes it runs;
4. a platform declaration names it (app.json's buildpack, the repo's own Dockerfile ``FROM``);
5. the strongest confidence of its evidence;
6. the provider order (a language with a provider before one without).

The reason names the first component where the winner beats the runner-up, with both values. The
others are workers (they run a long-running process themselves: it needs its own image) or evidence
(files only, nothing runs them). The module is pure: the planner hands it merged subjects.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from migrator.model import ProcessRole, RuntimeEntry, RuntimeRole, Source, Subject

OVERRIDE_ANALYZER = "migrate.toml"
# Analyzers whose ``language`` is what the platform the app ran on was told to build.
PLATFORM_ANALYZERS = frozenset({"app_json", "dockerfile"})
_LONG_RUNNING = frozenset({ProcessRole.WEB.value, ProcessRole.WORKER.value, ProcessRole.SCHEDULER.value})


@dataclass(frozen=True)
class _Score:
    """One language's standing on each component of the rule, with the text that explains it."""

    language: str
    values: tuple[int, ...]
    texts: tuple[str, ...]


Owner = Callable[[Subject], "str | None"]  # the language whose runtime runs a process


def provider_of(p: Subject) -> str | None:
    """The provider that claimed the process's command (the default :data:`Owner`)."""
    return p.meaning.provider if p.meaning is not None else None


def claimed(language: str, processes: Sequence[Subject], owner: Owner = provider_of) -> tuple[str, ...]:
    """The keys of the long-running processes that ``language``'s runtime runs."""
    return tuple(p.key for p in processes if p.get("role") in _LONG_RUNNING and owner(p) == language)


def choose(subjects: Mapping[str, Subject], processes: Sequence[Subject], providers: Sequence[str],
           owner: Owner = provider_of) -> tuple[RuntimeEntry, ...]:
    """Every language in ``subjects`` as a runtime entry, the primary first, then the others by name.
    ``providers``: the languages a provider exists for, in the registry's tie-break order; ``owner``:
    which language runs a process."""
    if not subjects:
        return ()
    by_name = sorted((_score(lang, subj, processes, providers, owner) for lang, subj in subjects.items()),
                     key=lambda s: s.language)
    scores = sorted(by_name, key=lambda s: s.values, reverse=True)  # stable: a full tie goes by name
    winner = scores[0]
    entries = [RuntimeEntry(winner.language, RuntimeRole.PRIMARY, winner.language in providers,
                            subjects[winner.language], _why_primary(winner, scores[1:]),
                            claimed(winner.language, processes, owner))]
    for other in sorted(scores[1:], key=lambda s: s.language):
        subject = subjects[other.language]
        runs = claimed(other.language, processes, owner)
        if runs:
            role, reason = RuntimeRole.WORKER, (f"runs {', '.join(runs)}: that needs an image of its own, "
                                                f"which migrate does not generate yet")
        else:
            role, reason = RuntimeRole.EVIDENCE, f"files only, nothing runs it: {_where(subject.sources)}"
        entries.append(RuntimeEntry(other.language, role, other.language in providers, subject, reason, runs))
    return tuple(entries)


def _score(language: str, subject: Subject, processes: Sequence[Subject], providers: Sequence[str],
           owner: Owner) -> _Score:
    lang_fact = subject.facts.get("language")
    said = lang_fact.candidates if lang_fact else ()
    override = next((c.source for c in said if c.source.analyzer == OVERRIDE_ANALYZER), None)
    web = next((p for p in processes if p.get("role") == ProcessRole.WEB.value), None)
    runs_web = web is not None and owner(web) == language
    runs = claimed(language, processes, owner)
    long_running = [p for p in processes if p.get("role") in _LONG_RUNNING]
    platform = next((c.source for c in said if c.source.analyzer in PLATFORM_ANALYZERS), None)
    # the winning source of its language (what says this is, say, Python), else its strongest fact
    strongest = said[0].source if said else subject.sources[0] if subject.sources else None
    rank = providers.index(language) if language in providers else len(providers)
    web_text = ""
    if web is not None and runs_web:
        command = web.facts.get("command")
        web_text = f"runs the web process `{web.get('command')}`" + (
            f" ({command.source.where()})" if command is not None else "")
    return _Score(
        language,
        (override is not None, runs_web, len(runs), platform is not None,
         int(strongest.confidence) if strongest else 0, -rank),
        (
            "set in migrate.toml [runtime] language" if override else "not named in migrate.toml",
            web_text or "does not run the web process",
            f"runs {len(runs)} of {len(long_running)} long-running processes"
            + (f" ({', '.join(runs)})" if runs else ""),
            f"{platform.where()} declares {language} ({platform.confidence.label})" if platform
            else "no platform declaration names it",
            f"{strongest.where()} ({strongest.confidence.label})" if strongest else "no evidence",
            f"{language} comes first in the provider order" if language in providers
            else f"no provider for {language}",
        ),
    )


def _why_primary(winner: _Score, rest: Sequence[_Score]) -> str:
    """The first component where ``winner`` beats the runner-up, with both sides."""
    if not rest:
        return f"the only runtime found: {winner.texts[4]}"
    runner = rest[0]
    for mine, theirs, text, other_text in zip(winner.values, runner.values, winner.texts, runner.texts, strict=True):
        if mine != theirs:
            return f"{text}; {runner.language}: {other_text}"
    return f"tie: {winner.language} comes first by name"  # equal on everything (two unknown runtimes)


def _where(sources: Sequence[Source]) -> str:
    shown = [f"{s.where()} ({s.confidence.label})" for s in sources[:3]]
    more = len(sources) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")

