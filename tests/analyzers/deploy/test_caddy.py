"""Caddyfiles (analyzers/deploy/caddy.py, analyzers/lib/caddy_parse.py): Ingress and web-process facts."""

from __future__ import annotations

from typing import Any

import pytest

from analyzers.deploy import caddy
from analyzers.lib.caddy_parse import parse, tokens
from migrator.model import Confidence, Kind

CADDYFILE = """\
{
	email ops@example.org
}

(logging) {
	log {
		output file /var/log/caddy/access.log
	}
}

shop.example.org, http://legacy.example.org {
	import logging
	request_body {
		max_size 10MB
	}
	handle_path /static/* {
		root * /srv/shop/current/static
		file_server
	}
	handle /media/* {
		root * /srv/shop/shared
		file_server
	}
	reverse_proxy /api/* 127.0.0.1:9000
	reverse_proxy localhost:8000 localhost:8001 {
		health_uri /healthz
		lb_policy round_robin
	}
}

:8080 {
	respond "ok"
}
"""


def test_site_facts_with_lines(run_analyzer: Any) -> None:
    result = run_analyzer(caddy, {"deploy/caddy/Caddyfile": CADDYFILE})
    hosts = {f.key: {k: (v, g.source.line) for g in result.of(Kind.INGRESS, f.key) for k, v in g.fields.items()}
             for f in result.of(Kind.INGRESS)}
    assert sorted(hosts) == ["legacy.example.org", "shop.example.org"]
    shop = hosts["shop.example.org"]
    assert shop["tls"] == (True, 11) and "tls" not in hosts["legacy.example.org"]  # http:// has no TLS
    assert shop["max_body_size"] == ("10m", 14)
    assert shop["static_path"] == ("/static/", 17) and shop["static_root"] == ("/srv/shop/current/static", 17)
    assert shop["paths"][0] == ("/api/", "/")  # a second backend's prefix is kept for the Ingress
    web = {k: (v, f.source.line, f.source.confidence)
           for f in result.of(Kind.PROCESS, "web") for k, v in f.fields.items()}
    assert web["port"] == (8000, 25, Confidence.INFERRED)
    assert web["replicas"] == (2, 25, Confidence.HEURISTIC)
    assert [(f.key, f.source.line) for f in result.of(Kind.HEALTH_CHECK)] == [("/healthz", 26)]
    assert [(f.key, f.fields["purpose"], f.source.line) for f in result.of(Kind.VOLUME)] == [
        ("/srv/shop/shared/media", "media", 21)]
    assert any("proxies to port 9000, another backend" in w.message and w.line == 24 for w in result.warnings)


def test_single_site_without_braces_and_placeholders(run_analyzer: Any) -> None:
    result = run_analyzer(caddy, {
        "Caddyfile": "example.com\n\nencode gzip\nreverse_proxy app:5000\n",
        "ops/Caddyfile.prod": "{$SITE_ADDRESS} {\n\treverse_proxy {$UPSTREAM}\n}\n",
    })
    assert [f.key for f in result.of(Kind.INGRESS)] == ["example.com"]
    assert {f.fields.get("port") for f in result.of(Kind.PROCESS)} == {5000}


def test_broken_file_is_a_warning(run_analyzer: Any) -> None:
    result = run_analyzer(caddy, {"Caddyfile": "example.com {\n\treverse_proxy :8000\n"})
    assert [w.message for w in result.warnings] == ["a block is never closed ('}' missing)"]
    assert result.field(Kind.PROCESS, "web", "port") == 8000


@pytest.mark.parametrize(("line", "expected"), [
    ('respond "hello world" 200 # comment', ["respond", "hello world", "200"]),
    ("header X-Id {http.request.uuid}", ["header", "X-Id", "{http.request.uuid}"]),
    ("example.com {", ["example.com", "{"]),
])
def test_tokens(line: str, expected: list[str]) -> None:
    assert tokens(line) == expected


def test_host_of() -> None:
    assert caddy.host_of("https://Example.COM:443") == ("example.com", True)
    assert caddy.host_of("example.com:80") == ("example.com", False)
    assert caddy.host_of(":443")[0] is None and caddy.host_of("localhost")[0] is None
    assert caddy.host_of("*.example.com")[0] == "example.com"
    assert len(parse("a.example {\n}\n").sites) == 1
