"""generators/image/node.py: Node's build plan, checked by value, by hadolint and for foreign tokens.

The specs are Python-planned models with the Node runtime's facts put in (the provider's own fixtures are
checked end to end in tests/providers and tests/verify): what matters here is what each combination of
package manager, lockfile, native modules and build steps makes of the image.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest

from analyzers import base
from analyzers.base import I, Src
from generators.image import dockerfile
from generators.image.argv import INIT
from generators.image.base_image import BaseImage
from generators.spec import AppSpec
from migrator.model import Candidate, Confidence, Fact, Kind, Source, Subject
from tests.generators.image.test_dockerfile import hadolint
from tests.generators.models import minimal_web, spec

PKG = Source("package.json", 7, "node_packaging", Confidence.DECLARED)


def runtime(**fields: Any) -> Subject:
    facts = {k: Fact(k, v, (Candidate(v, PKG),), False, "") for k, v in fields.items()}
    return Subject(Kind.RUNTIME, "node", facts)


def node_spec(*extra: Any, argv: tuple[str, ...] = ("node", "server.js"), version: str = "20",
              files: tuple[str, ...] = ("package.json", "package-lock.json"), **facts: Any) -> AppSpec:
    s = spec([*minimal_web("node server.js", port=3000), *extra])
    fields = {"language": "node", "version": version, "package_manager": "npm", "lockfile": "package-lock.json",
              **facts}
    s = dataclasses.replace(s, base=BaseImage(f"node:{version}-slim", "node", version, f"node {version}: .nvmrc:1"),
                            runtime_subject=runtime(**{k: v for k, v in fields.items() if v is not None}),
                            files_read=files,
                            processes=tuple(dataclasses.replace(p, argv=argv) for p in s.processes))
    return dataclasses.replace(s, web=s.processes[0])


def stages(text: str) -> list[str]:
    """The Dockerfile split at each FROM (the text before the first FROM dropped)."""
    return re.split(r"^FROM ", text, flags=re.MULTILINE)[1:]


def final(text: str) -> str:
    return stages(text)[-1]


PYTHON_TOKENS = ("venv", "pip ", "pip3", "python -c", "PYTHON", "VIRTUAL_ENV")


def test_plain_npm_app_installs_frozen_before_the_code_in_one_stage(tmp_path: Path) -> None:
    text = dockerfile.render(node_spec())
    assert len(stages(text)) == 1
    assert text.index("COPY package-lock.json package.json ./") < text.index("RUN npm ci --omit=dev") \
        < text.index("COPY . .")
    assert "ENV NODE_ENV=production \\\n    PATH=\"/app/node_modules/.bin:$PATH\"" in text and "    PORT=3000" in text
    assert 'CMD ["node", "server.js"]' in text and "npm start" not in text
    assert "USER 10001:10001" in text
    assert not any(t in text for t in PYTHON_TOKENS)
    assert hadolint(text, tmp_path) == ""


def test_native_modules_compile_in_a_deps_stage_against_the_images_own_node_headers(tmp_path: Path) -> None:
    tools = [base.system_package(p, Src("node_packaging", "package.json", 20), I, stage="build")
             for p in ("python3", "make", "g++")]
    text = dockerfile.render(node_spec(*tools))
    deps, runtime_stage = stages(text)
    assert deps.startswith("node:20-slim AS deps")
    assert "python3" in deps and "g++" in deps and 'npm_config_nodedir="$(dirname' in deps
    assert "COPY --from=deps /app /app" in runtime_stage
    assert not any(t in runtime_stage for t in ("python3", "g++", "make", *PYTHON_TOKENS))
    assert hadolint(text, tmp_path) == ""


def test_a_build_step_gets_a_build_stage_with_dev_dependencies_then_pruned(tmp_path: Path) -> None:
    step = base.build_step("npm run build", Src("node_packaging", "package.json", 11))
    text = dockerfile.render(node_spec(step, argv=("node", "dist/main.js")))
    build, runtime_stage = stages(text)
    assert build.index("RUN npm ci\n") < build.index("COPY . .") < build.index("RUN npm run build") \
        < build.index(" && npm prune --omit=dev")
    assert "COPY --from=build /app /app" in runtime_stage and "npm run build" not in runtime_stage
    assert 'CMD ["node", "dist/main.js"]' in runtime_stage
    assert hadolint(text, tmp_path) == ""


@pytest.mark.parametrize(("manager", "lock", "flavor", "install"), [
    ("yarn", "yarn.lock", "classic", "yarn install --frozen-lockfile --production --non-interactive"),
    ("pnpm", "pnpm-lock.yaml", None, "pnpm install --frozen-lockfile --prod"),
    ("npm", None, None, "npm install --omit=dev"),
])
def test_each_manager_installs_from_its_own_lock(manager: str, lock: str | None, flavor: str | None,
                                                 install: str, tmp_path: Path) -> None:
    files = ("package.json", *((lock,) if lock else ()))
    text = dockerfile.render(node_spec(package_manager=manager, lockfile=lock, yarn_flavor=flavor, files=files))
    assert f"RUN {install}" in text
    if lock:
        assert lock in text.split("RUN " + install)[0]
    else:
        assert "no lockfile, the install is not reproducible" in text
    if manager == "pnpm":
        assert "RUN corepack enable" in text
    assert hadolint(text, tmp_path) == ""


def test_workspace_manifests_are_copied_in_place_before_the_install() -> None:
    files = ("package.json", "package-lock.json", "apps/api/package.json", "packages/shared/package.json",
             "apps/api/src/index.js")
    text = dockerfile.render(node_spec(files=files, app_root="apps/api", workspace="@acme/api"))
    install = text.index("RUN npm ci --omit=dev")
    for line in ("COPY package-lock.json package.json ./", "COPY apps/api/package.json apps/api/",
                 "COPY packages/shared/package.json packages/shared/"):
        assert text.index(line) < install
    assert "index.js" not in text[:install]


def test_a_command_under_tini_gets_tini_installed() -> None:
    text = dockerfile.render(node_spec(argv=(*INIT, "node", "server.js")))
    assert "tini" in final(text).split("USER")[0] and 'CMD ["tini", "--", "node", "server.js"]' in text
    assert "tini" not in dockerfile.render(node_spec())


def test_health_check_is_a_node_one_liner_and_the_path_cannot_break_out() -> None:
    hc = base.health_check("/health'z", Src("node_code", "routes/health.js", 8), I)
    text = dockerfile.render(node_spec(hc))
    line = next(x for x in text.splitlines() if x.strip().startswith("CMD [\"node\", \"-e\""))
    assert "path: '/health\\\\'z'" in line and "127.0.0.1" in line
    tcp = dockerfile.render(node_spec())
    assert "require('net').connect(3000, '127.0.0.1')" in tcp


def test_the_ignore_file_is_nodes() -> None:
    lines = dockerfile.dockerignore(node_spec()).splitlines()
    assert "node_modules" in lines and "**/node_modules" in lines
    assert "**/__pycache__" not in lines and "venv" not in lines
