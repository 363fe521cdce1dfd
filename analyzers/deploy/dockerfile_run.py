"""What the RUN, ENV and ARG instructions of a repo's Dockerfile say (see :mod:`analyzers.deploy.dockerfile`).

RUN text is walked as shell (its line breaks kept, so each command has its line): ``apt-get install``
gives system packages (a build stage's are build-stage packages; other distributions' names only a
warning), ``collectstatic``/``npm run build`` build steps, and secrets on a command line are reported.
ENV of the final image's stages gives env vars (HEURISTIC, like the code's own fallbacks); every ENV
and ARG default is checked for secrets.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from analyzers import base
from analyzers.base import H, I, Item, Src
from analyzers.deploy import images
from analyzers.deploy.deploy_commands import interpret
from analyzers.deploy.image_command import in_image
from analyzers.deploy.shellwalk import CommandHandler, ShellWalker
from analyzers.lib.dockerfile_parse import Dockerfile, Stage, arg_pairs, env_pairs, stage_values, workdir
from analyzers.lib.dockerfile_parse import substitute as _sub
from migrator.commands import ParsedCommand
from migrator.model import Confidence, Finding, Kind, Source, Value

# Variables that set up the image or its tools, not the app's configuration.
IMAGE_ENV = re.compile(r"^(PYTHON(DONTWRITEBYTECODE|UNBUFFERED|FAULTHANDLER|HASHSEED|IOENCODING|_VERSION|_PIP_VERSION"
                       r"|_SETUPTOOLS_VERSION|_GET_PIP_\w+)|PIP_\w+|POETRY_\w+|PIPENV_\w+|UV_\w+|PDM_\w+|VIRTUAL_ENV|"
                       r"VENV(_PATH)?|PYSETUP_PATH|PATH|HOME|LANG|LANGUAGE|LC_\w+|DEBIAN_FRONTEND|TERM|GPG_KEY|"
                       r"NODE_VERSION|YARN_VERSION|NPM_CONFIG_\w+|APP_HOME)$")
_OTHER_MANAGERS = re.compile(r"\b(apk\s+add|yum\s+install|dnf\s+install|zypper\s+install|microdnf\s+install)\b")


def _stage_kind(parsed: Dockerfile, final: Stage, stage: Stage) -> str | None:
    """"runtime" for the final image's stages, "build" for other Python stages, None for foreign ones."""
    if stage in parsed.lineage(final):
        return "runtime"
    ref = images.image_ref(stage.image)
    if parsed.stage(stage.image) is not None or (ref is not None and images.is_python(ref)):
        return "build"
    return None


def runs(parsed: Dockerfile, final: Stage, src: Src) -> Iterator[Item]:
    """System packages, build steps and secrets from every RUN (packages only from Python stages)."""
    for stage in parsed.stages:
        kind = _stage_kind(parsed, final, stage)
        for ins in stage.all("RUN"):
            walker = ShellWalker(src, on_command=_run_handler(kind))
            argv = ins.exec_form()
            script = ins.heredocs and re.match(r"^\s*(?:--\S+\s+)*(?:(?:/bin/)?(?:ba)?sh\b[^<]*)?<<", ins.value)
            if argv is not None:
                walker.walk_text(" ".join(argv), ins.line)
            elif not script:
                walker.walk_text(re.sub(r"^\s*(?:--\S+\s+)*", "", ins.text), ins.line)
            for doc in ins.heredocs if script else ():
                walker.walk_text(doc.body, doc.body_line)
            yield from walker.finish()
            others = _OTHER_MANAGERS.search(ins.value)
            if others and kind is not None:
                yield base.warning(src.at(ins.line), f"{others.group(1)}: package names of another distribution "
                                   "than the generated Debian-based image; add the Debian ones the app needs")


def _run_handler(stage: str | None) -> CommandHandler:
    def handle(cmd: ParsedCommand, src: Src, background: bool) -> Iterable[Item]:
        return _run_items(cmd, src, stage)

    return handle


def _run_items(command: ParsedCommand | str, src: Src, stage: str | None) -> Iterable[Item]:
    """What a RUN command says about the app image: packages, build/release steps, secrets."""
    for item in interpret(command, src):
        if not isinstance(item, Finding):
            yield item
        elif (item.kind is Kind.SYSTEM_PACKAGE and stage is not None
              and item.fields.get("manager") in ("apt-get", "apt")):
            fields = {**item.fields, "stage": "build"} if stage == "build" else dict(item.fields)
            yield _at(item, I, fields)
        elif item.kind in (Kind.BUILD_STEP, Kind.RELEASE_STEP):
            yield _at(item, I, dict(item.fields))


def _at(item: Finding, confidence: Confidence, fields: dict[str, Value]) -> Finding:
    s = item.source
    return base.with_fields(item, fields, source=Source(s.file, s.line, s.analyzer, confidence))


def variables(parsed: Dockerfile, final: Stage, src: Src) -> Iterator[Item]:
    """ENV of the final image's stages as env vars; secrets in any ENV or ARG default."""
    lineage = parsed.lineage(final)
    folder = workdir(parsed, final)[0]
    for stage in parsed.stages:
        for ins in stage.instructions:
            at = src.at(ins.line)
            if ins.keyword == "ARG":
                for name, default in arg_pairs(ins.value):
                    if default and (found := base.check_assignment(at, name, default)) is not None:
                        yield found
            elif ins.keyword == "ENV":
                values = stage_values(parsed, stage, ins.line)
                for name, raw in env_pairs(ins.value):
                    value = _sub(raw, values)
                    values[name] = value
                    found = base.check_assignment(at, name, value)
                    if found is not None:
                        yield found
                    if stage in lineage and not IMAGE_ENV.match(name):
                        default = None if "$" in value or found else in_image(value, folder)
                        # a value the (development) image sets: like compose's, it ranks with the code's
                        # own fallbacks, which come first
                        yield base.env_var(name, at, H, default=default, secret=True if found else None)
