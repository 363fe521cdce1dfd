"""``generate(path, options) -> list[OutputFile]``: the library function behind ``migrate generate``.

It analyzes the repo (with migrate.toml overrides), resolves one deployment spec, and asks each
generator for its files; :class:`migrator.pipeline.Pipeline` runs these steps once each for every
command that needs them. Nothing is written here: :mod:`migrator.writer` does that, so the CLI, the
snapshot tests and the PR bot share the same output.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Sequence
from typing import Any

from generators.docs import migration_md
from generators.image import custom_image, dockerfile
from generators.k8s import kubernetes, kustomize
from generators.output import OutputFile
from generators.spec import AppSpec, build_spec
from migrator import config
from migrator.config import CONFIG_NAME, Default, GenerateSettings
from migrator.model import AppModel
from migrator.repo import RepoView


def generate(
    path: str | os.PathLike[str],
    options: GenerateSettings | None = None,
    *,
    analyzers: Sequence[Any] | None = None,
) -> list[OutputFile]:
    """Every generated file for the repo at ``path``; ``options`` (command line) win over migrate.toml."""
    return generate_checked(path, options, analyzers=analyzers)[0]


def generate_checked(
    path: str | os.PathLike[str],
    options: GenerateSettings | None = None,
    *,
    analyzers: Sequence[Any] | None = None,
) -> tuple[list[OutputFile], str | None]:
    """The generated files, and what makes them incomplete (:func:`generate_problem`) or None."""
    from migrator.pipeline import Pipeline  # the pipeline calls back into this module's functions

    run = Pipeline(path, options, analyzers=analyzers)
    return run.files, run.problem


def generate_problem(model: AppModel, settings: GenerateSettings, *, spec: AppSpec | None = None) -> str | None:
    """What makes the generated files incomplete, which ``migrate generate`` exits 1 with: a runtime no
    provider knows (and no migrate.toml [image]), else :func:`start_command_unknown`; None when nothing does.
    ``spec``: ``build_spec(model, settings)`` when the caller has it already."""
    gap = custom_image.unsupported(model)
    if gap is not None and settings.custom_image is None:
        return gap.message
    return start_command_unknown(model, settings, spec=spec)


def start_command_unknown(model: AppModel, settings: GenerateSettings, *, spec: AppSpec | None = None
                          ) -> str | None:
    """The message ``migrate generate`` exits 1 with when nothing says how the app starts (no
    long-running process and no schedule), after writing what it could; None when something does."""
    spec = build_spec(model, settings) if spec is None else spec
    if spec.processes or spec.schedules:
        return None
    return ("start command unknown: no Procfile, systemd unit, supervisor program, deploy script, "
            "`if __name__ == \"__main__\"` server or loop, or framework says how this app starts, so the "
            "image has no CMD and there is no Deployment. Set it in migrate.toml, e.g.\n"
            "  [processes.web]\n  command = \"gunicorn myapp.wsgi --bind 0.0.0.0:8000\"\n"
            "([processes.worker] for a process that listens on no port), then run `migrate generate` again")


def own_dockerignore(path: str | os.PathLike[str]) -> bool:
    """Whether the repo has a ``.dockerignore`` of its own (one ``migrate generate`` did not write)."""
    text = RepoView(path).read_text(dockerfile.ROOT_IGNORE)
    return text is not None and dockerfile.GENERATED_MARK not in "\n".join(text.splitlines()[:3])


def generate_from_model(model: AppModel, settings: GenerateSettings, *, own_dockerignore: bool = False,
                        spec: AppSpec | None = None) -> list[OutputFile]:
    """The files for an already planned model (pure: no I/O). Image files go under
    ``deploy/image/``, never over the repo's own Dockerfile; the root ``.dockerignore`` only when the
    repo has none of its own. ``spec``: ``build_spec(model, settings)`` when the caller has it already."""
    spec = build_spec(model, settings) if spec is None else spec
    gap = custom_image.unsupported(model)
    if settings.custom_image is not None:  # the user's image, whatever the runtime
        language = gap.language if gap else spec.base.language
        files = custom_image.generate(spec, settings.custom_image, language, root_ignore=not own_dockerignore)
    elif gap is not None:  # no provider knows the runtime: no Dockerfile that cannot work (MIGRATION.md says so)
        files = []
    else:
        files = dockerfile.generate(spec, root_ignore=not own_dockerignore)
    base = kubernetes.generate(spec)
    files += base + kustomize.generate(spec, base)
    sections = config_sections(spec, generated_image=gap is None and settings.custom_image is None)
    files.append(OutputFile(CONFIG_NAME, config.render_config(sections), "toml", create_only=True))
    files.append(migration_md.generate(model, spec, files))
    return sorted(files, key=lambda f: f.path)


def config_sections(spec: AppSpec, *, generated_image: bool = True) -> list[tuple[str, list[Default]]]:
    """migrate.toml's commented defaults: what was inferred, and where from (``generated_image=False``: the
    image is not the generated one, so there is no base image to suggest: ``[image]`` names it)."""
    generate: list[Default] = [
        ("image", spec.image_name, "the image repository (default: the app's name)"),
        ("registry", "registry.example.com/team", "prefixed to image when it has no registry"),
        ("tag", spec.tag, "never 'latest': one tag per build (CI: the commit)"),
        ("namespace", spec.namespace.value, spec.namespace.origin),
        *([("base_image", spec.base.image, spec.base.reason)] if generated_image else []),
        ("buildkit", False, "true adds BuildKit cache mounts"),
    ]
    if spec.web is not None:
        generate.append(("replicas", spec.web.replicas.value, f"web: {spec.web.replicas.origin}"))
        if spec.web.port:
            generate.append(("port", spec.web.port.value, f"web: {spec.web.port.origin}"))
    sections: list[tuple[str, list[Default]]] = [("generate", generate)]
    sections.append(("health", [("path", spec.health_path.value if spec.health_path else "/healthz",
                                 spec.health_path.origin if spec.health_path else "not found: an example")]))
    sections.append(("resources", [
        ("cpu_request", "100m", "default"), ("memory_request", "256Mi", "default"),
        ("cpu_limit", "500m", "default (legacy limits per process win)"), ("memory_limit", "512Mi", "default"),
    ]))
    for p in spec.processes:
        rows: list[Default] = [
            ("command", shlex.join(p.argv), p.command_origin),
            ("replicas", p.replicas.value, p.replicas.origin),
            ("memory_limit", p.resources.memory_limit, p.resources.origins["memory_limit"]),
            ("cpu_limit", p.resources.cpu_limit, p.resources.origins["cpu_limit"]),
            ("stop_timeout", p.stop_timeout.value, p.stop_timeout.origin),
        ]
        sections.append((f"processes.{p.key}", rows))
    if not spec.processes:
        sections.append(("processes.web", [("command", "gunicorn myapp.wsgi --bind 0.0.0.0:8000",
                                            "start command unknown: set the app's own (an example)")]))
    return sections
