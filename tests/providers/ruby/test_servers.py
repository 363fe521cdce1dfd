"""The Ruby provider's command side: runners, interpreters, host paths, the servers' meanings and their
container commands (foreground, 0.0.0.0:port, no pid or log files, bundle exec)."""

from __future__ import annotations

import pytest

from analyzers.commands import meaning, parse_command
from analyzers.providers import ruby
from migrator.commands import StepKind
from migrator.model import ProcessRole


@pytest.mark.parametrize(("command", "core", "runner"), [
    ("bundle exec puma -C config/puma.rb", ["puma", "-C", "config/puma.rb"], "bundle exec"),
    ("~/.rbenv/shims/bundle exec --keep-file-descriptors unicorn -D", ["unicorn", "-D"],
     "~/.rbenv/shims/bundle exec --keep-file-descriptors"),
    ("RAILS_ENV=production /usr/local/bin/bundle exec rake db:migrate", ["rake", "db:migrate"],
     "/usr/local/bin/bundle exec"),
    ("rbenv exec bundle exec sidekiq", ["sidekiq"], "bundle exec"),
    ("rvm 2.7.8@shop do bundle exec thin start", ["thin", "start"], "bundle exec"),
    ("chruby-exec 3.1 -- bundle exec rackup", ["rackup"], "bundle exec"),
    ("sudo -u deploy -H bundle exec rails s", ["rails", "s"], "bundle exec"),
])
def test_runners_are_unwrapped(command: str, core: list[str], runner: str) -> None:
    parsed = parse_command(command)
    assert list(parsed.core) == core and parsed.runner == runner


@pytest.mark.parametrize(("core", "expected"), [
    (["ruby", "-S", "rake", "db:migrate"], ("rake", ("db:migrate",))),
    (["ruby", "bin/rails", "server"], ("rails", ("server",))),
    (["/usr/bin/ruby2.7", "-I", "lib", "-rbundler/setup", "app.rb", "-p", "4567"], ("app.rb", ("-p", "4567"))),
    (["ruby", "-e", "puts 1"], ("ruby", ())),
    (["python", "x.py"], None),
])
def test_program_through_the_interpreter(core: list[str], expected: tuple[str, tuple[str, ...]] | None) -> None:
    assert ruby.program(core) == expected


@pytest.mark.parametrize(("argv0", "name"), [
    ("/usr/local/bin/bundle", "bundle"), ("/home/deploy/.rbenv/shims/puma", "puma"),
    ("/home/deploy/.rbenv/versions/2.7.8/bin/ruby", "ruby"), ("/usr/local/rvm/gems/ruby-2.6.6/bin/unicorn", "unicorn"),
    ("/home/app/.rvm/gems/ruby-2.6.6@shop/bin/sidekiq", "sidekiq"), ("/usr/bin/ruby2.5", "ruby"),
    ("/srv/app/vendor/bundle/ruby/3.1.0/bin/puma", "puma"),
    ("bin/rails", None), ("./bin/rake", None), ("/var/www/shop/current/bin/rails", None), ("/usr/bin/node", None),
])
def test_host_program(argv0: str, name: str | None) -> None:
    assert ruby.host_program(argv0) == name


@pytest.mark.parametrize(("command", "role", "name", "server", "port", "extra"), [
    ("bundle exec puma -C config/puma.rb -w 4 -t 5:16", ProcessRole.WEB, "web", "puma", 9292,
     {"workers": 4, "threads": 16, "config_file": "config/puma.rb", "port_declared": False}),
    ("puma -b unix:///var/www/shop/shared/tmp/sockets/puma.sock", ProcessRole.WEB, "web", "puma", None,
     {"unix_socket": "/var/www/shop/shared/tmp/sockets/puma.sock"}),
    ("puma -b 'ssl://0.0.0.0:9443?key=k.pem&cert=c.pem'", ProcessRole.WEB, "web", "puma", 9443, {"host": "0.0.0.0"}),  # noqa: S104
    ("unicorn_rails -c config/unicorn.rb --listen /tmp/unicorn.sock -E production -D", ProcessRole.WEB, "web",
     "unicorn_rails", None, {"unix_socket": "/tmp/unicorn.sock", "config_file": "config/unicorn.rb"}),
    ("thin -s 3 -p 5000 start", ProcessRole.WEB, "web", "thin", 5000, {"workers": 3}),
    ("bin/rails server -e production", ProcessRole.WEB, "web", "rails", 3000, {"dev_server": False}),
    ("rails s", ProcessRole.WEB, "web", "rails", 3000, {"dev_server": True}),
    ("bundle exec rake db:migrate:with_data", ProcessRole.RELEASE, "release", None, None, {}),
    ("bin/rails db:prepare", ProcessRole.RELEASE, "release", None, None, {}),
    ("bundle exec rake resque:scheduler", ProcessRole.SCHEDULER, "resque-scheduler", "resque-scheduler", None, {}),
    ("bundle exec sidekiq -q critical,2 -q default -c 10", ProcessRole.WORKER, "worker-critical-default", "sidekiq",
     None, {"workers": 10}),
    ("bin/delayed_job -n 4 start", ProcessRole.WORKER, "worker", "delayed_job", None, {"workers": 4, "daemon": True}),
    ("ruby app.rb", ProcessRole.WEB, "web", None, None, {"entrypoint": "app.rb"}),
    ("ruby queue_worker.rb", ProcessRole.WORKER, None, None, None, {}),
])
def test_meanings(command: str, role: ProcessRole, name: str, server: str | None, port: int | None,
                  extra: dict[str, object]) -> None:
    m = meaning(parse_command(command))
    assert (m.provider, m.role, m.name, m.server, m.port) == ("ruby", role, name, server, port)
    assert {k: getattr(m, k) for k in extra} == extra


@pytest.mark.parametrize("command", ["bundle install", "gem install bundler -v 1.17.3", "bin/rails console",
                                     "bundle exec rake routes", "rbenv rehash"])
def test_other_ruby_programs_are_rubys_without_a_role(command: str) -> None:
    m = meaning(parse_command(command))
    assert (m.provider, m.role) == ("ruby", None)


@pytest.mark.parametrize("command", ["foreman start", "cap production deploy", "mina deploy", "node server.js"])
def test_not_rubys(command: str) -> None:
    assert meaning(parse_command(command)).provider != "ruby"


def test_jobs_alone_is_not_solid_queue() -> None:
    assert meaning(parse_command("jobs -l")).provider is None
    assert meaning(parse_command("bin/jobs")).server == "solid_queue"


@pytest.mark.parametrize(("command", "argv", "note"), [
    ("bundle exec puma -b unix:///var/www/shop/shared/tmp/sockets/puma.sock -d --pidfile /var/www/shop/puma.pid "
     "-C config/puma.rb", "bundle exec puma -b tcp://0.0.0.0:3000 -C config/puma.rb", "unix socket"),
    ("~/.rbenv/shims/bundle exec unicorn -c config/unicorn.rb -E production -D",
     "bundle exec unicorn -l 0.0.0.0:3000 -c config/unicorn.rb -E production", "foreground"),
    ("thin start -p 4000 -a 127.0.0.1 -e production -d --pid tmp/pids/thin.pid --log log/thin.log -s 2",
     "bundle exec thin -a 0.0.0.0 -p 3000 start -e production", "--log log/thin.log"),
    ("bin/rails s -p 3001 -b 127.0.0.1 -d -P tmp/pids/server.pid", "bin/rails server -b 0.0.0.0 -p 3000",
     "-P tmp/pids/server.pid"),
    ("bundle exec rackup -o localhost -p 9292 -D -P rack.pid config.ru",
     "bundle exec rackup -o 0.0.0.0 -p 3000 config.ru", "foreground"),
    ("passenger start --port 80 --daemonize --pid-file /var/run/p.pid --log-file /var/log/p.log -e production",
     "bundle exec passenger start --address 0.0.0.0 --port 3000 --log-file /dev/stdout -e production", "daemonized"),
    ("bundle exec sidekiq -d -L log/sidekiq.log -P tmp/pids/sidekiq.pid -C config/sidekiq.yml",
     "bundle exec sidekiq -C config/sidekiq.yml", "-L log/sidekiq.log"),
    ("RAILS_ENV=production script/delayed_job -n 2 --pid-dir=/var/run/dj start", "script/delayed_job run",
     "one worker"),
    ("clockworkd -c lib/clock.rb --log start", "bundle exec clockwork lib/clock.rb", "clockworkd"),
])
def test_container_argv(command: str, argv: str, note: str) -> None:
    m = meaning(parse_command(command))
    got, why = ruby.container_argv(m, 3000)
    assert " ".join(got) == argv
    assert why is not None and note in why


def test_container_argv_without_a_port_keeps_the_bind() -> None:
    m = meaning(parse_command("bundle exec puma -p 3000"))
    assert ruby.container_argv(m, None) == (("bundle", "exec", "puma", "-p", "3000"), None)


def test_a_socket_without_a_port_gets_the_servers_default() -> None:
    m = meaning(parse_command("bundle exec unicorn -l /var/www/shop/shared/tmp/sockets/unicorn.sock -D"))
    argv, note = ruby.container_argv(m, None)
    assert argv == ("bundle", "exec", "unicorn", "-l", "0.0.0.0:8080")
    assert note is not None and "unix socket /var/www/shop/shared/tmp/sockets/unicorn.sock" in note


def test_steps_of_wrapped_commands() -> None:
    assert meaning(parse_command("RAILS_ENV=production bundle exec rake db:migrate")).step is StepKind.RELEASE
