"""Tests for analyzers/providers/ruby/app_code.py (ruby_code), with app_routes.py and app_writes.py: env
vars, secrets, Rails credentials, services, health routes and writable paths of a Ruby app."""

from __future__ import annotations

from analyzers.providers.ruby import app_code
from migrator.model import Confidence, Kind

E, V, SV, HC = Kind.ENV, Kind.VOLUME, Kind.SERVICE, Kind.HEALTH_CHECK
D, I, H = Confidence.DECLARED, Confidence.INFERRED, Confidence.HEURISTIC  # noqa: E741

APPLICATION = """\
    require_relative "boot"
    require "rails/all"
    Bundler.require(*Rails.groups)

    module Shop
      class Application < Rails::Application
        config.load_defaults 6.1
        config.time_zone = ENV.fetch("SHOP_TIME_ZONE", "Europe/Berlin")
      end
    end
    """

PRODUCTION = """\
    Rails.application.configure do
      config.cache_classes = true
      config.public_file_server.enabled = ENV["RAILS_SERVE_STATIC_FILES"].present?
      config.active_storage.service = :local
      config.log_level = ENV.fetch("RAILS_LOG_LEVEL", "info")
      config.action_mailer.smtp_settings = {
        address: ENV.fetch("SMTP_ADDRESS", "localhost"),
        port: ENV.fetch("SMTP_PORT", 587).to_i,
        password: ENV["SMTP_PASSWORD"],
      }
      if ENV["RAILS_LOG_TO_STDOUT"].present?
        logger           = ActiveSupport::Logger.new(STDOUT)
        logger.formatter = config.log_formatter
        config.logger    = ActiveSupport::TaggedLogging.new(logger)
      end
    end
    """

DATABASE = """\
    default: &default
      adapter: postgresql
      pool: <%= ENV.fetch("RAILS_MAX_THREADS") { 5 } %>
      host: <%= ENV.fetch("DB_HOST", "localhost") %>

    development:
      <<: *default
      database: shop_development
      password: devpass

    production:
      <<: *default
      database: <%= ENV.fetch("DB_NAME", "shop_production") %>
      password: <%= ENV["SHOP_DATABASE_PASSWORD"] %>
    """

STORAGE = """\
    test:
      service: Disk
      root: <%= Rails.root.join("tmp/storage") %>

    local:
      service: Disk
      root: <%= Rails.root.join("storage") %>
    """

ROUTES = """\
    Rails.application.routes.draw do
      resources :orders
      get "up" => "rails/health#show", as: :rails_health_check
      namespace :ops do
        get "status", to: "status#show"
      end
      scope path: "/internal" do
        get "/healthz", to: proc { [200, {}, ["ok"]] }
      end
      root "home#index"
    end
    """

RAILS_APP = {
    "config/application.rb": APPLICATION,
    "config/environments/production.rb": PRODUCTION,
    "config/database.yml": DATABASE,
    "config/storage.yml": STORAGE,
    "config/routes.rb": ROUTES,
    "config/credentials.yml.enc": "bm90IHJlYWxseSBlbmNyeXB0ZWQ=--c2FsdA==--aXY=\n",
    "config/master.key": "3f9c2a7be1d84e60a5b7c9d0e1f2a3b4\n",
    "app/models/order.rb": """\
        class Order < ApplicationRecord
          API_TOKEN = ENV.fetch("PAYMENT_API_TOKEN")
          SIGNING = ENV.fetch("WEBHOOK_SECRET") { "whsec_9vQ2mX7pLr4Kt8Zb3Nc6Yd1F" }
          def self.region = ENV["SHOP_REGION"] || "eu"
          def self.feature? = ENV.key?("BETA_CHECKOUT")
        end
        """,
    "config/initializers/sentry.rb": 'Sentry.init { |c| c.dsn = ENV["SENTRY_DSN"] }\n',
    "vendor/bundle/ruby/3.0.0/gems/x/lib/x.rb": 'ENV["VENDORED_ONLY"]\n',
    "spec/spec_helper.rb": 'ENV["RAILS_ENV"] ||= "test"\n',
    "tmp/.keep": "",
}


def test_env_reads_required_defaults_and_secret_fallbacks(run_analyzer):
    r = run_analyzer(app_code, RAILS_APP)
    keys = r.keys(E)
    assert "VENDORED_ONLY" not in keys and "RAILS_ENV" not in keys  # vendored gems and specs are not the app
    token = r.of(E, "PAYMENT_API_TOKEN")
    assert [(f.source.file, f.source.line, f.fields["required"], f.fields["secret"]) for f in token] == [
        ("app/models/order.rb", 2, True, True)]
    region = r.of(E, "SHOP_REGION")
    assert [(f.source.confidence, f.fields.get("default"), f.fields.get("required")) for f in region] == [
        (D, None, False), (H, "eu", None)]
    assert r.field(E, "BETA_CHECKOUT", "required") is False
    # a real secret as a fallback: reported by file and line, never copied
    [signing] = [s for s in r.secrets if s.name == "WEBHOOK_SECRET"]
    assert (signing.file, signing.line, signing.fallback) == ("app/models/order.rb", 3, True)
    assert "whsec_9vQ2mX7pLr4Kt8Zb3Nc6Yd1F" not in repr(r.items)
    assert all("default" not in f.fields for f in r.of(E, "WEBHOOK_SECRET"))
    assert r.field(E, "SENTRY_DSN", "secret") is True


def test_erb_in_yaml_env_and_literal_secrets(run_analyzer):
    r = run_analyzer(app_code, RAILS_APP)
    host = r.of(E, "DB_HOST")
    assert [(f.source.file, f.source.line, f.fields.get("default")) for f in host] == [
        ("config/database.yml", 4, None), ("config/database.yml", 4, "localhost")]
    assert r.field(E, "SHOP_DATABASE_PASSWORD", "secret") is True
    # a development password is a development password; nothing in production is a literal
    assert [s for s in r.secrets if s.file == "config/database.yml"] == []
    assert "devpass" not in repr(r.items)


def test_rails_credentials_master_key_and_secret_key_base(run_analyzer):
    r = run_analyzer(app_code, RAILS_APP)
    [key] = r.of(E, "RAILS_MASTER_KEY")
    assert (key.source.file, key.fields["secret"], key.fields["required"]) == ("config/credentials.yml.enc", True, True)
    [master] = [s for s in r.secrets if s.file == "config/master.key"]
    assert (master.line, master.name) == (None, "RAILS_MASTER_KEY")
    assert "3f9c2a7be1d84e60a5b7c9d0e1f2a3b4" not in repr(r.items)
    [skb] = r.of(E, "SECRET_KEY_BASE")
    assert skb.fields["secret"] is True and skb.fields["required"] is False  # the credentials hold it


def test_rails4_secrets_yml(run_analyzer):
    r = run_analyzer(app_code, {
        "config/application.rb": APPLICATION,
        "config/secrets.yml": """\
            development:
              secret_key_base: 1b7c0e4f5d6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f
            production:
              secret_key_base: <%= ENV["SECRET_KEY_BASE"] %>
              stripe_secret_key: sk_live_51HqLyjWDarjtT1zdp7dcXu1VfZ3fRfkXo
            """,
    })
    skb = r.of(E, "SECRET_KEY_BASE")
    assert {(f.source.file, f.source.line) for f in skb} >= {("config/secrets.yml", 4)}
    assert all(f.fields["secret"] for f in skb)
    assert any(f.fields.get("required") for f in skb)  # no credentials: the deployment must set it
    [stripe] = r.secrets
    assert (stripe.file, stripe.line) == ("config/secrets.yml", 5)
    assert "sk_live_" not in repr(r.items) and "1b7c0e4f" not in repr(r.items)


def test_services_and_sqlite(run_analyzer):
    r = run_analyzer(app_code, RAILS_APP)
    [pg] = r.of(SV)
    assert (pg.key, pg.source.file) == ("postgres", "config/database.yml")
    assert pg.source.line == 11  # the production section (its adapter comes from the &default merge)
    assert r.field(E, "DATABASE_URL", "secret") is True


def test_sqlite_is_a_volume_where_the_file_is(run_analyzer):
    r = run_analyzer(app_code, {"config/database.yml": """\
        production:
          adapter: sqlite3
          database: db/production.sqlite3
        """})
    [db] = r.of(V)
    assert (db.key, db.fields["purpose"], db.fields["unless_env"], db.source.line) == (
        "db/production.sqlite3", "sqlite", "DATABASE_URL", 3)
    assert r.of(SV) == []


def test_health_routes(run_analyzer):
    r = run_analyzer(app_code, RAILS_APP)
    checks = {(c.key, c.source.line, c.source.confidence) for c in r.of(HC)}
    assert checks == {("/up", 3, I), ("/ops/status", 5, H), ("/internal/healthz", 8, I)}


def test_sinatra_and_rack_health(run_analyzer):
    r = run_analyzer(app_code, {
        "app.rb": """\
            require 'sinatra'
            set :port, ENV.fetch('PORT', 4567)
            get '/' do
              erb :index
            end
            get '/health' do
              'ok'
            end
            """,
        "config.ru": 'map "/ping" do\n  run ->(env) { [200, {}, ["pong health"]] }\nend\nrun Sinatra::Application\n',
    })
    assert {(c.key, c.source.file, c.source.line) for c in r.of(HC)} == {
        ("/health", "app.rb", 6), ("/ping", "config.ru", 1)}
    assert r.of(V) == []  # no Rails: no tmp/ or log/ of its own
    assert r.field(E, "PORT", "required") is False


def test_writable_paths_logs_static_and_storage(run_analyzer):
    r = run_analyzer(app_code, RAILS_APP)
    volumes = {v.key: v for v in r.of(V)}
    assert volumes["tmp"].fields["storage"] == "emptyDir"
    assert volumes["log"].fields["unless_env"] == "RAILS_LOG_TO_STDOUT"
    assert volumes["storage"].fields["purpose"] == "uploads" and "storage" not in volumes["storage"].fields
    assert volumes["storage"].source.file == "config/storage.yml" and volumes["storage"].source.line == 7
    logs = [f for f in r.of(E, "RAILS_LOG_TO_STDOUT") if "default" in f.fields]
    assert [(f.source.line, f.source.confidence, f.fields["default"]) for f in logs] == [(11, I, "true")]
    static = [f for f in r.of(E, "RAILS_SERVE_STATIC_FILES") if "default" in f.fields]
    assert [(f.source.line, f.fields["default"]) for f in static] == [(3, "true")]


def test_rails_71_logs_to_stdout_unconditionally(run_analyzer):
    r = run_analyzer(app_code, {
        "config/application.rb": APPLICATION,
        "config/environments/production.rb": """\
            Rails.application.configure do
              config.logger = ActiveSupport::Logger.new(STDOUT)
                .tap  { |logger| logger.formatter = ::Logger::Formatter.new }
                .then { |logger| ActiveSupport::TaggedLogging.new(logger) }
              config.public_file_server.enabled = false
            end
            """,
    })
    assert sorted(v.key for v in r.of(V)) == ["tmp"]
    assert [(w.line, "public/" in w.message) for w in r.warnings] == [(5, True)]


def test_hostile_ruby_and_yaml_do_not_stop_the_rest(run_analyzer):
    r = run_analyzer(app_code, {
        "app/models/deep.rb": "X = ENV['A'] || " + "[" * 10000 + "]" * 10000 + "\n",
        "app/models/broken.rb": "ENV.fetch('BROKEN_BUT_READ')\nclass Broken < \n",
        "config/cable.yml": "production:\n  adapter: <%= ENV['X' %>\n  url: [\n",
        "lib/ok.rb": 'ENV["STILL_READ"]\n',
    })
    assert {"STILL_READ", "BROKEN_BUT_READ"} <= set(r.keys(E))
    assert any(w.file == "app/models/broken.rb" for w in r.warnings)
    assert any(w.file == "config/cable.yml" for w in r.warnings)


def test_gem_services(run_analyzer):
    gems = ("rails", "pg", "sidekiq", "dalli", "searchkick", "mongoid", "bunny", "carrierwave")
    r = run_analyzer(app_code, {"Gemfile": "".join(f'gem "{g}"\n' for g in gems)})
    assert {(s.key, s.fields["note"]) for s in r.of(SV)} == {
        ("postgres", "depends on gem pg"), ("redis", "depends on gem sidekiq"),
        ("memcached", "depends on gem dalli"), ("elasticsearch", "depends on gem searchkick"),
        ("mongodb", "depends on gem mongoid"), ("rabbitmq", "depends on gem bunny")}
    assert all(s.source.file == "Gemfile" and s.source.line for s in r.of(SV))
    [uploads] = r.of(V)
    assert (uploads.key, uploads.fields["purpose"], uploads.source.confidence) == ("public/uploads", "uploads", H)


def test_code_writes_a_state_directory(run_analyzer):
    r = run_analyzer(app_code, {
        "app.rb": """\
            require "sinatra/base"
            require "fileutils"

            class StatusBoard < Sinatra::Base
              STATE_DIR = ENV.fetch("STATUS_STATE_DIR") { File.expand_path("tmp/state", __dir__) }
              EXPORTS = File.join(__dir__, "data", "exports")
              configure do
                FileUtils.mkdir_p(STATE_DIR)
              end
              post "/beat/:name" do
                File.write(File.join(STATE_DIR, "#{params[:name]}.json"), "{}")
                File.open(File.join(EXPORTS, "last.csv"), "w") { |f| f << "x" }
                File.open("README.md") { |f| f.read }
              end
            end
            """,
        "config/puma.rb": 'port ENV.fetch("PORT", 9292)\n',
    })
    got = {v.key: (v.fields["storage"], v.source.line, v.fields["written_by"]) for v in r.of(V)}
    assert got == {
        "tmp/state": ("emptyDir", 8, "FileUtils.mkdir_p (app.rb:8), the path from STATE_DIR (app.rb:5)"),
        "data/exports": ("pvc", 12, "File.open (app.rb:12), the path from EXPORTS (app.rb:6)"),
    }
    assert r.of(E, "PORT") == []  # config/puma.rb is ruby_server_config's to read


def test_rails_routes_mounts_matches_and_scopes(run_analyzer):
    r = run_analyzer(app_code, {"config/routes.rb": """\
        Rails.application.routes.draw do
          mount OkComputer::Engine, at: "/health_check"
          mount Sidekiq::Web => '/sidekiq'
          match '/ping' => 'status#ping', via: :get
          scope "(:locale)" do
            get "/healthz", to: "health#show"
          end
          scope path: current_tenant_path do
            get "/health", to: "health#show"
          end
          namespace :api do
            namespace :v1 do
              get "health", to: "health#index"
            end
          end
        end
        """})
    assert sorted((c.key, c.source.line, c.source.confidence) for c in r.of(HC)) == [
        ("/api/v1/health", 13, I), ("/health_check", 2, I), ("/healthz", 6, I), ("/ping", 4, H)]
