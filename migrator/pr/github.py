"""A small GitHub REST client on the standard library: the four calls the PR bot needs.

Errors become one-line :class:`GitHubError` messages (a :class:`~migrator.errors.UserError`, exit 1):
401 (the token), 403 (permissions, or a rate limit), 404 (the repository), 422 (GitHub's own
validation message). Rate limits are waited out within a bound (``Retry-After`` or
``x-ratelimit-reset``); network errors and 5xx are retried a bounded number of times with backoff.
The token goes into the ``Authorization`` header only; it is never part of a message.
"""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

from migrator import __version__
from migrator.errors import UserError

DEFAULT_API = "https://api.github.com"
# Prism (the contract mock) answers 406 to the GitHub media type alone; GitHub accepts both.
ACCEPT = "application/vnd.github+json, application/json"
API_VERSION = "2022-11-28"
MAX_ATTEMPTS = 4
MAX_WAIT = 60.0  # seconds we are willing to wait for a rate limit to reset, per attempt
BACKOFF = 1.0  # first network retry delay; doubled each time
TIMEOUT = 30.0


class GitHubError(UserError):
    """The API refused or could not be reached; ``status`` is the HTTP status (0: network)."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class PullRequest:
    number: int
    url: str
    state: str = "open"


@dataclass
class Exchange:
    """One request and its answer, kept for tests and --debug (no headers with credentials)."""

    method: str
    path: str
    status: int
    violations: str | None = None  # Prism's sl-violations about the *request*: it broke the contract


@dataclass
class GitHub:
    """``GitHub(token, api_url)``; ``sleep`` and ``opener`` are injectable for tests."""

    token: str
    api_url: str = DEFAULT_API
    repo_hint: str = ""
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time
    opener: Callable[..., Any] = urllib.request.urlopen
    extra_headers: Mapping[str, str] = field(default_factory=dict)
    exchanges: list[Exchange] = field(default_factory=list)

    def __post_init__(self) -> None:
        if urllib.parse.urlsplit(self.api_url).scheme not in ("http", "https"):
            raise UserError(f"--api-url must be an http(s) URL, got {self.api_url!r}")

    # -- the calls -------------------------------------------------------------------------------

    def find_open_pull(self, repo: str, owner: str, branch: str) -> PullRequest | None:
        """The open PR from ``owner:branch`` in ``repo`` (``OWNER/NAME``), if any."""
        query = urllib.parse.urlencode({"head": f"{owner}:{branch}", "state": "open", "per_page": 10})
        found = self.request("GET", f"/repos/{repo}/pulls?{query}", what=repo)
        if not isinstance(found, list) or not found:
            return None
        return _pull(found[0])

    def create_pull(self, repo: str, *, title: str, head: str, base: str, body: str, draft: bool) -> PullRequest:
        data = {"title": title, "head": head, "base": base, "body": body, "draft": draft,
                "maintainer_can_modify": True}
        return _pull(self.request("POST", f"/repos/{repo}/pulls", data, what=repo))

    def update_pull(self, repo: str, number: int, *, title: str, body: str) -> PullRequest:
        return _pull(self.request("PATCH", f"/repos/{repo}/pulls/{number}", {"title": title, "body": body},
                                  what=repo))

    def add_labels(self, repo: str, number: int, labels: list[str]) -> None:
        self.request("POST", f"/repos/{repo}/issues/{number}/labels", {"labels": labels}, what=repo)

    # -- transport -------------------------------------------------------------------------------

    def request(self, method: str, path: str, data: Any = None, *, what: str = "") -> Any:
        """Send one call with bounded retries; the decoded JSON answer or a :class:`GitHubError`."""
        url = self.api_url.rstrip("/") + path
        payload = None if data is None else json.dumps(data).encode()
        delay = BACKOFF
        for attempt in range(1, MAX_ATTEMPTS + 1):
            last = attempt == MAX_ATTEMPTS
            # S310: the scheme is checked in __post_init__ (http/https only)
            req = urllib.request.Request(url, payload, self._headers(payload is not None), method=method)  # noqa: S310
            try:
                with self.opener(req, timeout=TIMEOUT) as resp:
                    self._log(method, path, resp.status, resp.headers)
                    raw = resp.read()
                try:
                    return json.loads(raw) if raw.strip() else None
                except ValueError:
                    raise GitHubError(f"{self.api_url} answered {method} with something that is not JSON") from None
            except urllib.error.HTTPError as exc:
                self._log(method, path, exc.code, exc.headers)
                body = _json_body(exc)
                wait = self._rate_limit_wait(exc.code, exc.headers, body)
                if wait is not None and not last:
                    self.sleep(wait)
                    continue
                if exc.code >= 500 and not last:
                    self.sleep(delay)
                    delay *= 2
                    continue
                raise self._error(method, exc.code, body, what, rate_limited=wait is not None) from None
            except (urllib.error.URLError, TimeoutError, ConnectionError, http.client.HTTPException) as exc:
                if last:
                    reason = getattr(exc, "reason", exc)
                    raise GitHubError(f"cannot reach {self.api_url} after {MAX_ATTEMPTS} attempts: {reason}") from None
                self.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")  # pragma: no cover

    def _headers(self, has_body: bool) -> dict[str, str]:
        headers = {"Accept": ACCEPT, "X-GitHub-Api-Version": API_VERSION, "User-Agent": f"migrate/{__version__}",
                   "Authorization": f"Bearer {self.token}", **self.extra_headers}
        if has_body:
            headers["Content-Type"] = "application/json"
        return headers

    def _log(self, method: str, path: str, status: int, headers: Message | None) -> None:
        self.exchanges.append(Exchange(method, path.split("?")[0], status, _request_violations(headers)))

    def _rate_limit_wait(self, status: int, headers: Message | None, body: Mapping[str, Any]) -> float | None:
        """Seconds to wait when this answer is a rate limit (bounded by MAX_WAIT), else None."""
        if status not in (403, 429) or headers is None:
            return None
        retry_after = headers.get("Retry-After")
        if retry_after and retry_after.strip().isdigit():
            return min(float(retry_after), MAX_WAIT)
        limited = headers.get("x-ratelimit-remaining") == "0" or "rate limit" in str(body.get("message", "")).lower()
        if not limited and status == 403:
            return None
        reset = headers.get("x-ratelimit-reset")
        if reset and reset.strip().isdigit():
            return min(max(float(reset) - self.clock(), 1.0), MAX_WAIT)
        return 60.0 if status == 429 else min(60.0, MAX_WAIT)  # GitHub's advice without a header: a minute

    def _error(self, method: str, status: int, body: Mapping[str, Any], what: str, *,
               rate_limited: bool) -> GitHubError:
        message = str(body.get("message") or "").strip()
        if rate_limited:
            return GitHubError(f"GitHub rate limit still exceeded after {MAX_ATTEMPTS} attempts; try later", status)
        if status == 401:
            return GitHubError("GitHub rejected the token (401 Bad credentials): check GITHUB_TOKEN or --token-env",
                               status)
        if status == 403:
            return GitHubError(f"GitHub refused {method} (403 Forbidden): the token lacks permission "
                               f"(needs contents: write and pull-requests: write){': ' + message if message else ''}",
                               status)
        if status == 404:
            return GitHubError(f"repository {what or '?'} not found (404), or the token cannot see it", status)
        if status == 422:
            details = [str(e.get("message") or e.get("code") or e) if isinstance(e, dict) else str(e)
                       for e in body.get("errors") or []]
            text = "; ".join([message or "Validation Failed", *details])
            return GitHubError(f"GitHub rejected the request (422): {text}", status)
        return GitHubError(f"GitHub answered {status} to {method}{': ' + message if message else ''}", status)


def _request_violations(headers: Message | None) -> str | None:
    """Prism's complaints about what we sent (its complaints about its own examples do not count)."""
    raw = headers.get("sl-violations") if headers is not None else None
    if not raw:
        return None
    try:
        found = json.loads(raw)
    except ValueError:
        return raw
    mine = [v for v in found if isinstance(v, dict) and (v.get("location") or [""])[0] == "request"]
    return json.dumps(mine) if mine else None


def _json_body(exc: urllib.error.HTTPError) -> dict[str, Any]:
    try:
        data = json.loads(exc.read() or b"{}")
    except (ValueError, OSError):
        return {}
    return data if isinstance(data, dict) else {}


def _pull(data: Any) -> PullRequest:
    if not isinstance(data, dict) or not isinstance(data.get("number"), int):
        raise GitHubError("GitHub answered without a pull request number")
    return PullRequest(data["number"], str(data.get("html_url") or ""), str(data.get("state") or "open"))
