"""Runtimes migrate has no provider for yet: what marks them in a repository, and the few command rules
that already know them.

A marker is what stands between "we know this language exists" and a provider: its deploy commands
(``rake db:migrate``, ``npm run build``) are still classified, so a Rails or Node repo's steps are
reported for what they are. Adding a provider for a language means deleting its marker and moving its
rules into ``analyzers/providers/<lang>/steps.py``. ``order`` follows
:class:`analyzers.providers.protocol.StepRule` (today's index x 10).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from analyzers.providers.protocol import StepRule
from migrator.commands import StepKind

_RELEASE = "runs once per deploy, before the new version serves"
_BUILD = "produces files the image must contain"


@dataclass(frozen=True)
class Marker:
    """A language without a provider."""

    language: str
    step_rules: tuple[StepRule, ...] = ()
    program_names: frozenset[str] = frozenset()  # host paths of these become the bare name in the image
    heroku_buildpacks: tuple[str, ...] = ()


RUBY = Marker(
    "ruby",
    step_rules=(StepRule(StepKind.RELEASE, re.compile(r"\b(rake|rails)\s+db:migrate\b"), _RELEASE, 40),),
    heroku_buildpacks=("ruby",),
)
# Node's rules wait here for the Node provider (its analyzers are being written: analyzers/providers/node/).
NODE = Marker(
    "node",
    step_rules=(
        StepRule(StepKind.RELEASE, re.compile(r"\bknex\s+migrate:latest\b"), _RELEASE, 50),
        StepRule(StepKind.RELEASE, re.compile(r"\bnpx\s+(prisma\s+migrate\s+deploy|sequelize(-cli)?\s+db:migrate)\b"),
                 _RELEASE, 60),
        StepRule(StepKind.BUILD, re.compile(r"\b(npm|yarn|pnpm)\s+(run\s+)?(build|assets|webpack|compile)\b"),
                 _BUILD, 20),
        StepRule(StepKind.BUILD, re.compile(r"\b(webpack|gulp|grunt)\b(?!-)"), _BUILD, 30),
        StepRule(StepKind.HOST, re.compile(r"\b(npm|yarn|pnpm)\s+(install|ci)\b"),
                 "dependency install: done in the image build", 60),
    ),
    program_names=frozenset({"node", "npm"}),
    heroku_buildpacks=("nodejs",),
)
ALL: tuple[Marker, ...] = (RUBY, NODE)
