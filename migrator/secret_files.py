"""Files that hold secrets by their nature: private keys, keystores, dotenv files, credential files and
Kubernetes Secret manifests. One table serves three readers, so they cannot disagree:

- the ``secret_files`` analyzer reports each one found in the repo (where, never what);
- the generated ``.dockerignore`` excludes them at any depth (:func:`dockerignore_lines`);
- ``migrate verify`` looks for them in the built image (:func:`secret_file_kind`).

Dotenv *templates* (``.env.example``, ``.env.sample``, ``.env.template``, ``.env.dist``) stay in the image:
they hold placeholders, and some apps read them for defaults. A template in which the analysis found a
real secret is excluded by name like any other file in ``secrets_found``.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass

PRIVATE_KEY_MARKER = re.compile(rb"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|PuTTY-User-Key-File-")
DOTENV_TEMPLATES = (".env.example", ".env.sample", ".env.template", ".env.dist")
# Directories whose secret*.yaml files are Kubernetes Secrets, not app configuration.
K8S_DIRS = ("k8s", "kubernetes", "kube", "manifests", "helm", "charts", "deploy", "openshift")


@dataclass(frozen=True)
class SecretFilePattern:
    """Files whose base name matches ``glob`` (under one of ``under`` when given) hold a secret.

    ``needs`` is a content marker the file must carry to be *reported* or *flagged in an image* (a
    certificate ``.pem`` is public; its key is not); the ``.dockerignore`` excludes every match anyway.
    """

    glob: str
    kind: str
    needs: re.Pattern[bytes] | None = None
    under: tuple[str, ...] = ()

    def dockerignore(self) -> list[str]:
        if not self.under:
            return [f"**/{self.glob}"]
        return [f"**/{d}/**/{self.glob}" for d in self.under]  # "**/" matches no directory too


PATTERNS: tuple[SecretFilePattern, ...] = (
    SecretFilePattern(".env", "dotenv"),
    SecretFilePattern(".env.*", "dotenv"),
    SecretFilePattern("*.pem", "private_key", PRIVATE_KEY_MARKER),
    SecretFilePattern("*.key", "private_key", PRIVATE_KEY_MARKER),
    SecretFilePattern("*.ppk", "private_key", PRIVATE_KEY_MARKER),
    SecretFilePattern("id_rsa*", "private_key"),
    SecretFilePattern("id_dsa*", "private_key"),
    SecretFilePattern("id_ecdsa*", "private_key"),
    SecretFilePattern("id_ed25519*", "private_key"),
    SecretFilePattern("*.p12", "keystore"),
    SecretFilePattern("*.pfx", "keystore"),
    SecretFilePattern("*.jks", "keystore"),
    SecretFilePattern("*.keystore", "keystore"),
    SecretFilePattern(".netrc", "credentials"),
    SecretFilePattern(".pgpass", "credentials"),
    SecretFilePattern(".pypirc", "credentials", re.compile(rb"password", re.IGNORECASE)),
    SecretFilePattern(".npmrc", "credentials", re.compile(rb"_authToken|_password|_auth\s*=")),
    SecretFilePattern(".git-credentials", "credentials"),
    SecretFilePattern(".htpasswd", "credentials"),
    SecretFilePattern("*.tfstate", "credentials"),
    SecretFilePattern("secret*.y*ml", "k8s_secret", re.compile(rb"kind:\s*Secret\b"), K8S_DIRS),
)
# Deploy-time files the app never reads at runtime, which often hold credentials.
DEPLOY_ONLY = ("docker-compose*.y*ml", "compose*.y*ml", "Vagrantfile", ".vagrant")
# Whole directories that only ever hold credentials.
SECRET_DIRS = (".ssh", ".aws", ".gnupg", ".docker")
_SECRET_DIR_SET = frozenset(SECRET_DIRS)


def _matches(pattern: SecretFilePattern, rel: str) -> bool:
    parts = rel.split("/")
    name = parts[-1]
    if not fnmatch.fnmatchcase(name, pattern.glob):
        return False
    if pattern.glob.startswith(".env") and name in DOTENV_TEMPLATES:
        return False
    if pattern.glob.startswith("id_") and name.endswith(".pub"):
        return False  # the public half
    return not pattern.under or any(d in pattern.under for d in parts[:-1])


# One regex for every name in the table: most files of a repo are rejected by a single match.
_ANY_NAME = re.compile("|".join(f"(?:{fnmatch.translate(p.glob)})" for p in PATTERNS))


def secret_file_kind(rel: str, head: bytes | None = None) -> str | None:
    """The kind of secret a file holds by its path (and, where it takes one, the start of its content:
    ``None`` when unread, which then counts as a match). None for an ordinary file."""
    parts = rel.split("/")
    if not _SECRET_DIR_SET.isdisjoint(parts[:-1]):
        return "credentials"
    if not _ANY_NAME.match(parts[-1]):
        return None
    for pattern in PATTERNS:
        if _matches(pattern, rel):
            if pattern.needs is not None and head is not None and not pattern.needs.search(head):
                continue
            return pattern.kind
    return None


def needs_content(rel: str) -> bool:
    """Whether :func:`secret_file_kind` would look at the content of ``rel``."""
    return any(_matches(p, rel) and p.needs is not None for p in PATTERNS)


def dockerignore_lines() -> list[str]:
    """The ``.dockerignore`` lines that keep secret-bearing files out of the build context at any depth."""
    lines: list[str] = []
    for pattern in PATTERNS:
        lines += pattern.dockerignore()
        if pattern.glob == ".env.*":
            lines += [f"!**/{t}" for t in DOTENV_TEMPLATES]
    lines += [f"**/{d}" for d in SECRET_DIRS]
    lines += [f"**/{d}" for d in DEPLOY_ONLY]
    return lines


def dockerignore_escape(rel: str) -> str:
    """A literal path as a ``.dockerignore`` line (its glob characters escaped)."""
    return re.sub(r"([*?\[\]\\])", r"\\\1", rel)


def k8s_secret_has_values(text: str) -> bool:
    """Whether a Secret manifest carries values (a keys-only template, like the one `migrate generate`
    writes, does not). Unparsable YAML counts as carrying values: it cannot be shown harmless."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        docs = list(YAML(typ="safe", pure=True).load_all(text))
    except (YAMLError, ValueError, RecursionError):
        return True
    for doc in docs:
        if not isinstance(doc, dict) or doc.get("kind") != "Secret":
            continue
        for section in ("data", "stringData"):
            values = doc.get(section)
            if isinstance(values, dict) and any(v not in (None, "") for v in values.values()):
                return True
    return False
