"""Tests for analyzers/lib/jsdata.py: JSON and YAML documents as JS values with file and line."""

from __future__ import annotations

import textwrap

from analyzers.lib.jsdata import from_json, from_yaml
from analyzers.lib.jsvalue import JsArray, JsObject, JsScalar, Unknown, plain


def test_json_values_carry_the_line_of_their_key_or_element() -> None:
    text = textwrap.dedent("""
        {
          "apps": [
            {
              "name": "worker",
              "instances": 2,
              "env": {"QUEUE": "mail"}
            }
          ]
        }
        """).lstrip("\n")
    v = from_json("process.json", text)
    assert isinstance(v, JsObject) and v.line == 1 and v.file == "process.json"
    apps = v.get("apps")
    assert isinstance(apps, JsArray) and apps.line == 2
    app = apps.items[0]
    assert isinstance(app, JsObject) and app.line == 3
    assert app.get("instances") == JsScalar(2, 5, "process.json")
    env = app.get("env")
    assert isinstance(env, JsObject) and env.get("QUEUE") == JsScalar("mail", 6, "process.json")
    assert plain(v) == {"apps": [{"name": "worker", "instances": 2, "env": {"QUEUE": "mail"}}]}


def test_invalid_json_is_unknown_at_the_error_line() -> None:
    v = from_json("pm2.json", '{\n  "apps": [\n    {"name": }\n  ]\n}\n')
    assert isinstance(v, Unknown) and v.line == 3 and v.file == "pm2.json" and v.reason.startswith("not valid JSON")


def test_yaml_values_with_lines_anchors_and_merges() -> None:
    text = textwrap.dedent("""
        # ecosystem in YAML
        apps:
          - name: api
            script: server.js
            instances: max
            env: &common
              LOG_LEVEL: info
          - name: mailer
            max_memory_restart: 200M
            autorestart: false
            env:
              <<: *common
              QUEUE: mail
        """).lstrip("\n")
    v = from_yaml("ecosystem.yml", text)
    assert isinstance(v, JsObject)
    apps = v.get("apps")
    assert isinstance(apps, JsArray)
    api, mailer = apps.items
    assert isinstance(api, JsObject) and isinstance(mailer, JsObject)
    assert api.get("script") == JsScalar("server.js", 4, "ecosystem.yml")
    assert mailer.get("autorestart") == JsScalar(False, 10, "ecosystem.yml")
    env = mailer.get("env")
    assert isinstance(env, JsObject) and plain(env) == {"QUEUE": "mail", "LOG_LEVEL": "info"}
    assert env.get("QUEUE") == JsScalar("mail", 13, "ecosystem.yml")


def test_invalid_yaml_is_unknown_at_the_error_line() -> None:
    v = from_yaml("ecosystem.yaml", "apps:\n  - name: [a\n")
    assert isinstance(v, Unknown) and v.line == 3 and v.reason.startswith("not valid YAML")
