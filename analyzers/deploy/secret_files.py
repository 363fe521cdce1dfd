"""Committed files that hold secrets, and secrets in config files no other analyzer reads.

- Files that are secrets by their nature: private keys (``deploy/id_rsa``, ``sub/server.key``, a ``.pem``
  holding a key), keystores, credential files (``.netrc``, ``.pgpass``), Kubernetes Secret manifests with
  values (``k8s/secret.yaml``). The table of names lives in :mod:`migrator.secret_files`, shared with the
  ``.dockerignore`` generator and verify's image scan.
- Secret values in deploy and config files (nginx, docker-compose, INI, YAML, shell ...), line by line,
  through the same rules the scrubber uses. Another analyzer's finding on the same line wins (planner).

Each becomes a hard-coded secret: file, line and kind, never a byte of the value; the generated
``.dockerignore`` keeps the file out of the image and verify checks that it did. Dotenv files and Python
modules are left to :mod:`analyzers.deploy.dotenv` and :mod:`analyzers.providers.python.python_code`, which know
their syntax.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from analyzers import base
from analyzers.base import Item, Src
from migrator.repo import RepoView
from migrator.secret_files import k8s_secret_has_values, needs_content, secret_file_kind
from migrator.secrets import lift

NAME = "secret_files"

# Config and deploy files read line by line for secret values.
_CONFIG = re.compile(r"(\.(conf|cfg|ini|cnf|ya?ml|json|toml|xml|properties|sh|bash|service|timer|tf|tfvars|j2|tpl"
                     r"|erb)|(^|/)(Vagrantfile|Dockerfile[^/]*|Containerfile|Makefile|Jenkinsfile|Capfile|crontab"
                     r"|Procfile[^/]*))$")
_SKIP = re.compile(r"(^|/)(tests?|docs?|examples?|node_modules|\.migrate)/|(\.lock|-lock\.json|\.min\.js)$"
                   r"|(^|/)deploy/k8s/")
_MAX_LINE = 4000  # longer lines are minified data, not configuration


def analyze(repo: RepoView) -> Iterator[Item]:
    """A SecretFinding for every secret file in the repo and every secret value in a config file."""
    for rel in repo.files():
        kind = secret_file_kind(rel)
        if kind == "dotenv":
            continue
        if kind is not None:
            yield from _secret_file(repo, rel)
        elif rel == "migrate.toml":
            yield from _overrides(repo, rel)
        elif _CONFIG.search(rel) and not _SKIP.search(rel):
            yield from _values(repo, rel)


def _secret_file(repo: RepoView, rel: str) -> Iterator[Item]:
    kind = secret_file_kind(rel)
    if needs_content(rel):
        text = repo.read_text(rel)
        # a file that cannot be read as text (a DER key) is judged by its name alone
        kind = secret_file_kind(rel, None if text is None else text.encode("utf-8", "replace"))
        if kind is None or kind == "k8s_secret" and text is not None and not k8s_secret_has_values(text):
            return  # a certificate, a keys-only Secret template: nothing secret in it
    if kind is not None:
        yield base.hardcoded_secret(Src(NAME, rel), rel.rsplit("/", 1)[-1], kind)


_SECTION = re.compile(r"^\s*\[\s*env\s*\.\s*[\"']?([A-Za-z_][A-Za-z0-9_]*)[\"']?\s*\]")
_DEFAULT = re.compile(r"^\s*default\s*=\s*(?:\"((?:[^\"\\]|\\.)*)\"|'([^']*)')")


def _overrides(repo: RepoView, rel: str) -> Iterator[Item]:
    """``[env.ADMIN_PASSWORD] default = "..."`` in migrate.toml: a secret committed with the overrides."""
    section: str | None = None
    for lineno, line in enumerate(repo.lines(rel), start=1):
        if line.lstrip().startswith("["):
            m = _SECTION.match(line)
            section = m.group(1) if m else None
            continue
        m = _DEFAULT.match(line)
        if section and m:
            found = base.check_assignment(Src(NAME, rel, lineno), section, m.group(1) or m.group(2) or "")
            if found is not None:
                yield found


def _values(repo: RepoView, rel: str) -> Iterator[Item]:
    for lineno, line in enumerate(repo.lines(rel), start=1):
        if len(line) > _MAX_LINE or line.lstrip().startswith(("#", "//", ";")):
            continue
        for ref in lift(line).refs:
            yield base.hardcoded_secret(Src(NAME, rel, lineno), ref.label, ref.kind)
