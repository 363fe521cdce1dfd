"""A fork server for the hostile suite: ``python -m migrator.cli`` without paying its imports each time.

The suite runs about 550 commands; a fresh interpreter spends ~0.4 s importing migrate before it
looks at a file, which alone would take the suite past its time budget on a 2-core machine. This
process (started with cwd and PYTHONPATH at the code under test) imports migrate's modules once,
then for each request forks a child that takes the request's cwd and environment, points fd 0 at
/dev/null and fds 1 and 2 at the request's files, and runs ``migrator.cli`` as ``__main__`` exactly
as ``python -m migrator.cli`` does. The server waits for the child up to the request's timeout, then
kills the child's session, and answers with the exit status (``null`` for a hang).

Protocol: one JSON object per line on stdin (argv, cwd, env, stdout, stderr, timeout), one JSON line
per request on stdout. EOF on stdin ends the server. MIGRATE_HOSTILE_EXEC=python in the suite's
environment bypasses this for a fresh interpreter per command.
"""

from __future__ import annotations

import contextlib
import json
import os
import runpy
import signal
import sys
import time
import traceback
from typing import Any

PRELOAD = ("migrator.cli", "migrator.planner", "migrator.report", "migrator.config", "migrator.generate",
           "migrator.writer", "migrator.pr", "migrator.pr.body", "generators.spec", "tomlkit")


def _child(request: dict[str, Any]) -> None:
    """In the forked child: become the command; never returns."""
    code = 1
    try:
        os.setsid()
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        for fd, path in ((1, request["stdout"]), (2, request["stderr"])):
            out = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(out, fd)
            os.close(out)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        sys.argv = [os.path.join(request["cwd"], "migrator", "cli.py"), *request["argv"]]
        try:
            runpy.run_module("migrator.cli", run_name="__main__", alter_sys=True)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:  # what the interpreter does with an uncaught exception
            traceback.print_exc()
            code = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _wait(pid: int, timeout: float) -> int | None:
    deadline = time.monotonic() + timeout
    delay = 0.002
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)  # the child's own session: it and any git it started
            os.waitpid(pid, 0)
            return None
        time.sleep(delay)
        delay = min(delay * 2, 0.05)


def main() -> None:
    for module in PRELOAD:
        __import__(module)
    out = sys.stdout
    print(json.dumps({"ready": True}), file=out, flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        out.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _child(request)
        code = _wait(pid, float(request["timeout"]))
        print(json.dumps({"returncode": code}), file=out, flush=True)


if __name__ == "__main__":
    main()
