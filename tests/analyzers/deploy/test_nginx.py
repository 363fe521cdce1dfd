"""nginx configs -> ingress, web port, static paths, media volumes (analyzers/deploy/nginx.py)."""

from __future__ import annotations

from typing import Any

from analyzers.deploy import nginx
from migrator.model import Kind

SITE = """\
upstream inventory_app {
    server 127.0.0.1:8081 fail_timeout=0;
}

server {
    listen 80;
    server_name inventory.example.com www.inventory.example.com _ localhost 10.0.0.5;
    client_max_body_size 20m;

    location /static/ {
        alias /srv/inventory/staticfiles/;
        expires 30d;
    }

    location /media/ {
        alias /srv/inventory/media/;
    }

    location = /healthz {
        proxy_pass http://inventory_app;
    }

    location / {
        proxy_set_header Host $host;  # comment with { brace
        proxy_pass http://inventory_app;
    }
}
"""


def test_site_with_upstream(run_analyzer: Any) -> None:
    result = run_analyzer(nginx, {"deploy/nginx/inventory.conf": SITE})
    assert result.keys(Kind.INGRESS) == ["inventory.example.com", "www.inventory.example.com"]
    by_field = {k: (f.fields[k], f.source.line) for f in result.of(Kind.INGRESS, "inventory.example.com")
                for k in f.fields if k != "host"}
    assert by_field == {"path": ("/", 7), "paths": (("/",), 7), "max_body_size": ("20m", 8),
                        "static_path": ("/static/", 11), "static_root": ("/srv/inventory/staticfiles", 11)}
    volume = result.one(Kind.VOLUME)
    assert (volume.key, volume.fields["purpose"], volume.source.line) == ("/srv/inventory/media", "media", 16)
    assert volume.source.confidence.label == "inferred"
    web = result.one(Kind.PROCESS, "web")
    assert (web.fields["port"], web.fields["role"], web.source.line) == (8081, "web", 2)
    assert web.source.confidence.label == "inferred"
    assert "replicas" not in web.fields
    assert result.warnings == []


def test_direct_proxy_tls_and_http_level_body_size(run_analyzer: Any) -> None:
    result = run_analyzer(nginx, {
        "nginx.conf": """\
            events {}
            http {
                client_max_body_size 8m;
                include /etc/nginx/mime.types;
                server {
                    listen 80;
                    server_name shop.example.org;
                    return 301 https://$host$request_uri;
                }
                server {
                    listen 443 ssl http2;
                    server_name shop.example.org;
                    ssl_certificate /etc/letsencrypt/live/shop/fullchain.pem;
                    location /api/ { proxy_pass http://127.0.0.1:9000/; }
                    location / { proxy_pass "http://127.0.0.1:9000"; }
                }
            }
            """,
    })
    fields = {k: (f.fields[k], f.source.line) for f in result.of(Kind.INGRESS, "shop.example.org")
              for k in f.fields if k != "host"}
    assert fields["tls"] == (True, 11)
    assert fields["max_body_size"] == ("8m", 3)
    assert fields["paths"] == (("/api/", "/"), 12)
    assert fields["path"] == ("/", 12)
    web = result.one(Kind.PROCESS, "web")
    assert (web.fields["port"], web.source.line) == (9000, 15)


def test_multiple_upstream_servers_hint_replicas(run_analyzer: Any) -> None:
    result = run_analyzer(nginx, {
        "sites-available/app": """\
            upstream app_upstream {
                server app1.internal:8000 weight=2;
                server app2.internal:8000;
                server app3.internal:8000 backup;
            }
            server {
                server_name app.example.com;
                location / { root /srv/app/public; try_files $uri @app; }
                location @app { proxy_pass http://app_upstream; }
                location /ws/ { proxy_pass http://127.0.0.1:8001; }
            }
            """,
        "sites-enabled/app": """\
            upstream app_upstream {
                server app1.internal:8000 weight=2;
                server app2.internal:8000;
                server app3.internal:8000 backup;
            }
            server {
                server_name app.example.com;
                location / { root /srv/app/public; try_files $uri @app; }
                location @app { proxy_pass http://app_upstream; }
                location /ws/ { proxy_pass http://127.0.0.1:8001; }
            }
            """,
    })
    ports = [(f.fields["port"], f.source.line) for f in result.of(Kind.PROCESS, "web") if "port" in f.fields]
    assert ports == [(8000, 2)]  # the identical sites-enabled copy is read once
    hint = [f for f in result.of(Kind.PROCESS, "web") if "replicas" in f.fields]
    assert [(f.fields["replicas"], f.source.confidence.label) for f in hint] == [(2, "heuristic")]
    assert [(w.line, "8001" in w.message) for w in result.warnings] == [(10, True)]
    assert "static_path" not in {k for f in result.of(Kind.INGRESS) for k in f.fields}  # "/" is the app, not static


def test_uwsgi_pass_and_unix_socket(run_analyzer: Any) -> None:
    result = run_analyzer(nginx, {
        "deploy/uwsgi-site.conf": """\
            server {
                server_name api.example.net;
                location / { include uwsgi_params; uwsgi_pass 127.0.0.1:3031; }
            }
            """,
        "deploy/sock.conf": """\
            server {
                server_name sock.example.net;
                location / { proxy_pass http://unix:/run/gunicorn.sock; }
            }
            """,
    })
    assert result.field(Kind.INGRESS, "api.example.net", "path") == "/"
    web = result.one(Kind.PROCESS, "web")
    assert (web.fields["port"], web.fields["protocol"], web.source.file) == (3031, "uwsgi", "deploy/uwsgi-site.conf")


def test_includes_are_spliced_inside_server(run_analyzer: Any) -> None:
    result = run_analyzer(nginx, {
        "nginx/sites/app.conf": """\
            server {
                server_name app.example.com;
                include snippets/tls.conf;
                location / { proxy_pass http://localhost:5000; }
            }
            """,
        "nginx/snippets/tls.conf": "ssl_certificate /etc/ssl/app.pem;\nssl_certificate_key /etc/ssl/app.key;\n",
    })
    tls = [f for f in result.of(Kind.INGRESS, "app.example.com") if "tls" in f.fields]
    assert [(f.source.file, f.source.line) for f in tls] == [("nginx/snippets/tls.conf", 1)]
    assert result.field(Kind.PROCESS, "web", "port") == 5000


def test_broken_config_keeps_what_parsed(run_analyzer: Any) -> None:
    result = run_analyzer(nginx, {
        "nginx/broken.conf": """\
            server {
                server_name broken.example.com;
                client_max_body_size 1m
                location / {
                    proxy_pass http://127.0.0.1:8080;
            """,
        "nginx/extra.conf": "server { server_name extra.example.com; }\n}\n",
    })
    assert result.keys(Kind.INGRESS) == ["broken.example.com", "extra.example.com"]
    assert result.field(Kind.PROCESS, "web", "port") == 8080
    lines = sorted((w.file, w.line) for w in result.warnings)
    assert lines == [("nginx/broken.conf", 1), ("nginx/broken.conf", 3), ("nginx/broken.conf", 4),
                     ("nginx/extra.conf", 2)]


def test_templates_and_non_nginx_files(run_analyzer: Any) -> None:
    result = run_analyzer(nginx, {
        "deploy/templates/site.conf.j2": """\
            server {
                server_name {{ domain }};
                {% if ssl %}
                ssl_certificate {{ cert_path }};
                {% endif %}
                location / { proxy_pass http://127.0.0.1:{{ app_port }}; }
            }
            """,
        "deploy/supervisor.conf": "[program:web]\ncommand=gunicorn app:app\n",
        "conf.d/redis.conf": "bind 127.0.0.1\nport 6379\n",
    })
    assert result.of(Kind.INGRESS) == []
    assert result.of(Kind.PROCESS) == []
    assert [(w.file, w.line, "template variable" in w.message) for w in result.warnings] == [
        ("deploy/templates/site.conf.j2", 2, True)]


def test_tokenizer_lines_quotes_and_comments() -> None:
    result = nginx.parse('a "x y";\n# c { ;\nb \'q\\\'z\' {\n  c ${v}1;\n}\n', "f")
    assert result.problems == []
    a, b = result.directives
    assert (a.name, a.args, a.line) == ("a", ["x y"], 1)
    assert (b.name, b.args, b.line) == ("b", ["q'z"], 3)
    assert b.block is not None
    assert [(c.name, c.args, c.line) for c in b.block] == [("c", ["${v}1"], 4)]


def test_nothing_to_do(run_analyzer: Any) -> None:
    assert run_analyzer(nginx, {"app.py": "x = 1\n"}).items == []


def test_a_pathologically_nested_config_is_a_warning_and_the_others_still_count(run_analyzer: Any) -> None:
    deep_locations = "server { listen 80; server_name deep.example.com; " + "location / { " * 3000 + "}" * 3000 + " }"
    res = run_analyzer(nginx, {
        "deploy/nginx/http.conf": "http { " * 100_000 + "}" * 100_000 + "\n",
        "deploy/nginx/deep.conf": deep_locations + "\n",
        "deploy/nginx/shop.conf": SITE,
    })
    assert sorted((w.file, w.message) for w in res.warnings) == [
        ("deploy/nginx/deep.conf", "server block in deploy/nginx/deep.conf is nested too deeply to read; not read"),
        ("deploy/nginx/http.conf", "deploy/nginx/http.conf is nested too deeply to read; not read"),
    ]
    assert res.keys(Kind.INGRESS) == ["inventory.example.com", "www.inventory.example.com"]


def test_a_port_of_5000_digits_is_not_a_crash(run_analyzer: Any) -> None:
    # found by tests/properties: proxy_pass http://127.0.0.1:<5,000 digits> raised ValueError in int()
    result = run_analyzer(nginx, {
        "deploy/nginx/sites-enabled/app": f"server {{ listen 80; server_name app.example.com;\n"
                                          f"  location / {{ proxy_pass http://127.0.0.1:{'9' * 5000}; }} }}\n",
    })
    assert result.keys(Kind.INGRESS) == ["app.example.com"]
