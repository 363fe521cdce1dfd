"""A small, bounded HTTP load for the drill: steady requests to the ready endpoints of the web Service.

A few client threads share one pace (``rate`` requests a second in all) and stop by themselves at
``max_requests`` or ``max_seconds``, whichever comes first, or when :meth:`Load.stop` is called. Every
request is kept as a :class:`Sample` (start, end, ok), so a step can ask afterwards how many failed,
the longest stretch without a successful answer, and which requests were in flight at an instant (the
SIGTERM of step 4). Targets are loopback or container-network addresses only: the backends hand them in.
"""

from __future__ import annotations

import http.client
import itertools
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

RATE = 10.0  # requests per second, all clients together
CLIENTS = 4
MAX_REQUESTS = 300  # per step: a few hundred
MAX_SECONDS = 90.0
REQUEST_TIMEOUT = 5.0


@dataclass(frozen=True)
class Target:
    """One address that answers for the web Service: ``prefix`` is put before every path (an API proxy)."""

    host: str
    port: int
    prefix: str = ""
    name: str = ""  # the pod or container behind it, for the report


@dataclass(frozen=True)
class Sample:
    start: float
    end: float
    ok: bool
    path: str
    target: str
    error: str = ""


@dataclass(frozen=True)
class LoadResult:
    """What one step's load saw."""

    sent: int
    failed: int
    longest_gap_s: float
    errors: tuple[str, ...] = ()  # a few distinct failure reasons
    paths: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {"sent": self.sent, "failed": self.failed, "longest_gap_s": round(self.longest_gap_s, 2),
                "errors": list(self.errors), "paths": list(self.paths)}

    def describe(self) -> str:
        text = f"{self.sent} requests ({', '.join(self.paths)}), {self.failed} failed, longest gap " \
               f"{self.longest_gap_s:.1f}s"
        return text + (f" ({'; '.join(self.errors)})" if self.errors else "")


def request(target: Target, path: str, headers: Mapping[str, str], timeout: float = REQUEST_TIMEOUT) -> int:
    """One GET; the status, or OSError / HTTPException when nothing answered."""
    conn = http.client.HTTPConnection(target.host, target.port, timeout=timeout)
    try:
        conn.request("GET", target.prefix + path, headers={**headers, "Connection": "close"})
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


Send = Callable[[Target, str, Mapping[str, str]], int]


@dataclass
class Load:
    """Steady GETs of ``paths`` to whatever ``targets()`` returns at each request (round robin)."""

    targets: Callable[[], Sequence[Target]]
    paths: Sequence[str]
    headers: Mapping[str, str] = field(default_factory=dict)
    rate: float = RATE
    clients: int = CLIENTS
    max_requests: int = MAX_REQUESTS
    max_seconds: float = MAX_SECONDS
    send: Send = request
    samples: list[Sample] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._counter = itertools.count()
        self._threads: list[threading.Thread] = []
        self._active: dict[int, float] = {}  # request number -> start, while it is being answered
        self.started = 0.0
        self.stopped = 0.0

    def start(self) -> Load:
        self.started = time.monotonic()
        for i in range(self.clients):
            t = threading.Thread(target=self._client, args=(i,), name=f"drill-load-{i}", daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def halt(self) -> None:
        """Stop starting requests now (the endpoint is gone); those in flight go on."""
        self._stop.set()

    def stop(self) -> LoadResult:
        """Stop starting requests, wait for those in flight (bounded by their timeout), summarise."""
        self._stop.set()
        for t in self._threads:
            t.join(REQUEST_TIMEOUT + 1)
        self.stopped = self.stopped or time.monotonic()
        return self.result()

    @property
    def done(self) -> bool:
        """True once the load stopped by itself (cap reached) or was stopped."""
        return self._stop.is_set() or not any(t.is_alive() for t in self._threads)

    def _client(self, index: int) -> None:
        interval = self.clients / self.rate
        next_at = self.started + index * (interval / self.clients)
        while not self._stop.is_set():
            now = time.monotonic()
            if now - self.started > self.max_seconds:
                break
            if next_at > now:
                self._stop.wait(next_at - now)
                continue
            next_at += interval
            n = next(self._counter)
            if n >= self.max_requests:
                break
            self._one(self.paths[n % len(self.paths)], n)
        with self._lock:
            self.stopped = self.stopped or time.monotonic()

    def _one(self, path: str, n: int) -> None:
        current = list(self.targets())
        start = time.monotonic()
        if not current:
            self._record(Sample(start, start, False, path, "", "no ready endpoint behind the Service"))
            return
        target = current[n % len(current)]
        with self._lock:
            self._active[n] = start
        try:
            status = self.send(target, path, self.headers)
            ok, error = 200 <= status < 400, "" if 200 <= status < 400 else f"HTTP {status}"
        except (OSError, http.client.HTTPException) as exc:
            ok, error = False, type(exc).__name__
        self._record(Sample(start, time.monotonic(), ok, path, target.name or target.host, error), n)

    def _record(self, sample: Sample, n: int | None = None) -> None:
        with self._lock:
            self.samples.append(sample)
            if n is not None:
                self._active.pop(n, None)

    def active(self) -> int:
        """How many requests are being answered right now."""
        with self._lock:
            return len(self._active)

    def result(self, samples: Sequence[Sample] | None = None) -> LoadResult:
        chosen = list(self.samples if samples is None else samples)
        failed = [s for s in chosen if not s.ok]
        errors = tuple(dict.fromkeys(f"{s.error} from {s.target}" if s.target else s.error for s in failed))[:4]
        return LoadResult(len(chosen), len(failed), longest_gap(chosen, self.started, self.stopped or time.monotonic()),
                          errors, tuple(dict.fromkeys(self.paths)))

    def in_flight(self, at: float) -> list[Sample]:
        """Requests started before ``at`` that had not finished by then (ask once they have finished)."""
        with self._lock:
            return [s for s in self.samples if s.start < at < s.end]


def longest_gap(samples: Sequence[Sample], start: float, end: float) -> float:
    """The longest stretch between ``start`` and ``end`` with no successful answer."""
    times = sorted(s.end for s in samples if s.ok and start <= s.end <= end)
    edges = [start, *times, end]
    return max((b - a for a, b in itertools.pairwise(edges)), default=0.0)
