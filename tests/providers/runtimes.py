"""Which runtime each fixture is an app of, for the provider conformance suite
(``tests/providers/test_conformance.py``): the group directory it lives in, ``fixtures/<runtime>/<app>/``.

The runtime is the fixture's *primary* runtime as its README describes the app (a Django app with a
webpack build is under ``python/``). A runtime with no registered provider has its group too (rust/):
the suite then asserts what migrate does today for it (no Dockerfile, "is not supported yet"). A group
that names no provider and no marker language fails the suite.
"""

from __future__ import annotations

from tests.conftest import fixture_dirs

FIXTURE_RUNTIMES: dict[str, str] = {app.name: app.parent.name for app in fixture_dirs()}

# Words in a generated Dockerfile that only an image of that runtime has a reason to contain
# (matched case-sensitively, not preceded by a letter, digit or underscore: see test_conformance).
RUNTIME_TOKENS: dict[str, tuple[str, ...]] = {
    "python": ("venv", "pip ", "python -c", "PYTHON", "/opt/venv"),
    "node": ("npm ", "node_modules", "NODE_ENV", "yarn", "pnpm"),
    "ruby": ("Gemfile", "bundle install", "bundle exec", "BUNDLE_", "RAILS_ENV", "RACK_ENV", "gem install",
             "/usr/local/bundle"),
    "php": ("composer", "docker-php-ext", "php.ini", "PHP_INI_DIR", "apache2-foreground", "artisan"),
}

# Runtimes whose tools an image of the key runtime may use in a build stage (never in the final stage):
# node-gyp builds native modules with Python, so a node image's build stage may install and point at it;
# a Rails app's assets (jsbundling, webpacker, ExecJS) build with node and yarn in its image's build stage,
# and so do a Laravel app's (Mix, Vite).
BUILD_TOOL_RUNTIMES: dict[str, frozenset[str]] = {
    "node": frozenset({"python"}),
    "ruby": frozenset({"node"}),
    "php": frozenset({"node"}),  # Laravel Mix / Vite assets build in a node stage of the php image
}


def fixture_names() -> list[str]:
    """Every fixture app (``fixtures/<runtime>/<app>/``), sorted by name."""
    return [p.name for p in fixture_dirs()]


def runtime_of(fixture: str) -> str:
    return FIXTURE_RUNTIMES[fixture]
