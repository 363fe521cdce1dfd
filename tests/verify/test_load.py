"""migrator/verify/load.py: the drill's bounded load, with a fake sender (no network) and one real server."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from migrator.verify.load import Load, Sample, Target, longest_gap

A, B = Target("10.0.0.1", 80, name="a"), Target("10.0.0.2", 80, name="b")


def test_the_load_stops_by_itself_at_its_request_cap() -> None:
    seen: list[tuple[str, str]] = []

    def send(target: Target, path: str, headers: Mapping[str, str]) -> int:
        seen.append((target.name, path))
        return 200

    load = Load(lambda: [A, B], ["/healthz", "/"], {"Host": "x"}, rate=200, max_requests=40, send=send).start()
    deadline = time.monotonic() + 10
    while not load.done and time.monotonic() < deadline:
        time.sleep(0.02)
    result = load.stop()
    assert load.done and result.sent == 40 == len(seen) and result.failed == 0
    assert {p for _, p in seen} == {"/healthz", "/"} and {t for t, _ in seen} == {"a", "b"}  # round robin
    assert result.paths == ("/healthz", "/")


def test_the_load_stops_by_itself_at_its_time_cap() -> None:
    load = Load(lambda: [A], ["/"], rate=20, max_requests=10_000, max_seconds=0.5, send=lambda *a: 200).start()
    time.sleep(1.0)
    assert load.done
    result = load.stop()
    assert 5 <= result.sent <= 15  # 20 a second for half a second, give or take the pacing


def test_failures_are_counted_with_their_reason_and_an_empty_endpoint_list_fails() -> None:
    endpoints: list[Target] = [A]

    def send(target: Target, path: str, headers: Mapping[str, str]) -> int:
        if path == "/":
            raise ConnectionResetError("reset")
        return 503 if path == "/bad" else 200

    load = Load(lambda: list(endpoints), ["/healthz", "/", "/bad"], rate=100, max_requests=30, send=send).start()
    time.sleep(0.15)
    endpoints.clear()
    time.sleep(0.1)
    result = load.stop()
    assert result.failed >= result.sent // 3 * 2
    assert "ConnectionResetError from a" in result.errors and "HTTP 503 from a" in result.errors
    assert any("no ready endpoint" in e for e in result.errors)


def test_longest_gap_is_the_longest_stretch_without_a_success() -> None:
    samples = [Sample(0.0, 1.0, True, "/", "a"), Sample(1.0, 2.0, False, "/", "a"),
               Sample(2.0, 4.5, True, "/", "a"), Sample(4.5, 5.0, True, "/", "a")]
    assert longest_gap(samples, 0.0, 6.0) == 3.5  # 1.0 -> 4.5: the failure does not count
    assert longest_gap([], 0.0, 2.0) == 2.0


class _Slow(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        time.sleep(0.3 if self.path == "/slow" else 0)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[Target]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Slow)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield Target("127.0.0.1", httpd.server_address[1], name="local")
    httpd.shutdown()
    httpd.server_close()


def test_real_requests_and_the_ones_in_flight_at_an_instant(server: Target) -> None:
    load = Load(lambda: [server], ["/slow", "/fast"], rate=40, max_requests=40).start()
    time.sleep(0.5)
    deadline = time.monotonic() + 2
    while not load.active() and time.monotonic() < deadline:
        time.sleep(0.005)
    at = time.monotonic()
    load.halt()  # no new request from here: the ones in flight go on
    result = load.stop()
    flight = load.in_flight(at)
    assert result.failed == 0 and result.sent >= 4
    assert flight and all(s.path == "/slow" and s.start < at < s.end and s.ok for s in flight)
    assert load.samples[-1].start <= at + 0.05  # nothing new started after the halt
