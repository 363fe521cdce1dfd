"""The runtime-neutral build plan a provider's image planner returns, and the one renderer of Dockerfiles.

A plan is what Nixpacks calls a ``BuildPlan``: stages in order (each an image, an optional stage name,
its environment and its instruction blocks, every block carrying the comment that says where it came
from), the last stage being the image that runs. The renderer knows no language: Python's virtualenv,
Node's ``node_modules`` and a Go binary are all just blocks of a stage (:mod:`generators.image.python`,
:mod:`generators.image.node`). Each block is a finished instruction (comments first); :func:`render`
joins them and strips control characters from anything a repository value may have put there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from jinja2 import Environment, PackageLoader, StrictUndefined

from generators.spec import UID, AppSpec
from generators.values import APP_DIR
from migrator.textsafe import block

_env = Environment(loader=PackageLoader("generators", "templates"), undefined=StrictUndefined,
                   keep_trailing_newline=True, autoescape=False)  # noqa: S701 - a Dockerfile, not HTML


@dataclass(frozen=True)
class Stage:
    """One ``FROM``: ``title`` heads it as a comment, ``name`` is its ``AS`` name (None for the final stage)."""

    title: str
    image: str
    blocks: tuple[str, ...]
    name: str | None = None
    env: tuple[str, ...] = ()  # ENV pairs (``NAME=value``), set right after FROM


@dataclass(frozen=True)
class BuildPlan:
    """A Dockerfile as data: header comments, then the stages; the last stage is the runtime image."""

    header: tuple[str, ...]  # comment lines (without "# ") under the generated mark
    stages: tuple[Stage, ...]
    buildkit: bool = False  # BuildKit-only syntax is used (cache mounts): the syntax line goes first
    source: str = ""  # what the plan was made from when it is not the analysis ("migrate.toml [image]")

    @property
    def runtime(self) -> Stage:
        return self.stages[-1]


def render(plan: BuildPlan) -> str:
    """The Dockerfile text of ``plan``; no control character from a repository value reaches the file."""
    return block(_env.get_template("Dockerfile.j2").render(plan=plan))


def apt(packages: Sequence[str], why: Sequence[str], header: str = "") -> str:
    """One ``RUN apt-get install`` block, each package's reason as a comment above it."""
    comment = header + "".join(f"# {w}\n" for w in why)
    names = " \\\n      ".join(packages)
    return (f"{comment}RUN apt-get update \\\n && apt-get install -y --no-install-recommends \\\n      {names} \\\n"
            " && rm -rf /var/lib/apt/lists/*")


def user_lines(spec: AppSpec) -> str:
    """The non-root user the image runs as: the legacy user's name, a fixed UID for runAsNonRoot."""
    user = spec.user.value
    return (f"# non-root user {user!r} ({spec.user.origin}), fixed UID {UID} for runAsNonRoot\n"
            f"RUN groupadd --gid {UID} {user} \\\n"
            f" && useradd --uid {UID} --gid {UID} --home-dir {APP_DIR} --no-create-home "
            f"--shell /usr/sbin/nologin {user}")
