"""node/native.py: native modules found in package.json and lockfiles, and their Debian packages.

The Docker test asks bookworm's apt index (from one throwaway debian:bookworm-slim container, as
tests/analyzers/lib/test_debian_names.py does for the Python table) whether every name in the table is a real
package there: a wrong name fails the generated image's apt-get install.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from analyzers.providers.node.native import BUILD_TOOLS, NATIVE, native_needs
from analyzers.providers.node.pkg import Package, root_package
from migrator.model import Confidence
from migrator.repo import RepoView

Tree = Callable[[dict[str, str | bytes]], Path]
LOCK = """{
  "name": "api",
  "lockfileVersion": 3,
  "requires": true,
  "packages": {
    "": {
      "dependencies": {"bcrypt": "^5.1.1", "sharp": "^0.33.2"}
    },
    "node_modules/bcrypt": {
      "version": "5.1.1",
      "resolved": "https://registry.npmjs.org/bcrypt/-/bcrypt-5.1.1.tgz",
      "hasInstallScript": true,
      "dependencies": {"@mapbox/node-pre-gyp": "^1.0.11"}
    },
    "node_modules/sharp": {
      "version": "0.33.2",
      "hasInstallScript": true
    },
    "node_modules/sqlite3": {
      "version": "5.1.7",
      "hasInstallScript": true
    },
    "node_modules/esbuild": {
      "version": "0.20.1",
      "hasInstallScript": true
    },
    "node_modules/node-expat": {
      "version": "2.4.1",
      "hasInstallScript": true
    }
  }
}
"""


def pkg(tree: Tree, package_json: str, **files: str) -> tuple[Package, RepoView]:
    repo = RepoView(tree({"package.json": package_json, **files}))
    found = root_package(repo)
    assert found is not None
    return found, repo


def test_declared_and_locked_native_modules(tree: Tree) -> None:
    p, repo = pkg(tree, '{\n  "dependencies": {\n    "bcrypt": "^5.1.1",\n    "sharp": "^0.33.2"\n  }\n}\n')
    needs = native_needs(p, "package-lock.json", LOCK, repo.files())
    assert [(n.package, n.file, n.line, n.confidence) for n in needs] == [
        ("bcrypt", "package.json", 3, Confidence.DECLARED),
        ("sqlite3", "package-lock.json", 19, Confidence.INFERRED),  # transitive, from the lock
        ("node-expat", "package-lock.json", 27, Confidence.INFERRED),  # hasInstallScript beyond the table
    ]  # esbuild's install script only picks its binary from an npm package: not a compile
    assert needs[0].build == BUILD_TOOLS and needs[0].runtime == ()


def test_old_sharp_needs_libvips_and_new_sharp_nothing(tree: Tree) -> None:
    p, _ = pkg(tree, '{"dependencies": {"sharp": "^0.32.6"}}')
    (need,) = native_needs(p)
    assert need.build == ("libvips-dev", *BUILD_TOOLS) and need.runtime == ("libvips42",)
    p, _ = pkg(tree, '{"dependencies": {"sharp": "^0.33.2"}}')
    assert native_needs(p) == []


def test_yarn_and_pnpm_locks_give_transitive_modules(tree: Tree) -> None:
    p, _ = pkg(tree, '{"dependencies": {"ssh2": "^1.15.0"}}')
    yarn = '# yarn lockfile v1\n\n\ncpu-features@~0.0.9:\n  version "0.0.9"\n\nssh2@^1.15.0:\n  version "1.15.0"\n'
    assert [(n.package, n.line) for n in native_needs(p, "yarn.lock", yarn)] == [("cpu-features", 4)]
    pnpm = "lockfileVersion: '6.0'\n\npackages:\n\n  /canvas@2.11.2:\n    resolution: {integrity: sha512-x}\n"
    (need,) = native_needs(p, "pnpm-lock.yaml", pnpm)
    assert (need.package, need.line) == ("canvas", 5) and "libcairo2" in need.runtime


def test_puppeteer_uses_debians_chromium(tree: Tree) -> None:
    p, _ = pkg(tree, '{"dependencies": {"puppeteer": "^22"}}')
    (need,) = native_needs(p)
    assert need.build == () and need.runtime == ("chromium", "fonts-liberation")
    assert dict(need.env)["PUPPETEER_SKIP_DOWNLOAD"] == "1"


def test_build_helpers_and_binding_gyp(tree: Tree) -> None:
    p, repo = pkg(tree, '{\n  "dependencies": {\n    "node-addon-api": "^7"\n  }\n}\n', **{"binding.gyp": "{}"})
    needs = native_needs(p, files=repo.files())
    assert [(n.package, n.file, n.line) for n in needs] == [("node-addon-api", "package.json", 3),
                                                          ("binding.gyp", "binding.gyp", None)]


def test_pure_js_apps_need_nothing(tree: Tree) -> None:
    p, _ = pkg(tree, '{"dependencies": {"express": "^4", "pg": "^8", "knex": "^3"}}')
    assert native_needs(p) == []


def _names() -> list[str]:
    return sorted({n for mod in NATIVE.values() for n in (*mod.build, *mod.runtime)})


_SCRIPT = r"""
set -e
mkdir -p /tmp/l/lists/partial /tmp/l/cache/archives/partial
echo "deb [trusted=yes] http://deb.debian.org/debian bookworm main" > /tmp/l.list
o="-o Dir::Etc::SourceList=/tmp/l.list -o Dir::Etc::SourceParts=/nonexistent -o Dir::State::Lists=/tmp/l/lists"
o="$o -o Dir::Cache=/tmp/l/cache -o Dir::State::status=/dev/null"
apt-get -qq $o update >/dev/null
printf '%s\n' $NAMES > /tmp/wanted
apt-cache $o pkgnames | grep -Fx -f /tmp/wanted
"""


@pytest.mark.docker
def test_every_debian_name_exists_in_bookworm() -> None:
    import docker

    names = _names()
    out = docker.from_env().containers.run("debian:bookworm-slim", ["sh", "-c", _SCRIPT],
                                           environment={"NAMES": " ".join(names)}, remove=True)
    found = set(out.decode().split())
    assert found, "apt found nothing: is Debian's mirror reachable from containers?"
    assert [n for n in names if n not in found] == []
