"""Any nginx config (unbalanced braces, unterminated quotes, includes that loop) gives findings or
warnings, never an exception or a hang (analyzers/deploy/nginx.py, nginx_parse.py)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from analyzers.deploy import nginx
from tests.properties import harness
from tests.properties.strategies import content, document, fragment, numbered, words

VOCAB = ("server", "{", "}", ";", "location", "/", "/static/", "~", "^~", "=", "listen", "80", "443", "ssl",
         "server_name", "example.com", "*.example.com", "proxy_pass", "http://127.0.0.1:8000",
         "http://app_upstream", "http://unix:/run/app.sock", "upstream", "app_upstream", "root", "/srv/app/static",
         "alias", "client_max_body_size", "10m", "0", "999999999999999999g", "include", "sites-enabled/*",
         "nginx.conf", "conf.d/*.conf", "return", "301", "https://$host$request_uri", "uwsgi_pass", "fastcgi_pass",
         "\"", "'", "\\", "#", "${var}", "{{ host }}", "{%", "%}", "if", "($host", ")", "map", "http", "events")
numbers = numbered("listen {};", "listen 0.0.0.0:{} ssl;", "proxy_pass http://127.0.0.1:{};", "server 127.0.0.1:{};",
                   "client_max_body_size {}m;", "server { listen {}; location / { proxy_pass http://app:{}/; } }")
line = st.one_of(words(VOCAB, max_size=10), numbers, fragment)
config = content(document(line, max_lines=30))


@harness.PROPERTIES
@given(main=config, site=config)
def test_any_nginx_config_gives_items(main: str | bytes, site: str | bytes) -> None:
    harness.run(nginx, {
        "deploy/nginx/nginx.conf": main,
        "deploy/nginx/sites-enabled/app": site,
        "deploy/nginx/conf.d/loop.conf": "include conf.d/loop.conf;\ninclude ../nginx/conf.d/*.conf;\n",
    })


@harness.PROPERTIES
@given(depth=st.integers(0, 3000), opener=st.sampled_from(("server {", "{", "location / {", "\"")))
def test_deep_nesting_is_not_a_crash(depth: int, opener: str) -> None:
    harness.run(nginx, {"deploy/nginx/nginx.conf": opener * depth + "listen 80;" + "}" * (depth // 2)})
