"""Kubernetes probes executed against a Docker container, as the kubelet would run them.

httpGet (2xx/3xx is success, redirects are not followed), tcpSocket (a connection), exec (exit code
0 inside the container). Timing (initialDelaySeconds, periodSeconds, failureThreshold) is tracked by
:class:`ProbeState`; the defaults are Kubernetes' own.
"""

from __future__ import annotations

import http.client
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from migrator.verify.plan import resolve_port


def http_get(ip: str, port: int, path: str, headers: Mapping[str, str] | None = None,
             timeout: float = 5.0, https: bool = False) -> tuple[int, str]:
    """GET ``path``; returns (status, first bytes of the body). Raises OSError when unreachable."""
    conn_cls = http.client.HTTPSConnection if https else http.client.HTTPConnection
    conn = conn_cls(ip, port, timeout=timeout)
    try:
        conn.request("GET", path or "/", headers=dict(headers or {}))
        resp = conn.getresponse()
        return resp.status, resp.read(200).decode("utf-8", "replace")
    finally:
        conn.close()


def run_probe(probe: Mapping[str, Any], container: Any, spec: Mapping[str, Any], ip: str) -> tuple[bool, str]:
    """Run one probe once: (success, what happened)."""
    timeout = float(probe.get("timeoutSeconds", 1))
    try:
        if "httpGet" in probe:
            h = probe["httpGet"]
            port = resolve_port(spec, h.get("port"))
            headers = {x["name"]: x["value"] for x in h.get("httpHeaders") or []}
            status, _ = http_get(ip, port, h.get("path", "/"), headers, timeout, h.get("scheme") == "HTTPS")
            return 200 <= status < 400, f"GET :{port}{h.get('path', '/')} -> {status}"
        if "tcpSocket" in probe:
            port = resolve_port(spec, probe["tcpSocket"].get("port"))
            with socket.create_connection((ip, port), timeout=timeout):
                return True, f"tcp :{port} open"
        if "exec" in probe:
            cmd = list(probe["exec"].get("command") or [])
            result = container.exec_run(cmd)
            return result.exit_code == 0, f"exec {cmd[:3]} -> exit {result.exit_code}"
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return False, f"{type(exc).__name__}: {exc}"
    return True, "probe type not supported by the docker backend (treated as passing)"


@dataclass
class ProbeState:
    """Scheduling of one probe on one container."""

    probe: Mapping[str, Any]
    started: float
    next_at: float = 0.0
    failures: int = 0
    passed: bool = False
    last: str = "not run yet"

    def __post_init__(self) -> None:
        self.next_at = self.started + float(self.probe.get("initialDelaySeconds", 0))

    @property
    def threshold(self) -> int:
        return int(self.probe.get("failureThreshold", 3))

    def due(self, now: float) -> bool:
        return now >= self.next_at

    def record(self, ok: bool, detail: str, now: float) -> None:
        self.last = detail
        self.next_at = now + float(self.probe.get("periodSeconds", 10))
        self.passed = ok
        self.failures = 0 if ok else self.failures + 1

    @property
    def exhausted(self) -> bool:
        return self.failures >= self.threshold


def now() -> float:
    return time.monotonic()
