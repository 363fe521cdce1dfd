"""analyzers.lib.rb: Ruby calls, literal values and ENV reads read by tree-sitter-ruby, never run."""

from __future__ import annotations

from analyzers.lib import rb
from analyzers.lib.rb import EnvRef, Interp, RbHash, RbList, RubyFile, Symbol, Unknown

DEPLOY = b'''set :application, "shop"
set :deploy_to, -> { "/var/www/#{fetch(:application)}" }
append :linked_dirs, "log", "tmp/pids"
set :keep_releases, 5
server "web1.example.com", user: "deploy", roles: %w{web app db}, primary: true
role :worker, ["w1", "w2"]
namespace :deploy do
  task :restart do
    on roles(:app) do
      execute :rake, "cache:clear"
    end
  end
end
'''


def _file(src: bytes | str) -> RubyFile:
    parsed = RubyFile.parse(src)
    assert parsed is not None
    return parsed


def test_calls_in_source_order_with_their_arguments_and_lines() -> None:
    f = _file(DEPLOY)
    calls = [(c.method, c.line) for c in f.calls()]
    assert calls[:6] == [("set", 1), ("set", 2), ("fetch", 2), ("append", 3), ("set", 4), ("server", 5)]
    server = next(f.calls(names={"server"}))
    assert f.arg(server, 0) == "web1.example.com"
    assert f.kwarg(server, "roles") == RbList(("web", "app", "db"))
    assert f.kwarg(server, "primary") is True
    assert rb.texts(f.kwarg(server, "roles")) == ["web", "app", "db"]
    role = next(f.calls(names={"role"}))
    assert f.arg(role, 0) == Symbol("worker") and rb.texts(f.arg(role, 1)) == ["w1", "w2"]
    keep = [c for c in f.calls(names={"set"}) if f.arg(c, 0) == Symbol("keep_releases")]
    assert f.arg(keep[0], 1) == 5


def test_nested_blocks_are_walked_and_top_calls_are_not() -> None:
    f = _file(DEPLOY)
    execute = next(f.calls(names={"execute"}))
    assert execute.line == 10 and f.arg(execute, 0) == Symbol("rake") and f.arg(execute, 1) == "cache:clear"
    assert [c.method for c in f.top_calls()] == ["set", "set", "append", "set", "server", "role", "namespace"]
    ns = next(f.calls(names={"namespace"}))
    assert [c.method for c in f.top_calls(ns.block)] == ["task"]


def test_env_reads_with_defaults_and_required_fetches() -> None:
    f = _file(b'''port ENV.fetch("PORT") { 3000 }
workers Integer(ENV.fetch("WEB_CONCURRENCY", 2))
url = ENV['DATABASE_URL'] || "postgres://localhost/shop"
key = ENV.fetch("SECRET_KEY_BASE")
ok = ENV.key?("REDIS_URL")
''')
    reads = list(f.env_reads())
    assert reads == [
        EnvRef("PORT", 3000, 1, fetch=True),
        EnvRef("WEB_CONCURRENCY", 2, 2, fetch=True),
        EnvRef("DATABASE_URL", "postgres://localhost/shop", 3),
        EnvRef("SECRET_KEY_BASE", None, 4, fetch=True, required=True),
        EnvRef("REDIS_URL", None, 5, check=True),
    ]
    port = next(f.calls(names={"port"}))
    assert f.arg(port, 0) == EnvRef("PORT", 3000, 1, fetch=True)
    workers = next(f.calls(names={"workers"}))
    assert f.arg(workers, 0) == EnvRef("WEB_CONCURRENCY", 2, 2, fetch=True)


def test_values_literals_hashes_interpolation_and_unknowns() -> None:
    f = _file(b'''x %i[a b], { "a" => 1, b: :c }, 1_000, 2.5, nil, false, "t\\tab", "report:#{ENV['DAY']}-#{y}", foo.bar
''')
    call = next(f.calls(names={"x"}))
    values = [f.value(a) for a in call.args]
    assert values[0] == RbList((Symbol("a"), Symbol("b")))
    assert values[1] == RbHash((("a", 1), ("b", Symbol("c"))))
    assert values[2:7] == [1000, 2.5, None, False, "t\tab"]
    interp = values[7]
    assert isinstance(interp, Interp) and interp.template == "report:${DAY}-#{y}"
    assert isinstance(values[8], Unknown) and values[8].text == "foo.bar" and values[8].line == 1


def test_erb_env_reads_at_their_yaml_lines() -> None:
    yaml = '''default: &default
  adapter: postgresql
  pool: <%= ENV.fetch("RAILS_MAX_THREADS") { 5 } %>
production:
  <<: *default
  host: <%= ENV['DB_HOST'] %>
  password: <%= ENV["DB_PASSWORD"] %>
  # <%# ENV["COMMENTED"] %>
'''
    reads = list(rb.erb_env_reads(yaml))
    assert [(r.name, r.line, r.default) for r in reads] == [
        ("RAILS_MAX_THREADS", 3, 5), ("DB_HOST", 6, None), ("DB_PASSWORD", 7, None)]


def test_deep_nesting_neither_recurses_nor_hangs() -> None:
    deep = b"x " + b"[" * 5000 + b"]" * 5000 + b"\n"
    f = RubyFile.parse(deep)
    assert f is not None
    call = next(f.calls(names={"x"}))
    value = f.value(call.args[0])
    depth = 0
    while isinstance(value, RbList) and value.items:
        value, depth = value.items[0], depth + 1
    assert isinstance(value, Unknown) and depth <= rb.MAX_DEPTH + 1


def test_broken_ruby_still_yields_the_calls_it_can() -> None:
    f = _file(b'set :application, "shop"\nset :x, [1, 2\nserver "a", roles: %w{web}\n')
    assert f.has_errors
    assert "set" in [c.method for c in f.calls()]
