"""Any supervisord config (and any uWSGI ini) gives findings or warnings, never an exception or a hang
(analyzers/deploy/supervisor.py, analyzers/providers/python/uwsgi_ini.py through
analyzers/providers/python/appserver_config.py)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from analyzers.deploy import supervisor
from analyzers.providers.python import appserver_config
from tests.properties import harness
from tests.properties.strategies import COMMANDS, content, document, fragment, numbered, numeric, words

SECTIONS = ("[program:web]", "[program:worker]", "[program:%(ENV_X)s]", "[group:app]", "[include]",
            "[supervisord]", "[fcgi-program:f]", "[program:]", "[program:web", "[uwsgi]", "[]")
KEYS = ("command", "environment", "directory", "user", "numprocs", "process_name", "autostart", "autorestart",
        "stopwaitsecs", "stopsignal", "programs", "files", "priority", "startsecs", "stdout_logfile",
        "http", "socket", "module", "wsgi-file", "chdir", "home", "virtualenv", "processes", "threads", "env",
        "master", "harakiri", "http-socket", "ini", "if-env", "endif", "%(key)")
VALUES = ("9" * 50, "-3", "0", "%(process_num)02d", "%(program_name)s_%(process_num)d", "A=1,B=\"x,y\",C='z",
          "KEY=\"unterminated", "*.conf", "../outside/*.conf", "/etc/supervisor/conf.d/*.conf", ":8000",
          "0.0.0.0:$(PORT)", "%(http)", "%(socket)", "true", "unexpected", "$(SECRET_KEY)", "@(file.ini)")
value = st.one_of(st.sampled_from(VALUES), numeric, words(COMMANDS, max_size=10), fragment)
option = st.tuples(st.sampled_from(KEYS), st.sampled_from(("=", " = ", ":", " : ")), value).map("".join)
numbers = numbered("numprocs={}", "stopwaitsecs = {}", "priority={}", "numprocs_start={}",
                   "process_name=%(program_name)s_%(process_num)02d", "environment=N=\"{}\"", "http = :{}",
                   "processes = {}", "threads={}", "harakiri = {}", "http-socket = 0.0.0.0:{}", "socket = :{}")
line = st.one_of(option, option, numbers, st.sampled_from(SECTIONS), st.tuples(st.just("  "), value).map("".join),
                 st.just("; comment"), fragment)
ini = content(document(line, max_lines=30))


@harness.PROPERTIES
@given(main=ini, included=ini)
def test_any_supervisor_config_gives_items(main: str | bytes, included: str | bytes) -> None:
    harness.run(supervisor, {
        "deploy/supervisord.conf": main,
        "deploy/conf.d/app.conf": included,
        "deploy/conf.d/self.conf": "[include]\nfiles = *.conf ../conf.d/self.conf\n[program:x]\ncommand=x\n",
    })


@harness.PROPERTIES
@given(text=ini)
def test_any_uwsgi_ini_gives_items(text: str | bytes) -> None:
    harness.run(appserver_config, {"deploy/uwsgi.ini": text, "uwsgi/app.ini": text})
