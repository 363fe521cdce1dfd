"""The GitHub client against GitHub's own OpenAPI description (Prism validates every request), and
its error mapping (rate limits, retries, network failures) against a scripted local server."""

from __future__ import annotations

import http.server
import json
import socket
import threading
from collections.abc import Iterator
from email.message import Message

import pytest

from migrator.errors import UserError
from migrator.pr.github import MAX_ATTEMPTS, MAX_WAIT, GitHub, GitHubError

TOKEN = "ghp_TESTtoken0123456789abcdefghijklmnopqrs"


class Recorder:
    def __init__(self) -> None:
        self.sleeps: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.sleeps.append(seconds)


# -- the contract (Prism) ------------------------------------------------------------------------


def test_create_find_update_label_are_valid_requests(prism_url):
    api = GitHub(TOKEN, prism_url)
    created = api.create_pull("acme/shop", title="Containerize shop", head="migrate/containerize", base="main",
                              body="## Summary\n", draft=True)
    found = api.find_open_pull("acme/shop", "acme", "migrate/containerize")
    updated = api.update_pull("acme/shop", 1347, title="Containerize shop", body="new body")
    api.add_labels("acme/shop", 1347, ["migration", "containers"])
    assert created.number == 1347 and created.url == "https://github.com/octocat/Hello-World/pull/1347"
    assert found is not None and found.number == 1347 and updated.number == 1347
    assert [(e.method, e.status, e.violations) for e in api.exchanges] == [
        ("POST", 201, None), ("GET", 200, None), ("PATCH", 200, None), ("POST", 200, None)]


def test_the_mock_rejects_a_request_that_breaks_the_contract(prism_url):
    # proves the check above can fail: Prism validates request bodies against GitHub's schema
    api = GitHub(TOKEN, prism_url)
    with pytest.raises(GitHubError, match=r"\(422\)"):
        api.request("POST", "/repos/acme/shop/pulls", {"title": 42, "head": ["x"]}, what="acme/shop")
    assert api.exchanges[-1].status == 422 and "request" in (api.exchanges[-1].violations or "")


def test_validation_error_shows_githubs_message(prism_url):
    api = GitHub(TOKEN, prism_url, extra_headers={"Prefer": "code=422"})
    with pytest.raises(GitHubError) as err:
        api.create_pull("acme/shop", title="t", head="migrate/containerize", base="main", body="b", draft=False)
    assert err.value.status == 422 and str(err.value).startswith("GitHub rejected the request (422): ")
    assert err.value.exit_code == 1


def test_forbidden_is_a_permission_message(prism_url):
    api = GitHub(TOKEN, prism_url, extra_headers={"Prefer": "code=403"})
    with pytest.raises(GitHubError, match="403 Forbidden.*lacks permission"):
        api.create_pull("acme/shop", title="t", head="migrate/containerize", base="main", body="b", draft=False)


def test_not_found_names_the_repository(prism_url):
    api = GitHub(TOKEN, prism_url, extra_headers={"Prefer": "code=404"})
    with pytest.raises(GitHubError, match=r"repository acme/shop not found \(404\)"):
        api.add_labels("acme/shop", 1347, ["migration"])


# -- error mapping and retries (a scripted server: what GitHub does that a contract cannot show) ----


@pytest.fixture
def scripted() -> Iterator[tuple[str, list[tuple[int, dict[str, str], object]], list[Message]]]:
    """(url, answers to give in order, request headers seen)."""
    answers: list[tuple[int, dict[str, str], object]] = []
    seen: list[Message] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def _answer(self) -> None:
            seen.append(self.headers)  # case-insensitive lookups
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            status, headers, body = answers.pop(0) if answers else (500, {}, {"message": "script exhausted"})
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = _answer  # noqa: N815 - http.server's naming

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", answers, seen
    server.shutdown()


PR = {"number": 7, "html_url": "https://github.test/acme/shop/pull/7", "state": "open"}


def test_bad_credentials_never_show_the_token(scripted):
    url, answers, seen = scripted
    answers.append((401, {}, {"message": "Bad credentials"}))
    with pytest.raises(GitHubError) as err:
        GitHub(TOKEN, url, sleep=Recorder()).find_open_pull("acme/shop", "acme", "b")
    assert "rejected the token (401" in str(err.value) and TOKEN not in str(err.value)
    assert seen[0]["Authorization"] == f"Bearer {TOKEN}"
    assert seen[0]["Accept"] == "application/vnd.github+json, application/json"
    assert seen[0]["X-GitHub-Api-Version"] == "2022-11-28"


def test_retry_after_is_honoured(scripted):
    url, answers, _ = scripted
    answers += [(429, {"Retry-After": "2"}, {"message": "slow down"}), (201, {}, PR)]
    sleep = Recorder()
    pull = GitHub(TOKEN, url, sleep=sleep).create_pull("acme/shop", title="t", head="b", base="main", body="",
                                                         draft=False)
    assert pull.number == 7 and sleep.sleeps == [2.0]


def test_primary_rate_limit_waits_until_reset_within_a_bound(scripted):
    url, answers, _ = scripted
    limited = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1005"}
    answers += [(403, limited, {"message": "API rate limit exceeded"}), (200, {}, []),
                (403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "99999"}, {"message": "rate limit"}),
                (200, {}, [PR])]
    sleep = Recorder()
    api = GitHub(TOKEN, url, sleep=sleep, clock=lambda: 1000.0)
    assert api.find_open_pull("acme/shop", "acme", "b") is None
    found = api.find_open_pull("acme/shop", "acme", "b")
    assert found is not None and found.number == 7
    assert sleep.sleeps == [5.0, MAX_WAIT]


def test_rate_limit_that_never_lifts_gives_up(scripted):
    url, answers, _ = scripted
    answers += [(429, {"Retry-After": "1"}, {"message": "secondary rate limit"})] * MAX_ATTEMPTS
    sleep = Recorder()
    with pytest.raises(GitHubError, match="rate limit still exceeded"):
        GitHub(TOKEN, url, sleep=sleep).add_labels("acme/shop", 7, ["x"])
    assert sleep.sleeps == [1.0] * (MAX_ATTEMPTS - 1)


def test_server_errors_are_retried_with_backoff(scripted):
    url, answers, _ = scripted
    answers += [(502, {}, {"message": "Bad Gateway"}), (503, {}, {}), (200, {}, PR)]
    sleep = Recorder()
    pull = GitHub(TOKEN, url, sleep=sleep).update_pull("acme/shop", 7, title="t", body="b")
    assert pull.number == 7 and sleep.sleeps == [1.0, 2.0]


def test_network_errors_are_retried_then_reported():
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sleep = Recorder()
    with pytest.raises(GitHubError, match=f"cannot reach http://127.0.0.1:{port} after {MAX_ATTEMPTS} attempts"):
        GitHub(TOKEN, f"http://127.0.0.1:{port}", sleep=sleep).find_open_pull("acme/shop", "acme", "b")
    assert sleep.sleeps == [1.0, 2.0, 4.0]


def test_non_http_api_url_is_refused():
    with pytest.raises(UserError, match="http"):
        GitHub(TOKEN, "file:///etc/passwd")


def test_an_answer_that_is_not_json_or_not_a_pull_request_is_a_clear_error(scripted):
    url, answers, _ = scripted
    answers += [(200, {}, b"<html>proxy login</html>"), (201, {}, {"message": "no number"})]
    api = GitHub(TOKEN, url, sleep=Recorder())
    with pytest.raises(GitHubError, match="answered GET with something that is not JSON"):
        api.find_open_pull("acme/shop", "acme", "b")
    with pytest.raises(GitHubError, match="without a pull request number"):
        api.create_pull("acme/shop", title="t", head="b", base="main", body="", draft=False)
