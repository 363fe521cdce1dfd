"""A tiny stand-in app for verify's tests: standard library only, so its image builds in seconds.

Modes: web (HTTP on $PORT; /healthz answers 200 only when PostgreSQL and Redis are reachable),
worker (pings Redis in a loop), release (needs PostgreSQL), cron (prints and exits), alive (probe).
"""

import os
import socket
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer


def reachable(url):
    parts = urllib.parse.urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=3):
        return True


def deps_ok():
    return reachable(os.environ["DATABASE_URL"]) and reachable(os.environ["REDIS_URL"])


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/healthz":
            ok = deps_ok() and os.environ.get("SECRET_KEY", "").startswith("fake-")
            self.send_response(200 if ok else 503)
            self.end_headers()
            self.wfile.write(b"ok db+redis" if ok else b"deps missing")
        else:
            self.send_response(302)
            self.send_header("Location", "/healthz")
            self.end_headers()


def main(mode):
    if mode == "web":
        open("/tmp/started", "w").close()  # needs the emptyDir: the root filesystem is read-only
        HTTPServer(("0.0.0.0",  # noqa: S104 - a container must listen on all interfaces
                    int(os.environ.get("PORT", "8000"))), Handler).serve_forever()
    elif mode == "worker":
        while True:
            reachable(os.environ["CELERY_BROKER_URL"])
            print("worker: broker reachable", flush=True)
            time.sleep(2)
    elif mode == "release":
        print("release: migrating against", urllib.parse.urlsplit(os.environ["DATABASE_URL"]).hostname, flush=True)
        sys.exit(0 if reachable(os.environ["DATABASE_URL"]) else 1)
    elif mode == "cron":
        print("cron: nightly cleanup done", flush=True)
    elif mode == "alive":
        sys.exit(0)
    else:
        print(f"unknown mode {mode!r}", file=sys.stderr, flush=True)
        sys.exit(3)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "web")
