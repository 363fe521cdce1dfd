"""Committed files that are secrets by their nature: private keys (``deploy/id_rsa``, ``sub/server.key``,
a ``.pem`` holding a key), keystores, credential files (``.netrc``, ``.pgpass``), Kubernetes Secret
manifests (``k8s/secret.yaml``). Each becomes a hard-coded secret (file and kind, never a byte of it);
the generated ``.dockerignore`` keeps them out of the image and verify checks that it did.

Dotenv files are the :mod:`analyzers.dotenv` analyzer's: it knows which of their lines are secret.
The table of names lives in :mod:`migrator.secret_files`, shared with the generator and verify.
"""

from __future__ import annotations

from collections.abc import Iterator

from analyzers import base
from analyzers.base import Item, Src
from migrator.repo import RepoView
from migrator.secret_files import k8s_secret_has_values, needs_content, secret_file_kind

NAME = "secret_files"


def analyze(repo: RepoView) -> Iterator[Item]:
    """A SecretFinding for every secret file in the repo."""
    for rel in repo.files():
        kind = secret_file_kind(rel)
        if kind is None or kind == "dotenv":
            continue
        if needs_content(rel):
            text = repo.read_text(rel)
            # a file that cannot be read as text (a DER key) is judged by its name alone
            kind = secret_file_kind(rel, None if text is None else text.encode("utf-8", "replace"))
            if kind is None or kind == "k8s_secret" and text is not None and not k8s_secret_has_values(text):
                continue  # a certificate, a keys-only Secret template: nothing secret in it
        yield base.hardcoded_secret(Src(NAME, rel), rel.rsplit("/", 1)[-1], kind)
