"""The Ruby provider: Ruby's analyzers, its detection, its servers and step rules, and how its commands
look on a legacy host (``bundle exec``, rbenv shims and ``rbenv exec``, ``rvm X do``, ``chruby-exec``,
binstubs under ``bin/`` and Rails 3's ``script/``, ``ruby -S``).

The building blocks are pure readers over a RepoView: :mod:`.gemfile` and :mod:`.lockfile` (the bundle
every Ruby analyzer reads), :mod:`.version`, :mod:`.native`, :mod:`.frameworks`; the analyzers that turn
them into findings are :mod:`.runtime_version` (``ruby_version``) and :mod:`.runtime_packaging`
(``ruby_packaging``). Ruby is parsed with tree-sitter-ruby (:mod:`analyzers.lib.rb`), imported only when a
Ruby analyzer runs, which it does only when :func:`detect` found Ruby.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from analyzers.base import Analyzer
from analyzers.lib.argv import basename
from analyzers.providers import common
from analyzers.providers.common import LazyAnalyzer
from analyzers.providers.protocol import PrunedDirs, ServerSpec, StepRule, Tier
from analyzers.providers.ruby import servers, steps
from analyzers.providers.ruby.detect import detect as detect
from migrator.commands import CommandMeaning, ParsedCommand
from migrator.repo import RepoView

NAME = "ruby"
HEROKU_BUILDPACKS: tuple[str, ...] = ("ruby", "heroku/ruby")
# .rake (Rakefile tasks), .ru (config.ru), .gemspec; .erb templates are views, read as YAML/ERB where needed
SOURCE_SUFFIXES: tuple[str, ...] = (".rb", ".rake", ".ru", ".gemspec", ".jbuilder")
# Installed gems, caches, compiled assets and uploads: never the app's own source. vendor/cache is not
# here: it holds the .gem files the image installs from (bundle install --local), which the analysis reads.
PRUNED = PrunedDirs(frozenset(), frozenset({
    "vendor/bundle", ".bundle/ruby", "tmp/cache", "tmp/pids", "tmp/sockets", "tmp/sessions", "tmp/storage",
    "public/assets", "public/packs", "public/packs-test", "public/system", "public/uploads",
}))
# imported when they first run (only when detect found Ruby): a Python or Node repo never loads the bundle
# readers, the native table or tree-sitter-ruby's reader (about 70 ms of every analysis)
ANALYZERS: Mapping[Tier, tuple[Analyzer, ...]] = {
    # config/puma.rb, config/unicorn.rb, thin.yml: the web server's port, workers, threads, files
    Tier.SERVER_CONFIG: (LazyAnalyzer("ruby_server_config", f"{__name__}.app_server_config"),),
    # whenever's config/schedule.rb is the crontab it writes; sidekiq-cron/-scheduler, clockwork
    Tier.HOST_CONFIG: (LazyAnalyzer("ruby_schedules", f"{__name__}.app_schedules"),),
    Tier.PACKAGING: (LazyAnalyzer("ruby_version", f"{__name__}.runtime_version"),
                     LazyAnalyzer("ruby_packaging", f"{__name__}.runtime_packaging")),
    # env reads (code, ERB in YAML), credentials, services, health routes, writable paths; queue workers
    Tier.CODE: (LazyAnalyzer("ruby_code", f"{__name__}.app_code"),
                LazyAnalyzer("ruby_workers", f"{__name__}.app_workers")),
}
SERVERS: Mapping[str, ServerSpec] = servers.SERVERS
STEP_RULES: tuple[StepRule, ...] = steps.STEP_RULES
# Ruby handles SIGTERM as PID 1 (the VM installs its own handler and raises SignalException), and puma,
# unicorn and sidekiq trap it for a graceful stop: no init needed
INIT_PROGRAMS: frozenset[str] = frozenset()

INTERPRETER = re.compile(r"^(j?ruby)(\d+(\.\d+)*)?$")
_RUBY_VALUE_OPTIONS = frozenset({"-I", "-r", "-C", "-E", "--encoding", "-F", "-T", "-K"})
_VERSION_MANAGER = re.compile(r"(^|/)(\.rbenv/(shims|versions/[^/]+/bin)|\.rvm/(gems|rubies|wrappers)/[^/]+(/[^/]+)?"
                              r"/bin|\.gem/ruby/[^/]+/bin|\.local/share/gem/ruby/[^/]+/bin|\.asdf/shims|"
                              r"\.rubies/[^/]+/bin|vendor/bundle/ruby/[^/]+/bin|opt/rubies/[^/]+/bin)/")
# gem executables the container runs through `bundle exec` (binstubs under bin/ load bundler themselves)
_GEM_EXECUTABLES = frozenset({"puma", "unicorn", "unicorn_rails", "thin", "rackup", "rails", "rake", "sidekiq",
                              "good_job", "clockwork", "shoryuken", "resque-pool", "falcon", "passenger"})


def unwrap(argv: Sequence[str]) -> tuple[tuple[str, ...], str, str | None] | None:
    """``bundle exec [--keep-file-descriptors] x`` / ``rbenv exec x`` / ``rvm 2.7.8 do x`` / ``chruby-exec 3.1 -- x``
    -> x, with the runner's words."""
    if not argv:
        return None
    head = basename(argv[0])
    rest = list(argv[1:])
    if head in ("bundle", "bundler") and rest[:1] == ["exec"]:
        used = [argv[0], "exec"]
        rest = rest[1:]
        while rest and rest[0].startswith("--"):
            used.append(rest.pop(0))
        return (tuple(rest), " ".join(used), None) if rest else None
    if head == "rbenv" and rest[:1] == ["exec"] and len(rest) > 1:
        return tuple(rest[1:]), "rbenv exec", None
    if head == "rvm" and "do" in rest and rest.index("do") + 1 < len(rest):
        at = rest.index("do")
        return tuple(rest[at + 1 :]), " ".join(["rvm", *rest[: at + 1]]), None
    if head == "chruby-exec" and "--" in rest and rest.index("--") + 1 < len(rest):
        at = rest.index("--")
        return tuple(rest[at + 1 :]), " ".join(["chruby-exec", *rest[: at + 1]]), None
    return None


def program(core: Sequence[str]) -> tuple[str, tuple[str, ...]] | None:
    """(program, arguments) through the interpreter: ``ruby -S rake db:migrate`` -> rake, ``ruby bin/rails s``
    -> rails, ``ruby app.rb -p 4567`` -> app.rb; None when ``core`` does not start with a Ruby interpreter."""
    if not core or not INTERPRETER.match(basename(core[0])):
        return None
    args = list(core[1:])
    while args and args[0].startswith("-"):
        opt = args.pop(0)
        if opt in ("-e", "--version", "-v"):
            return basename(core[0]), ()
        if opt == "-S" and args:
            return basename(args[0]), tuple(args[1:])
        if opt in _RUBY_VALUE_OPTIONS and args:
            args.pop(0)
    if args:
        return basename(args[0]), tuple(args[1:])
    return basename(core[0]), ()


_WEB_SCRIPTS = frozenset({"app", "server", "web", "main", "application", "api", "config"})
_WORKER_WORDS = ("worker", "consumer", "queue", "jobs", "daemon")


def classify(cmd: ParsedCommand) -> CommandMeaning | None:
    """The meaning of a Ruby server, worker, scheduler or task; a bare ``CommandMeaning("ruby")`` for any
    other Ruby program; None when the program is not Ruby's."""
    if not cmd.core:
        return None
    through = program(cmd.core)
    prog, args = through if through is not None else (basename(cmd.core[0]), tuple(cmd.core[1:]))
    if prog == "jobs" and servers.is_bin_jobs(cmd.core[0]):
        return servers.meaning(servers.WORKER, "worker", "solid_queue")
    handler = servers.HANDLERS.get(prog)
    if handler is not None:
        return handler(list(args))
    if through is not None and prog.endswith(".rb"):
        stem = prog[: -len(".rb")].lower()
        role = servers.WEB if stem in _WEB_SCRIPTS else (
            servers.WORKER if any(w in stem for w in _WORKER_WORDS) else None)
        return servers.meaning(role, "web" if role is servers.WEB else None, entrypoint=prog)
    if through is not None or prog in servers.PROGRAMS:
        return servers.meaning()
    return None


def host_program(argv0: str) -> str | None:
    """``/usr/local/bin/bundle``, ``~/.rbenv/shims/bundle`` and ``~/.rvm/gems/ruby-2.7.8/bin/puma`` -> the bare
    name; ``/usr/bin/ruby2.7`` -> ``ruby``; None for anything else (``bin/rails`` stays the app's binstub)."""
    if "/" not in argv0:
        return None
    name = basename(argv0)
    if INTERPRETER.match(name):
        return "ruby"
    if _VERSION_MANAGER.search(argv0) or (argv0.startswith("/") and name in servers.PROGRAMS
                                           and "/bin/" in argv0 and not re.search(r"/(current|releases/\d+)/", argv0)):
        return name
    return None


def container_argv(meaning: CommandMeaning, port: int | None) -> tuple[tuple[str, ...], str | None]:
    """(argv, note): a Ruby command as its container runs it: in the foreground (no ``-d``/``-D``), its
    server listening on 0.0.0.0:``port``, no log or pid files, a gem executable through ``bundle exec``
    (the locked versions, not whatever RubyGems activates first), ``bin/delayed_job start`` as ``run``."""
    argv = list(meaning.container)
    notes: list[str] = []
    server = meaning.server
    if server == "rails":
        argv = ["server" if a == "s" else a for a in argv]
    if server in servers.DAEMON_FLAGS:
        kept = [a for a in argv if a not in servers.DAEMON_FLAGS[server]]
        if kept != argv:
            notes.append("runs in the foreground (the host daemonized it)")
        argv = kept
    if server == "delayed_job" and any(a in ("start", "restart") for a in argv):
        argv = [a if a not in ("start", "restart") else "run" for a in _drop(argv, {"-n", "--number_of_workers",
                                                                                     "--pid-dir", "--log-dir"})]
        notes.append("delayed_job runs one worker in the foreground; replicas scale it")
    if server == "clockwork" and argv and basename(argv[0]) == "clockworkd":
        clock = meaning.entrypoint
        argv = ["clockwork", clock] if clock else argv
        notes.append("clockworkd's daemon replaced by clockwork in the foreground")
    if server == "thin":
        argv = _drop(argv, {"-s", "--servers"})
    spec = SERVERS.get(server) if server else None
    if port is None and meaning.unix_socket and spec is not None:
        port = spec.default_port  # a socket nginx proxied to: a pod listens on TCP, the server's default port
    argv, listen = common.listen_note(meaning, spec, argv, port)
    argv, files = common.file_note(spec, argv)
    notes += [n for n in (listen, files) if n]
    if argv and argv[0] in _GEM_EXECUTABLES:
        argv = ["bundle", "exec", *argv]
    return tuple(argv), "; ".join(notes) or None


def _drop(argv: list[str], options: set[str]) -> list[str]:
    out: list[str] = []
    skip = False
    for a in argv:
        if skip:
            skip = False
        elif a in options:
            skip = True
        elif a.split("=", 1)[0] not in options:
            out.append(a)
    return out


def resolve(repo: RepoView, cmd: ParsedCommand) -> tuple[str, str] | None:
    """None: Ruby has no script table a deploy command names by key (a rake task is the command itself)."""
    return None

