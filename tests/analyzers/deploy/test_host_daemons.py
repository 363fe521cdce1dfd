"""Host daemons (caddy, nginx, haproxy, cron, a database ...) are not workloads of the app image: each is a
host step replaced by the Ingress/CronJobs/a service (analyzers/commands.host_only and its callers)."""

from __future__ import annotations

from typing import Any

import pytest

from analyzers.base import Src
from analyzers.commands import host_only
from analyzers.deploy import shell, supervisor, systemd
from analyzers.deploy.deploy_commands import interpret
from migrator.model import Finding, Kind

SUPERVISORD = """\
[group:shop]
programs=caddy,web,haproxy

[program:caddy]
command=/usr/bin/caddy run --config /etc/caddy/Caddyfile --adapter caddyfile
autorestart=true

[program:haproxy]
command=/usr/sbin/haproxy -f /etc/haproxy/haproxy.cfg -db

[program:nginx]
command=/usr/sbin/nginx -g "daemon off;"

[program:web]
command=/srv/shop/venv/bin/gunicorn shop.wsgi --bind 127.0.0.1:8000
directory=/srv/shop

[program:redis]
command=/usr/bin/redis-server /etc/redis/redis.conf

[program:cron]
command=/usr/sbin/cron -f
"""


def test_supervisor_daemons_are_host_steps_not_workers(run_analyzer: Any) -> None:
    result = run_analyzer(supervisor, {"deploy/supervisord.conf": SUPERVISORD})
    assert result.keys(Kind.PROCESS) == ["web"]  # no worker running /usr/bin/caddy in the app image
    assert {p.fields.get("group") for p in result.of(Kind.PROCESS, "web") if "group" in p.fields} == {"shop"}
    steps = {s.source.line: s.fields["reason"] for s in result.of(Kind.HOST_STEP)}
    assert steps[5].startswith("[program:caddy] reverse proxy (caddy): the Ingress replaces it")
    assert steps[9].startswith("[program:haproxy] reverse proxy (haproxy)")
    assert steps[12].startswith("[program:nginx] reverse proxy (nginx)")
    assert steps[19].startswith("[program:redis] backing service (redis-server)")
    assert steps[22].startswith("[program:cron] cron daemon (cron): the schedules become CronJobs")
    assert [(s.key, s.source.line) for s in result.of(Kind.SERVICE)] == [("redis", 19)]
    assert not [w for w in result.warnings if "unknown program" in w.message]


def test_systemd_caddy_and_certbot_timer(run_analyzer: Any) -> None:
    result = run_analyzer(systemd, {
        "deploy/caddy.service": "[Service]\nExecStart=/usr/bin/caddy run --environ --config /etc/caddy/Caddyfile\n",
        "deploy/certbot.service": "[Service]\nType=oneshot\nExecStart=/usr/bin/certbot renew --quiet\n",
        "deploy/certbot.timer": "[Timer]\nOnCalendar=*-*-* 00,12:00:00\n",
        "deploy/web.service": "[Service]\nExecStart=/srv/app/venv/bin/gunicorn app:app\n",
    })
    assert result.keys(Kind.PROCESS) == ["web"] and result.of(Kind.SCHEDULE) == []
    reasons = sorted(s.fields["reason"] for s in result.of(Kind.HOST_STEP))
    assert reasons[0].startswith("caddy.service: reverse proxy (caddy)")
    assert reasons[1].startswith("certbot.service (run by certbot.timer): TLS certificates (certbot)")


def test_shell_starting_a_daemon_by_hand(run_analyzer: Any) -> None:
    result = run_analyzer(shell, {"deploy.sh": """\
        #!/bin/sh
        sudo apt-get install -y caddy haproxy libpq5
        nohup caddy run --config Caddyfile &
        nohup gunicorn app:app --bind 0.0.0.0:8000 &
        """})
    assert result.keys(Kind.PROCESS) == ["web"]
    assert result.keys(Kind.SYSTEM_PACKAGE) == ["libpq5"]  # the proxies are not packages of the app image
    step = next(s for s in result.of(Kind.HOST_STEP) if s.source.line == 3)
    assert "the Ingress replaces it" in step.fields["reason"]


@pytest.mark.parametrize(("command", "program", "service"), [
    ("/usr/sbin/haproxy -f /etc/haproxy/haproxy.cfg", "haproxy", None),
    ("varnishd -F -a :6081 -f /etc/varnish/default.vcl", "varnishd", None),
    ("/usr/local/bin/traefik --configFile=/etc/traefik/traefik.yml", "traefik", None),
    ("envoy -c /etc/envoy/envoy.yaml", "envoy", None),
    ("stunnel4 /etc/stunnel/redis.conf", "stunnel4", None),
    ("apache2ctl -D FOREGROUND", "apache2ctl", None),
    ("certbot renew --deploy-hook 'systemctl reload nginx'", "certbot", None),
    ("sudo -u postgres /usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql/15/main", "postgres", "postgres"),
    ("memcached -m 64 -p 11211 -u memcache", "memcached", "memcached"),
])
def test_host_only_programs(command: str, program: str, service: str | None) -> None:
    hosted = host_only(command)
    assert hosted is not None and (hosted.program, hosted.service) == (program, service)


@pytest.mark.parametrize("command", ["gunicorn app:app", "python manage.py migrate", "celery -A app worker",
                                     "python -m caddy_helpers.sync", "nginx-config-builder build"])
def test_app_commands_are_not_host_only(command: str) -> None:
    assert host_only(command) is None


def test_a_reload_keeps_its_own_reason() -> None:
    (step,) = [i for i in interpret("sudo nginx -s reload", Src("shell", "deploy.sh", 2)) if isinstance(i, Finding)]
    assert step.fields["reason"] == "web server reload: the Ingress replaces it"
