"""Node's one-off deploy steps: migrations (release), bundles and compiles (build), and the installs and
process-manager chores the image and Kubernetes replace (host).

The rules match the command's core words, so ``npx knex migrate:latest`` is matched as ``knex
migrate:latest`` (the provider's ``unwrap`` strips npx, ``npm exec``, ``yarn dlx``). ``order`` is each
rule's global position among every provider's rules (:class:`analyzers.providers.protocol.StepRule`):
the rules that came from the Node marker keep the order they had there.
"""

from __future__ import annotations

import re

from analyzers.providers.protocol import StepRule
from migrator.commands import StepKind

RELEASE_WHY = "runs once per deploy, before the new version serves"
BUILD_WHY = "produces files the image must contain"
INSTALL_WHY = "dependency install: done in the image build"
PM_WHY = "manages the host's process manager ({}): Kubernetes runs the processes"

STEP_RULES: tuple[StepRule, ...] = (
    StepRule(StepKind.RELEASE, re.compile(r"\bknex\s+migrate:latest\b"), RELEASE_WHY, 50),
    StepRule(StepKind.RELEASE, re.compile(r"\bsequelize(-cli)?\s+db:migrate\b(?!:undo)"), RELEASE_WHY, 60),
    StepRule(StepKind.RELEASE, re.compile(r"\bprisma\s+migrate\s+deploy\b"), RELEASE_WHY, 61),
    StepRule(StepKind.RELEASE, re.compile(r"\btypeorm(-ts-node-(commonjs|esm))?\s+migration:run\b"), RELEASE_WHY, 62),
    StepRule(StepKind.RELEASE, re.compile(r"\b(npm|yarn|pnpm)\s+(run\s+)?(db:migrate|migrate(:latest|:deploy)?)$"),
             RELEASE_WHY, 63),
    StepRule(StepKind.BUILD, re.compile(r"\b(npm|yarn|pnpm)\s+(run\s+)?(build|assets|webpack|compile)\b"),
             BUILD_WHY, 20),
    StepRule(StepKind.BUILD, re.compile(r"\b(webpack|gulp|grunt)\b(?!-)"), BUILD_WHY, 30),
    StepRule(StepKind.BUILD, re.compile(r"(^|\s)(tsc|nest\s+build|next\s+build|nuxt\s+(build|generate)|vite\s+build"
                                        r"|esbuild|rollup)(\s|$)"), BUILD_WHY, 31),
    StepRule(StepKind.HOST, re.compile(r"\b(npm|yarn|pnpm)\s+(install|ci|i)\b"), INSTALL_WHY, 60),
    StepRule(StepKind.HOST, re.compile(r"(^|\s)pm2\s+(reload|restart|save|startup|unstartup|stop|delete|kill|"
                                       r"resurrect|update|flush|reloadLogs|gracefulReload|install)\b"),
             PM_WHY.format("pm2"), 61),
    StepRule(StepKind.HOST, re.compile(r"\b(deb|rpm)\.nodesource\.com/setup_|^(nvm|nodenv|fnm)\s+(install|use|alias)\b"
                                       r"|^n\s+(install\s+)?(lts|latest|v?\d+)\b"),
             "installs node on the host: the image's node base image pins it", 63),
    StepRule(StepKind.HOST, re.compile(r"(^|\s)forever\s+(stop|stopall|restart|restartall|list|logs|cleanlogs)\b"),
             PM_WHY.format("forever"), 62),
)
