"""Is there any Ruby in the repository? Gemfiles, locks, ``config.ru``, version files and gemspecs as
evidence, and what the Gemfile alone suggests Ruby is there for.

Source files alone are no evidence (a ``Vagrantfile`` or a Homebrew formula is Ruby too). A Gemfile whose
gems are all deploy and developer tools (Capistrano deploying a Django app, rubocop, Jekyll docs,
fastlane) says TOOLING: the app is another runtime's; a Gemfile with any other gem, a ``config.ru``, or
a Rails ``config/application.rb`` says APP.
"""

from __future__ import annotations

import posixpath

from analyzers.providers.protocol import Detection, Evidence, RoleHint
from analyzers.providers.ruby.gemfile import GEMFILES, bundle
from migrator.model import Confidence
from migrator.repo import RepoView

NAME = "ruby"
_MAX_DEPTH = 1  # the root and one directory down, never vendored trees
MANIFESTS = (*GEMFILES, "Gemfile.lock", "gems.locked", "config.ru")
VERSION_FILES = (".ruby-version", ".rvmrc")
# Gems that deploy, lint, test or document an app but never are one.
TOOL_GEMS = frozenset({
    "capistrano", "capistrano-bundler", "capistrano-rails", "capistrano-rbenv", "capistrano-rvm",
    "capistrano-passenger", "capistrano3-puma", "capistrano-sidekiq", "capistrano-npm", "capistrano-yarn",
    "capistrano-django", "capistrano-composer", "capistrano-laravel", "capistrano-locally", "capistrano-nvm",
    "capistrano-git-with-submodules", "capistrano-slackify", "capistrano-ssh-doctor", "sshkit", "mina", "rake",
    "rubocop", "rubocop-rails", "rubocop-rspec", "rubocop-performance", "standard", "rspec", "minitest", "danger",
    "fastlane", "cocoapods", "xcpretty", "jekyll", "github-pages", "jekyll-feed", "jekyll-seo-tag", "sass",
    "compass", "scss_lint", "scss-lint", "overcommit", "mdl", "asciidoctor", "bundler-audit", "brakeman",
    "foreman", "kramdown", "html-proofer", "middleman", "guard", "guard-livereload", "bundler", "ed25519",
    "bcrypt_pbkdf", "net-ssh", "net-scp", "airbrussh", "slather", "license_finder", "pronto", "chef", "knife",
    "serverspec", "test-kitchen", "kitchen-docker", "inspec", "puppet", "vagrant", "mailcatcher",
})
TOOL_PREFIXES = ("capistrano", "rubocop", "jekyll-", "fastlane-", "danger-", "kitchen-", "guard-", "cocoapods")


def has_ruby(repo: RepoView) -> bool:
    """Whether the root has a Gemfile, a lock or a config.ru (what the Ruby analyzers read)."""
    return any(repo.exists(name) for name in MANIFESTS)


def detect(repo: RepoView) -> Detection | None:
    """The evidence for Ruby in ``repo``, or None."""
    files = sorted((f for f in repo.named(*MANIFESTS, *VERSION_FILES) if f.count("/") <= _MAX_DEPTH),
                   key=lambda f: (f.count("/"), f))
    files += sorted(f for f in repo.glob("*.gemspec") if f.count("/") <= _MAX_DEPTH)
    evidence = [Evidence(rel, None, rel, Confidence.DECLARED) for rel in files]
    if repo.exists(".tool-versions"):
        for number, line in enumerate(repo.lines(".tool-versions"), 1):
            if line.split()[:1] == ["ruby"]:
                evidence.append(Evidence(".tool-versions", number, "ruby in .tool-versions", Confidence.DECLARED))
    if repo.exists("config/application.rb") and evidence:
        evidence.append(Evidence("config/application.rb", None, "a Rails application", Confidence.DECLARED))
    if not evidence:
        return None
    evidence.sort(key=lambda e: (-e.confidence, e.file.count("/"), e.file))
    manifests = [f for f in files if posixpath.basename(f) in GEMFILES]
    roots = tuple(dict.fromkeys(posixpath.dirname(f) or "." for f in manifests)) or (".",)
    return Detection(NAME, tuple(evidence), roots, role_hint(repo))


def is_tool(name: str) -> bool:
    return name in TOOL_GEMS or name.startswith(TOOL_PREFIXES)


def role_hint(repo: RepoView) -> RoleHint:
    """TOOLING when every declared gem is a deploy or developer tool and nothing else says app; else APP."""
    if repo.exists("config.ru") or repo.exists("config/application.rb") or repo.glob("*.gemspec"):
        return RoleHint.APP
    gems = bundle(repo).gems
    if gems and all(is_tool(name) for name in gems):
        return RoleHint.TOOLING
    return RoleHint.APP
