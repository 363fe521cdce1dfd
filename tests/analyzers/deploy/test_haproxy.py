"""haproxy configs (analyzers/deploy/haproxy.py) and haproxy under supervisord, end to end through the planner."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from analyzers.deploy import haproxy
from migrator.model import Kind
from migrator.planner import analyze
from tests.conftest import write_tree

HAPROXY = """\
global
    log /dev/log local0
    maxconn 2048

defaults
    mode http
    timeout connect 5s

frontend www
    bind *:80
    bind *:443 ssl crt /etc/haproxy/certs/shop.pem
    http-request redirect scheme https unless { ssl_fc }
    acl host_shop hdr(host) -i shop.example.org www.shop.example.org
    use_backend app if host_shop
    default_backend app

backend app
    balance roundrobin
    option httpchk GET /health
    server app1 127.0.0.1:8000 check
    server app2 127.0.0.1:8001 check
    server spare 127.0.0.1:8002 check backup
"""


def test_frontend_and_backend(run_analyzer: Any) -> None:
    result = run_analyzer(haproxy, {"deploy/haproxy/haproxy.cfg": HAPROXY})
    assert sorted(f.key for f in result.of(Kind.INGRESS) if "path" in f.fields) == [
        "shop.example.org", "www.shop.example.org"]
    assert {f.source.line for f in result.of(Kind.INGRESS) if f.fields.get("tls")} == {11}
    web = {k: (v, f.source.line) for f in result.of(Kind.PROCESS, "web") for k, v in f.fields.items()}
    assert web["port"] == (8000, 20) and web["replicas"] == (2, 20)  # the backup server does not count
    assert [(f.key, f.source.line) for f in result.of(Kind.HEALTH_CHECK)] == [("/health", 19)]


def test_listen_section_and_problems(run_analyzer: Any) -> None:
    result = run_analyzer(haproxy, {"haproxy.cfg": "maxconn 10\nlisten app\n    bind :80\n"
                                                   "    http-check send meth GET uri /ping\n"
                                                   "    server a 10.0.0.5:5000\n"})
    assert result.field(Kind.PROCESS, "web", "port") == 5000
    assert [f.key for f in result.of(Kind.HEALTH_CHECK)] == ["/ping"]
    assert [(w.line, w.message) for w in result.warnings] == [(1, "'maxconn' outside a section; ignored")]


def test_haproxy_beside_gunicorn_under_supervisord(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", {
        "deploy/haproxy/haproxy.cfg": HAPROXY,
        "deploy/supervisord.conf": """\
            [program:haproxy]
            command=/usr/sbin/haproxy -db -f /etc/haproxy/haproxy.cfg
            [program:app]
            command=/srv/shop/venv/bin/gunicorn shop.wsgi --bind 127.0.0.1:8000 --workers 4
            directory=/srv/shop
            """,
        "requirements.txt": "gunicorn==23.0.0\n",
    })
    model = analyze(root)
    assert [p.key for p in model.processes] == ["web"]  # no worker running /usr/sbin/haproxy
    web = model.processes[0]
    assert web.get("port") == 8000 and not model.conflicts
    assert web.get("replicas") is None or web.facts["replicas"].source.confidence.label == "heuristic"
    (step,) = [s for s in model.of(Kind.HOST_STEP) if "haproxy" in str(s.get("command"))]
    assert "the Ingress replaces it" in str(step.get("reason"))
    assert {i.key for i in model.of(Kind.INGRESS)} == {"shop.example.org", "www.shop.example.org"}
