"""The image of a runtime migrate has no provider for (design §4.8).

A Rails, Go or Rust app must not get a Python Dockerfile (``python -m venv`` on a Ruby image fails, and
a Go binary needs no interpreter at all). :func:`unsupported` says when the primary runtime has no
provider; ``migrate generate`` then writes the manifests and MIGRATION.md, no Dockerfile, and exits 1,
unless migrate.toml ``[image]`` names a base image: :func:`render` writes the Dockerfile from those
commands (dependency files before the code, the build after it, a build stage when artifacts are
named), with nothing of any language migrate knows in it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from generators.image import dockerfile, plan
from generators.image.plan import BuildPlan, Stage
from generators.output import OutputFile
from generators.spec import UID, AppSpec
from generators.values import APP_DIR
from migrator.config import CustomImage
from migrator.model import AppModel
from migrator.textsafe import inline

# The build context's cruft of no language in particular (a language's own lines need its provider).
IGNORE: tuple[str, ...] = ()


@dataclass(frozen=True)
class Unsupported:
    """The primary runtime has no provider: which language, and the files that say so."""

    language: str
    evidence: tuple[str, ...]  # the files that say so ("Cargo.toml"), best first

    @property
    def message(self) -> str:
        """What ``migrate generate`` exits 1 with."""
        return (f"{self.language} is not supported yet: no Dockerfile written (see MIGRATION.md); set [image] base "
                f"and commands in migrate.toml to generate one")

    def example(self) -> list[str]:
        """A ready-to-edit ``[image]`` table for MIGRATION.md."""
        return ["[image]", f'base = "debian:bookworm-slim"          # an image that has the {self.language} toolchain',
                '# runtime_base = "debian:bookworm-slim"  # a smaller final image (then list the artifacts)',
                'dependency_files = []                   # copied before the code: the lock file(s)',
                'install = []                            # e.g. the package manager\'s frozen install',
                'build = []                              # run after the code is copied',
                '# artifacts = ["build/app:/usr/local/bin/app"]',
                '# start = ["/usr/local/bin/app"]       # default: the web process command']


def unsupported(model: AppModel) -> Unsupported | None:
    """The primary runtime when no provider knows it, else None."""
    primary = model.primary
    if primary is None or primary.supported:
        return None
    files = dict.fromkeys(s.file for s in primary.subject.sources)  # one mention per file, best first
    where = tuple(files)[:3]
    return Unsupported(primary.language, where)


def generate(spec: AppSpec, image: CustomImage, language: str, *, root_ignore: bool = True) -> list[OutputFile]:
    """The Dockerfile from ``[image]`` and its ignore files (as :func:`generators.image.dockerfile.generate`)."""
    ignore = dockerfile.dockerignore(spec, IGNORE)
    files = [OutputFile(dockerfile.DOCKERFILE, render(spec, image, language), "dockerfile"),
             OutputFile(dockerfile.DOCKERFILE_IGNORE, ignore)]
    if root_ignore:
        files.append(OutputFile(dockerfile.ROOT_IGNORE, ignore))
    return files


def render(spec: AppSpec, image: CustomImage, language: str) -> str:
    """The Dockerfile text (:func:`build_plan`, rendered as every generated Dockerfile is)."""
    return plan.render(build_plan(spec, image, language))


def build_plan(spec: AppSpec, image: CustomImage, language: str) -> BuildPlan:
    """The user's image as a build plan; a build stage when artifacts or a separate final image are named."""
    staged = bool(image.artifacts or image.runtime_base)
    final = image.runtime_base or image.base
    header = (f"base image {final}: set in migrate.toml [image] ({language} has no provider in migrate yet)",)
    work = [*_dependencies(image), "COPY . .", *(f"RUN {c}" for c in image.build)]
    stages = []
    if staged:
        stages.append(Stage("build stage: migrate.toml [image] install and build; only the artifacts reach the final "
                            "image", image.base, (f"WORKDIR {APP_DIR}", *work), name="build"))
    out = [plan.user_lines(spec), f"WORKDIR {APP_DIR}"]
    if staged:
        out += [f"COPY --from=build {_in_stage(src)} {dest}" for src, dest in image.artifacts]
    else:
        out += work
    out.append(f"USER {UID}:{UID}")
    out += _serve(spec, image)
    stages.append(Stage("runtime stage", final, tuple(out), env=(f"PORT={spec.port}",) if spec.port else ()))
    return BuildPlan(header, tuple(stages), source="migrate.toml [image]")


def _dependencies(image: CustomImage) -> list[str]:
    """Dependency files before the code (at their own paths), then the install commands."""
    files = image.dependency_files
    if not files:
        copy = []
    elif all("/" not in f for f in files):
        copy = [f"COPY {' '.join(files)} ./"]
    else:
        copy = [f"COPY {f} {f}" for f in files]
    return [*copy, *(f"RUN {c}" for c in image.install)]


def _in_stage(path: str) -> str:
    return path if path.startswith("/") else f"{APP_DIR}/{path}"


def _serve(spec: AppSpec, image: CustomImage) -> list[str]:
    lines = []
    web = spec.web
    if web and spec.port:
        lines.append(f"# port {spec.port}: {web.port.origin if web.port else ''}\nEXPOSE {spec.port}")
    lines.append("# no HEALTHCHECK: migrate does not know which tools this image has (Kubernetes uses its own probes)")
    process = web or (spec.processes[0] if spec.processes else None)
    if image.start:
        return [*lines, f"# start: migrate.toml [image] start\nCMD {json.dumps(list(image.start))}"]
    if process is None:
        return [*lines, "# no long-running process found: set [image] start in migrate.toml\nCMD []"]
    why = f"# {process.key} process: {inline(process.command_origin)}"
    return [*lines, f"{why}\nCMD {json.dumps(list(process.argv))}"]

