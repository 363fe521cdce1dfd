"""Is there any Python in the repository? The evidence, best first; None when there is none.

The rule is the gate of the provider's analyzers (they run only when this finds something), so it
must find evidence whenever one of them could find anything: a Python manifest, a version file, any
``.py`` file (python_code and the gunicorn config reader read only those), and, when none of these
exist, what the remaining content-based analyzers see (a CI job's Python version, a uWSGI ini, a
deploy file that names a Python 2 interpreter): those few run here on their own, and what they find
is the evidence. The conformance suite checks the rule on every fixture.
"""

from __future__ import annotations

from collections.abc import Iterator

from analyzers.providers.protocol import Detection, Evidence
from analyzers.providers.python import appserver_config, ci_python, python_version
from migrator.model import Confidence, Finding
from migrator.repo import RepoView

NAME = "python"
# Root manifests that the packaging analyzers read (requirements also reads requirements/*.txt).
_MANIFESTS = ("requirements.txt", "Pipfile", "Pipfile.lock", "pyproject.toml", "setup.py", "setup.cfg",
              "poetry.lock", "uv.lock", "pdm.lock")
_VERSION_FILES = (".python-version", "runtime.txt")
_SOURCES = (".py", ".pyw")


def detect(repo: RepoView) -> Detection | None:
    """The evidence for Python in ``repo``, or None (see the module docstring)."""
    evidence = [*_manifests(repo), *_sources(repo)]
    if not evidence:
        evidence = list(_content(repo))
    if not evidence:
        return None
    evidence.sort(key=lambda e: (-e.confidence, e.file.count("/"), e.file))
    return Detection(NAME, tuple(evidence))


def _manifests(repo: RepoView) -> Iterator[Evidence]:
    for rel in [*_MANIFESTS, *_VERSION_FILES]:
        if repo.exists(rel):
            yield Evidence(rel, None, rel, Confidence.DECLARED)
    for rel in repo.glob("requirements*.txt", "requirements/*.txt"):
        if rel != "requirements.txt":
            yield Evidence(rel, None, rel, Confidence.DECLARED)


def _sources(repo: RepoView) -> Iterator[Evidence]:
    files = repo.with_suffix(*_SOURCES)
    if files:
        first = min(files, key=lambda f: (f.count("/"), f))
        what = f"{len(files)} Python file{'s' if len(files) != 1 else ''}"
        yield Evidence(first, None, what, Confidence.INFERRED)


def _content(repo: RepoView) -> Iterator[Evidence]:
    """What the content-based analyzers find in a repo with no Python manifest and no ``.py`` file."""
    for mod in (python_version, ci_python, appserver_config):
        for item in mod.analyze(repo):
            if isinstance(item, Finding):
                src = item.source
                yield Evidence(src.file, src.line, f"read by {mod.NAME}", min(src.confidence, Confidence.INFERRED))
