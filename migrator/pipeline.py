"""One run of migrate over one repository: analyze once, resolve the spec once, generate once.

``migrate generate``, ``verify``, ``pr`` and the fleet runner used to analyze the repository each on
their own (``pr --verify`` three times, and the spec was resolved again for every question asked of
it). A :class:`Pipeline` is made from the repository's path, the command-line generate options and the
directory whose migrate.toml is read; each stage is computed the first time it is asked for and kept:

    settings ────────────────────────┐
    overrides ──▶ model ──▶ spec ──▶ files
                    │         └────▶ problem
                    └──▶ verify hints

The stages are the library's own functions (:func:`migrator.planner.analyze`,
:func:`generators.spec.build_spec`, :func:`migrator.generate.generate_from_model`,
:func:`migrator.generate.generate_problem`); the pipeline only decides that each runs once and that
every consumer sees the same values. It lives for one command: the repository is read when a stage
first needs it, and a stage that raises is not kept (asking again runs it again).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from migrator import config, planner
from migrator.config import GenerateSettings
from migrator.model import AppModel, Finding

if TYPE_CHECKING:
    from generators.output import OutputFile
    from generators.spec import AppSpec
    from migrator.verify.plan import AnalysisHints

log = logging.getLogger(__name__)
T = TypeVar("T")


def settings_for(config_root: str | os.PathLike[str], options: GenerateSettings | None) -> GenerateSettings:
    """migrate.toml's generate settings under ``config_root``, with the command-line ``options`` set over them."""
    settings = config.load_settings(config_root)
    if options is None:
        return settings
    return settings.with_options(**{k: v for k, v in vars(options).items() if v not in (None, {}, False)})


class Pipeline:
    """The stages of one run over the repository at ``root``, each computed once (see the module docstring).

    ``options`` are the command line's generate settings (they win over migrate.toml); ``config_root`` is
    where migrate.toml is read (default ``root``; ``migrate pr`` reads the branch's when it has one);
    ``analyzers`` replaces the registry's analyzers (tests)."""

    def __init__(self, root: str | os.PathLike[str], options: GenerateSettings | None = None, *,
                 config_root: str | os.PathLike[str] | None = None, analyzers: Sequence[Any] | None = None) -> None:
        self.root = Path(root)
        self.options = options
        self.config_root = Path(config_root) if config_root is not None else self.root
        self.analyzers = analyzers
        self._done: dict[str, Any] = {}

    def _once(self, stage: str, compute: Callable[[], T]) -> T:
        if stage not in self._done:
            self._done[stage] = compute()
        return cast(T, self._done[stage])

    @property
    def settings(self) -> GenerateSettings:
        """migrate.toml's ``[generate]``/``[resources]``/``[health]`` with the command-line options over them."""
        return self._once("settings", lambda: settings_for(self.config_root, self.options))

    @property
    def overrides(self) -> tuple[Finding, ...]:
        """The facts the user pinned in migrate.toml (they win over every analyzer)."""
        return self._once("overrides", lambda: tuple(config.load_overrides(self.config_root)))

    @property
    def model(self) -> AppModel:
        """The planned model: every analyzer, merged, overrides last."""
        return self._once("model", lambda: planner.analyze(self.root, overrides=self.overrides,
                                                           analyzers=self.analyzers))

    @property
    def spec(self) -> AppSpec:
        """Every generated value, resolved from the model and the settings."""
        from generators import spec as spec_module  # `migrate analyze` never needs the generators

        return self._once("spec", lambda: spec_module.build_spec(self.model, self.settings))

    @property
    def own_dockerignore(self) -> bool:
        """Whether the repository has a ``.dockerignore`` of its own (then none is generated at its root)."""
        from migrator.generate import own_dockerignore

        return self._once("own_dockerignore", lambda: own_dockerignore(self.root))

    @property
    def files(self) -> list[OutputFile]:
        """Every generated file (a new list each time: callers may extend it; the files are immutable)."""
        from migrator.generate import generate_from_model

        return list(self._once("files", lambda: generate_from_model(
            self.model, self.spec.settings, own_dockerignore=self.own_dockerignore, spec=self.spec)))

    @property
    def problem(self) -> str | None:
        """What makes the generated files incomplete (``migrate generate`` exits 1 with it), or None."""
        from migrator.generate import generate_problem

        return self._once("problem", lambda: generate_problem(self.model, self.spec.settings, spec=self.spec))

    @property
    def hints(self) -> AnalysisHints:
        """What verify needs from the analysis; empty when the analysis fails (verification must not
        depend on every analyzer)."""
        return self._once("hints", self._hints)

    def _hints(self) -> AnalysisHints:
        from migrator.verify import hints_from
        from migrator.verify.plan import AnalysisHints

        try:
            return hints_from(self.model)
        except Exception as exc:
            log.debug("analysis for verify hints failed: %s", exc)
            return AnalysisHints()

    def reconfigured(self, config_root: str | os.PathLike[str], options: GenerateSettings | None) -> Pipeline:
        """This repository read with the migrate.toml under ``config_root`` and ``options``: this pipeline
        itself when that reads the same settings and overrides; a new one sharing this one's analysis when
        only the settings differ; else a new one (the pinned facts differ: the model does too)."""
        other = Pipeline(self.root, options, config_root=config_root, analyzers=self.analyzers)
        if other.overrides != self.overrides:
            return other
        if other.settings == self.settings:
            return self
        other._done["model"] = self.model
        return other
