"""Python's one-off deploy steps: migrations (release), asset and catalog builds (build), and the
installs and virtualenvs the image build replaces (host).

``order`` is each rule's global position among every provider's, marker's and the generic rules (see
:class:`analyzers.providers.protocol.StepRule`): today's rules keep their index x 10 in the table they
came from, so the first match is the one it always was.
"""

from __future__ import annotations

import re

from analyzers.providers.protocol import StepRule
from migrator.commands import StepKind

RELEASE_WHY = "runs once per deploy, before the new version serves"
BUILD_WHY = "produces files the image must contain"
INSTALL_WHY = "dependency install: done in the image build"

STEP_RULES: tuple[StepRule, ...] = (
    StepRule(StepKind.RELEASE, re.compile(r"\bmanage\.py\s+(migrate|createcachetable|compilemessages_release)\b"),
             RELEASE_WHY, 0),
    StepRule(StepKind.RELEASE, re.compile(r"\bdjango-admin\s+migrate\b"), RELEASE_WHY, 10),
    StepRule(StepKind.RELEASE, re.compile(r"\balembic\b.*\bupgrade\b"), RELEASE_WHY, 20),
    StepRule(StepKind.RELEASE, re.compile(r"\bflask\s+db\s+upgrade\b"), RELEASE_WHY, 30),
    StepRule(StepKind.BUILD, re.compile(r"\bmanage\.py\s+(collectstatic|compilemessages|compress)\b"), BUILD_WHY, 0),
    StepRule(StepKind.BUILD, re.compile(r"\bdjango-admin(\.py)?\s+(collectstatic|compilemessages|compress)\b"),
             BUILD_WHY, 10),
    StepRule(StepKind.BUILD, re.compile(r"\bflask\s+(assets\s+build|digest\s+compile)\b"), BUILD_WHY, 40),
    StepRule(StepKind.BUILD, re.compile(r"\bpybabel\s+compile\b"), BUILD_WHY, 50),
    StepRule(StepKind.HOST, re.compile(r"\b(pip3?|pip-sync|pipenv|poetry|uv)\s+(install|sync)\b"), INSTALL_WHY, 40),
    StepRule(StepKind.HOST, re.compile(r"\b(virtualenv|python[0-9.]*\s+-m\s+venv|mkvirtualenv)\b"),
             "virtualenv: the image is the environment", 50),
)
