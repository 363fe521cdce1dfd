"""An organisation's repositories through the GitHub REST API (``GET /orgs/{org}/repos``), filtered.

Pages of 100 are read until a short page (bounded by :data:`MAX_PAGES`, 10,000 repositories). Filters
are applied to what the API returns: archived repositories and forks are left out unless asked for;
``language`` (the primary language, case-insensitive), ``topic`` (every one given must be present) and
``pattern`` (an ``fnmatch`` glob on the name) narrow the list. The transport, retries and rate limits are
:class:`migrator.pr.github.GitHub`'s, so tests inject its ``opener``.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from migrator.errors import UserError
from migrator.fleet.sources import FleetRepo
from migrator.pr.github import GitHub

PER_PAGE = 100
MAX_PAGES = 100
_ORG = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")


@dataclass(frozen=True)
class OrgFilter:
    archived: bool = False  # include archived repositories
    forks: bool = False  # include forks
    language: str | None = None
    topics: tuple[str, ...] = ()
    pattern: str | None = None  # fnmatch glob on the repository's name

    def keeps(self, repo: Mapping[str, Any]) -> bool:
        if repo.get("archived") and not self.archived:
            return False
        if repo.get("fork") and not self.forks:
            return False
        if self.language and str(repo.get("language") or "").lower() != self.language.lower():
            return False
        topics = {str(t).lower() for t in repo.get("topics") or []}
        if any(t.lower() not in topics for t in self.topics):
            return False
        return not (self.pattern and not fnmatch.fnmatchcase(str(repo.get("name") or ""), self.pattern))


def list_org(client: GitHub, org: str, flt: OrgFilter | None = None) -> list[FleetRepo]:
    """The organisation's repositories that ``flt`` keeps, sorted by full name."""
    if not _ORG.match(org):
        raise UserError(f"--github-org must be a GitHub organisation name, got {org!r}")
    flt = flt or OrgFilter()
    found: list[FleetRepo] = []
    for page in range(1, MAX_PAGES + 1):
        batch = client.request("GET", f"/orgs/{org}/repos?type=all&per_page={PER_PAGE}&page={page}", what=org)
        if not isinstance(batch, list):
            raise UserError(f"GitHub answered /orgs/{org}/repos with something that is not a list")
        found += _repos(batch, flt)
        if len(batch) < PER_PAGE:
            break
    return sorted(found, key=lambda r: r.id)


def _repos(batch: Iterable[Any], flt: OrgFilter) -> list[FleetRepo]:
    repos = []
    for item in batch:
        if not isinstance(item, dict) or not isinstance(item.get("clone_url"), str):
            continue  # an entry without a clone URL cannot be processed; the API always sends one
        if flt.keeps(item):
            repos.append(FleetRepo(str(item.get("full_name") or item["clone_url"]), url=item["clone_url"]))
    return repos
