"""Tests for analyzers/providers/ruby/app_server_config.py (ruby_server_config): Puma, Unicorn and Thin
configs as facts about process ``web``."""

from __future__ import annotations

from analyzers.providers.ruby import app_server_config
from migrator.model import Confidence, Kind

P, E, V = Kind.PROCESS, Kind.ENV, Kind.VOLUME
D, I, H, DEF = Confidence.DECLARED, Confidence.INFERRED, Confidence.HEURISTIC, Confidence.DEFAULT  # noqa: E741

# the Rails 6 generated file, deployed behind nginx on a unix socket in production
PUMA_RAILS6 = """\
    max_threads_count = ENV.fetch("RAILS_MAX_THREADS") { 5 }
    min_threads_count = ENV.fetch("RAILS_MIN_THREADS") { max_threads_count }
    threads min_threads_count, max_threads_count

    worker_timeout 3600 if ENV.fetch("RAILS_ENV", "development") == "development"
    environment ENV.fetch("RAILS_ENV") { "development" }
    shared_dir = ENV.fetch("SHARED_DIR") { "/var/www/shop/shared" }

    if ENV.fetch("RAILS_ENV", "development") == "development"
      port ENV.fetch("PORT") { 3000 }
    else
      bind "unix://#{shared_dir}/tmp/sockets/puma.sock"
      bind "tcp://127.0.0.1:#{ENV.fetch('PORT', 3000)}"
      workers ENV.fetch("WEB_CONCURRENCY") { 3 }
      preload_app!
      pidfile "#{shared_dir}/tmp/pids/puma.pid"
      stdout_redirect "#{shared_dir}/log/puma.stdout.log", "#{shared_dir}/log/puma.stderr.log", true
    end
    plugin :tmp_restart
    """


def _fields(r, kind, key):
    return [(f.source.line, f.source.confidence, f.fields) for f in r.of(kind, key)]


def test_puma_rails6_production_branch_locals_and_files(run_analyzer):
    r = run_analyzer(app_server_config, {"config/puma.rb": PUMA_RAILS6})
    web = r.of(P, "web")
    head = web[0]
    assert head.fields == {"role": "web", "app_server": "puma", "config_file": "config/puma.rb"}
    assert head.source.confidence is I  # puma loads config/puma.rb by itself
    assert r.field(P, "web", "threads") == 5 and r.field(P, "web", "threads_env") == "RAILS_MAX_THREADS"
    # the production branch: the development port and worker_timeout never apply there
    assert r.field(P, "web", "unix_socket") == "/var/www/shop/shared/tmp/sockets/puma.sock"
    assert [(f.source.line, f.fields["port"]) for f in web if "port" in f.fields] == [(13, 3000)]
    assert r.field(P, "web", "port_env") == "PORT"
    assert r.field(P, "web", "workers") == 3 and r.field(P, "web", "workers_env") == "WEB_CONCURRENCY"
    assert not [f for f in web if "timeout" in f.fields]
    [command] = [f for f in web if "command" in f.fields]
    assert (command.fields["command"], command.source.confidence) == ("bundle exec puma -C config/puma.rb", H)
    volumes = {(v.key, v.fields["purpose"], v.fields["storage"], v.source.line) for v in r.of(V)}
    assert volumes == {("/var/www/shop/shared/tmp/pids", "pid", "emptyDir", 16),
                       ("/var/www/shop/shared/log", "logs", "emptyDir", 17)}
    messages = [(w.line, w.message) for w in r.warnings]
    assert [line for line, m in messages if "unix socket" in m] == [12]
    assert [line for line, m in messages if "loopback" in m] == [13]
    assert [line for line, m in messages if "stdout_redirect writes logs" in m] == [17, 17]
    # env: every read is declared; the developer's RAILS_ENV fallback never becomes a default
    assert r.keys(E) == ["PORT", "RAILS_ENV", "RAILS_MAX_THREADS", "RAILS_MIN_THREADS", "SHARED_DIR",
                         "WEB_CONCURRENCY"]
    assert [f.fields.get("default") for f in r.of(E, "RAILS_ENV")] == [None]
    assert [(f.source.line, f.source.confidence, f.fields.get("default")) for f in r.of(E, "RAILS_MAX_THREADS")] \
        == [(1, D, None), (1, H, "5")]


def test_puma_old_style_or_default_and_production_file_wins(run_analyzer):
    r = run_analyzer(app_server_config, {
        "config/puma.rb": "port ENV['PORT'] || 3000\nworkers Integer(ENV['WEB_CONCURRENCY'] || 2)\n",
        "config/puma/production.rb": """\
            threads 1, 16
            bind 'tcp://0.0.0.0:9292'
            daemonize true
            state_path 'tmp/pids/puma.state'
            """,
    })
    by_file = {f.source.file: f.source.confidence for f in r.of(P, "web") if "config_file" in f.fields}
    # production loads config/puma/production.rb instead of config/puma.rb
    assert by_file == {"config/puma.rb": H, "config/puma/production.rb": I}
    ports = [(f.source.file, f.fields["port"]) for f in r.of(P, "web") if "port" in f.fields]
    assert ports == [("config/puma.rb", 3000), ("config/puma/production.rb", 9292)]
    assert [(f.source.file, f.fields["workers"]) for f in r.of(P, "web") if "workers" in f.fields] == [
        ("config/puma.rb", 2)]
    assert [f.fields["threads"] for f in r.of(P, "web") if "threads" in f.fields] == [16]
    assert [(w.file, w.line) for w in r.warnings if "daemonizes" in w.message] == [("config/puma/production.rb", 3)]
    [vol] = r.of(V)
    assert (vol.key, vol.fields["relative_to"], vol.fields["purpose"]) == ("tmp/pids", "repo", "pid")


# a 2014 unicorn.rb of the capistrano-unicorn era
UNICORN_2014 = """\
    # See http://unicorn.bogomips.org/Unicorn/Configurator.html
    app_path = "/var/www/shop"
    worker_processes Integer(ENV["WEB_CONCURRENCY"] || 3)
    working_directory "#{app_path}/current"
    listen "#{app_path}/shared/tmp/sockets/unicorn.sock", :backlog => 64
    listen 8080, :tcp_nopush => true
    timeout 30
    pid "#{app_path}/shared/tmp/pids/unicorn.pid"
    stderr_path "#{app_path}/shared/log/unicorn.stderr.log"
    stdout_path "#{app_path}/shared/log/unicorn.stdout.log"
    user 'deploy', 'deploy'
    preload_app true
    GC.respond_to?(:copy_on_write_friendly=) and GC.copy_on_write_friendly = true

    before_fork do |server, worker|
      defined?(ActiveRecord::Base) and ActiveRecord::Base.connection.disconnect!
      old_pid = "#{server.config[:pid]}.oldbin"
      if File.exists?(old_pid) && server.pid != old_pid
        begin
          Process.kill("QUIT", File.read(old_pid).to_i)
        rescue Errno::ENOENT, Errno::ESRCH
        end
      end
      listen 9999
    end

    after_fork do |server, worker|
      defined?(ActiveRecord::Base) and ActiveRecord::Base.establish_connection
    end
    """


def test_unicorn_2014_with_fork_hooks(run_analyzer):
    r = run_analyzer(app_server_config, {
        "config/unicorn.rb": UNICORN_2014,
        "config/deploy.rb": "set :unicorn_config_path, 'config/unicorn.rb'\n",
    })
    head = next(f for f in r.of(P, "web") if "config_file" in f.fields)
    assert head.fields["app_server"] == "unicorn"
    assert head.source.confidence is I  # config/deploy.rb names the file
    assert r.field(P, "web", "workers") == 3 and r.field(P, "web", "workers_env") == "WEB_CONCURRENCY"
    assert r.field(P, "web", "unix_socket") == "/var/www/shop/shared/tmp/sockets/unicorn.sock"
    assert [(f.source.line, f.fields["port"]) for f in r.of(P, "web") if "port" in f.fields] == [(6, 8080)]
    assert r.field(P, "web", "timeout") == 30 and r.field(P, "web", "user") == "deploy"
    [command] = [f.fields["command"] for f in r.of(P, "web") if "command" in f.fields]
    assert command == "bundle exec unicorn -c config/unicorn.rb"
    [app_dir] = r.of(Kind.RUNTIME)
    assert (app_dir.fields, app_dir.source.line) == ({"legacy_app_dir": "/var/www/shop/current"}, 4)
    assert sorted((v.key, v.fields["purpose"]) for v in r.of(V)) == [
        ("/var/www/shop/shared/log", "logs"), ("/var/www/shop/shared/log", "logs"),
        ("/var/www/shop/shared/tmp/pids", "pid")]
    assert not any(f.fields.get("port") == 9999 for f in r.of(P))  # the listen inside before_fork is not read


def test_unicorn_without_a_launcher_is_heuristic(run_analyzer):
    r = run_analyzer(app_server_config, {"config/unicorn.rb": "listen ENV.fetch('PORT', 5000)\n"})
    head = next(f for f in r.of(P, "web") if "config_file" in f.fields)
    assert head.source.confidence is H
    assert r.field(P, "web", "port") == 5000 and r.field(P, "web", "port_env") == "PORT"


def test_thin_yml(run_analyzer):
    r = run_analyzer(app_server_config, {"config/thin.yml": """\
        chdir: /var/www/legacy/current
        environment: production
        address: 0.0.0.0
        port: 3000
        timeout: 30
        log: log/thin.log
        pid: tmp/pids/thin.pid
        max_conns: 1024
        servers: 3
        daemonize: true
        """})
    assert r.field(P, "web", "app_server") == "thin" and r.field(P, "web", "port") == 3000
    assert r.one(Kind.RUNTIME).fields == {"legacy_app_dir": "/var/www/legacy/current"}
    assert {(w.line, w.message.split(":")[0]) for w in r.warnings} >= {
        (9, "thin starts 3 servers on consecutive ports"), (10, "thin daemonizes")}
    assert sorted(v.key for v in r.of(V)) == ["log", "tmp/pids"]


def test_broken_and_hostile_configs_do_not_stop_the_others(run_analyzer):
    deep = "workers " + "[" * 10000 + "]" * 10000 + "\n"
    r = run_analyzer(app_server_config, {
        "config/puma.rb": deep,
        "config/unicorn.rb": "listen 8080\nworker_processes (\n",  # a syntax error after a good line
        "config/thin.yml": "port: [3000\n",
    })
    assert any(f.source.file == "config/unicorn.rb" and f.fields.get("port") == 8080 for f in r.of(P))
    assert any(w.file == "config/unicorn.rb" and "syntax errors" in w.message for w in r.warnings)
    assert any(w.file == "config/thin.yml" and "not valid YAML" in w.message for w in r.warnings)
    puma = [f for f in r.of(P) if f.source.file == "config/puma.rb"]
    assert all("workers" not in f.fields for f in puma)  # a 10,000-deep literal is no count
