"""Tests for analyzers/deploy/app_json.py."""

from __future__ import annotations

from analyzers.deploy import app_json
from migrator.model import Confidence, Kind

APP_JSON = """\
{
  "name": "shop",
  "scripts": {
    "postdeploy": "python manage.py loaddata seed.json",
    "pr-predestroy": "echo bye"
  },
  "env": {
    "SECRET_KEY": {
      "description": "Django signing key",
      "generator": "secret"
    },
    "WEB_CONCURRENCY": {"description": "workers", "value": "3"},
    "DJANGO_SETTINGS_MODULE": "proj.settings",
    "SENTRY_DSN": {"required": false},
    "ADMIN_EMAIL": {"description": "who gets errors"},
    "STRIPE_API_KEY": {"value": "sk_live_abcdefghijklmnop1234"}
  },
  "formation": {
    "web": {"quantity": 2, "size": "standard-2x"},
    "worker": {"quantity": 1, "size": "Performance-M"}
  },
  "addons": [
    "heroku-postgresql:essential-0",
    {"plan": "heroku-redis:mini", "as": "CACHE"},
    "memcachier:dev",
    "papertrail",
    "scheduler:standard"
  ],
  "buildpacks": [
    {"url": "heroku/nodejs"},
    {"url": "https://github.com/heroku/heroku-buildpack-python.git"}
  ],
  "stack": "heroku-22"
}
"""


def test_env_vars_with_lines_and_secrets(run_analyzer):
    r = run_analyzer(app_json, {"app.json": APP_JSON})
    env = Kind.ENV
    secret_key = r.one(env, "SECRET_KEY")
    assert secret_key.fields == {"secret": True, "description": "Django signing key", "generator": "secret"}
    assert secret_key.source.line == 8
    wc = r.one(env, "WEB_CONCURRENCY")
    assert (wc.fields["default"], wc.source.line) == ("3", 12)
    assert "required" not in wc.fields
    assert r.field(env, "DJANGO_SETTINGS_MODULE", "default") == "proj.settings"
    assert r.one(env, "DJANGO_SETTINGS_MODULE").source.line == 13
    assert r.field(env, "SENTRY_DSN", "required") is False
    assert r.field(env, "SENTRY_DSN", "secret") is True  # by name
    assert r.field(env, "ADMIN_EMAIL", "required") is True  # Heroku's default: no value, no generator
    stripe = r.one(env, "STRIPE_API_KEY")
    assert stripe.fields["secret"] is True and "default" not in stripe.fields
    assert [(s.name, s.line, s.kind) for s in r.secrets] == [("STRIPE_API_KEY", 16, "stripe_key")]
    assert "sk_live" not in repr(r.items)


def test_formation_to_replicas_and_memory(run_analyzer):
    r = run_analyzer(app_json, {"app.json": APP_JSON})
    p = Kind.PROCESS
    assert r.field(p, "web", "replicas") == 2
    assert r.field(p, "web", "memory_limit") == "1Gi"
    assert r.field(p, "web", "role") == "web"
    assert {f.source.line for f in r.of(p, "web")} == {19}
    mem = [f for f in r.of(p, "worker") if "memory_limit" in f.fields][0]
    assert (mem.fields["memory_limit"], mem.source.confidence, mem.source.line) == ("2560Mi", Confidence.INFERRED, 20)
    assert "role" not in r.of(p, "worker")[0].fields


def test_addons_become_services_and_config_vars(run_analyzer):
    r = run_analyzer(app_json, {"app.json": APP_JSON})
    s = Kind.SERVICE
    assert r.keys(s) == ["memcached", "postgres", "redis"]
    pg = r.one(s, "postgres")
    assert pg.fields["env"] == "DATABASE_URL" and pg.source.line == 23
    assert pg.source.confidence == Confidence.DECLARED
    assert r.field(s, "redis", "env") == "CACHE_URL"
    assert r.one(s, "redis").source.line == 24
    assert r.field(Kind.ENV, "DATABASE_URL", "secret") is True
    assert r.field(Kind.ENV, "MEMCACHIER_SERVERS", "secret") is True
    warned = sorted((w.line or 0) for w in r.warnings)
    assert warned == [26, 27]  # papertrail (hosted only) and the Heroku Scheduler


def test_postdeploy_is_a_oneoff_and_runtime(run_analyzer):
    r = run_analyzer(app_json, {"app.json": APP_JSON})
    post = r.one(Kind.PROCESS, "postdeploy")
    assert post.fields["role"] == "oneoff"
    assert post.fields["command"] == "python manage.py loaddata seed.json"
    assert post.source.line == 4
    assert not r.of(Kind.RELEASE_STEP)
    runtime = {k: (f.fields[k], f.source.line) for f in r.of(Kind.RUNTIME) for k in f.fields}
    assert runtime["language"] == ("python", 31)
    assert runtime["stack"] == ("heroku-22", 33)
    assert runtime["os"] == ("ubuntu-22.04", 33)
    assert runtime["buildpacks"][0] == ("heroku/nodejs", "https://github.com/heroku/heroku-buildpack-python.git")


def test_formation_array_form_and_bad_values(run_analyzer):
    r = run_analyzer(app_json, {"app.json": """\
        {"formation": [
           {"type": "web", "quantity": "two", "size": "giant"},
           {"quantity": 1}
         ],
         "env": {"BAD": [1, 2]},
         "addons": [{"as": "X"}],
         "scripts": {"release": "python manage.py migrate"}
        }
        """})
    web = r.one(Kind.PROCESS, "web")
    assert "replicas" not in web.fields and web.fields["size"] == "giant" and web.source.line == 2
    lines = sorted(w.line or 0 for w in r.warnings)
    assert lines == [2, 2, 3, 5, 6, 7]
    assert any("Procfile" in w.message for w in r.warnings if w.line == 7)
    assert not r.of(Kind.RELEASE_STEP)


def test_invalid_json_is_a_warning_with_its_line(run_analyzer):
    r = run_analyzer(app_json, {"app.json": '{\n  "env": {\n    "A": "b",\n  }\n}\n'})
    assert r.findings == []
    assert [(w.file, w.line) for w in r.warnings] == [("app.json", 4)]


def test_not_an_object(run_analyzer):
    assert [w.line for w in run_analyzer(app_json, {"app.json": "[1, 2]"}).warnings] == [1]


def test_only_the_root_app_json_counts(run_analyzer):
    assert run_analyzer(app_json, {"sub/app.json": '{"env": {"A": "b"}}'}).items == []



def test_absurdly_nested_json_is_a_warning_not_a_crash(run_analyzer):
    r = run_analyzer(app_json, {"app.json": "[" * 100000 + "]" * 100000})
    assert r.findings == []
    assert [(w.file, w.line) for w in r.warnings] == [("app.json", 1)]


def test_odd_value_types_are_skipped_or_warned(run_analyzer):
    r = run_analyzer(app_json, {"app.json": """\
        {"env": {"A": null, "B": {"value": 5}, "C": {"generator": "secret", "value": "x"}},
         "formation": {"web": 3},
         "addons": [1, null, ":"],
         "buildpacks": [1, {"url": 5}, "heroku/python"],
         "stack": 22}
        """})
    assert r.field(Kind.ENV, "B", "default") == "5"
    assert r.field(Kind.ENV, "C", "secret") is True and "default" not in r.one(Kind.ENV, "C").fields
    assert "A" not in r.keys(Kind.ENV)
    assert r.keys(Kind.SERVICE) == []
    assert r.field(Kind.RUNTIME, "", "language") == "python"
    assert sorted(w.line or 0 for w in r.warnings) == [1, 2, 3, 3, 3]
