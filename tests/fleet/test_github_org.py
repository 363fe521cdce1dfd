"""migrator/fleet/github_org.py on a mocked HTTP layer (GitHub is not reachable from the tests)."""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.parse
import urllib.request
from email.message import Message
from typing import Any

import pytest

from migrator.errors import UserError
from migrator.fleet.github_org import PER_PAGE, OrgFilter, list_org
from migrator.pr.github import GitHub


def _repo(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "full_name": f"acme/{name}", "clone_url": f"https://github.com/acme/{name}.git",
            "archived": False, "fork": False, "language": "Python", "topics": [], **extra}


class FakeResponse(io.BytesIO):
    status = 200
    headers = Message()

    def __enter__(self) -> FakeResponse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class FakeApi:
    """Serves ``repos`` in pages, recording every request (and its Authorization header)."""

    def __init__(self, repos: list[dict[str, Any]], *, status: int = 200) -> None:
        self.repos, self.status, self.requests = repos, status, []  # type: ignore[var-annotated]

    def __call__(self, req: urllib.request.Request, timeout: float) -> FakeResponse:
        self.requests.append(req)
        if self.status != 200:
            body = io.BytesIO(b"{\"message\": \"Not Found\"}")
            raise urllib.error.HTTPError(req.full_url, self.status, "x", Message(), body)
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(req.full_url).query)
        page, size = int(query["page"][0]), int(query["per_page"][0])
        return FakeResponse(json.dumps(self.repos[(page - 1) * size: page * size]).encode())


def _client(api: FakeApi) -> GitHub:
    return GitHub("tok", "https://api.example.test", opener=api, sleep=lambda _s: None)


def test_pages_until_a_short_page() -> None:
    api = FakeApi([_repo(f"svc-{i:03}") for i in range(PER_PAGE + 5)])
    found = list_org(_client(api), "acme")
    assert len(found) == PER_PAGE + 5
    assert len(api.requests) == 2
    assert api.requests[0].full_url == "https://api.example.test/orgs/acme/repos?type=all&per_page=100&page=1"
    assert api.requests[0].get_header("Authorization") == "Bearer tok"
    assert found[0].id == "acme/svc-000" and found[0].url == "https://github.com/acme/svc-000.git"


def test_exact_page_multiple_asks_once_more() -> None:
    api = FakeApi([_repo(f"r{i:03}") for i in range(PER_PAGE)])
    assert len(list_org(_client(api), "acme")) == PER_PAGE
    assert len(api.requests) == 2  # the second, empty page says the list is complete


def test_filters() -> None:
    repos = [_repo("billing-api", topics=["legacy", "payments"]), _repo("old", archived=True),
             _repo("fork-of-x", fork=True), _repo("site", language="Ruby", topics=["legacy"]),
             _repo("billing-worker", language=None, topics=["legacy"]), {"name": "broken"}]
    api = FakeApi(repos)
    ids = lambda flt: [r.id for r in list_org(_client(api), "acme", flt)]  # noqa: E731
    assert ids(OrgFilter()) == ["acme/billing-api", "acme/billing-worker", "acme/site"]
    assert ids(OrgFilter(archived=True, forks=True)) == ["acme/billing-api", "acme/billing-worker",
                                                         "acme/fork-of-x", "acme/old", "acme/site"]
    assert ids(OrgFilter(language="python")) == ["acme/billing-api"]
    assert ids(OrgFilter(topics=("legacy", "payments"))) == ["acme/billing-api"]
    assert ids(OrgFilter(pattern="billing-*")) == ["acme/billing-api", "acme/billing-worker"]


def test_unknown_org_is_a_user_error() -> None:
    with pytest.raises(UserError, match="not found"):
        list_org(_client(FakeApi([], status=404)), "nope")


@pytest.mark.parametrize("org", ["", "a/b", "../x", "a b", "-lead"])
def test_org_name_is_checked_before_any_request(org: str) -> None:
    api = FakeApi([])
    with pytest.raises(UserError, match="organisation name"):
        list_org(_client(api), org)
    assert api.requests == []
