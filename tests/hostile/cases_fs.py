"""Hostile cases about the filesystem: symlinks in and out, loops, FIFOs and devices under every name
migrate reads or writes, paths occupied by the wrong kind of file, huge files and huge trees."""

from __future__ import annotations

import hashlib
import json

from tests.hostile.case import SLOW_TIMEOUT, case
from tests.hostile.runner import Outcome
from tests.hostile.tree import OUTSIDE_FILES, Tree

# the generated Dockerfile lives under deploy/image/; a root Dockerfile is the repo's own: evidence, never written
DOCKERFILE = "deploy/image/Dockerfile"
WRITE_NAMES = (DOCKERFILE, ".dockerignore", "migrate.toml", "MIGRATION.md", ".migrate/state.json")

# -- symlinks out of the repository: never written through, never read ---------------------------


@case("link-out-dockerfile", "deploy/image/Dockerfile -> a file outside (issue: --force overwrote /etc/passwd)",
      generate=1)
def _(t: Tree) -> None:
    t.base()
    t.link(DOCKERFILE, t.out("passwd"))


@case("link-out-dockerfile-dangling", "a dangling deploy/image/Dockerfile link would create its target outside",
      generate=1)
def _(t: Tree) -> None:
    t.base()
    t.link(DOCKERFILE, t.out("OUT-Dockerfile"))


@case("link-out-repo-dockerfile", "the repo's own Dockerfile -> outside (and a dangling Dockerfile.prod): "
      "evidence only, never read through the link, never written")
def _(t: Tree) -> None:
    t.base()
    t.link("Dockerfile", t.out("passwd"))
    t.link("Dockerfile.prod", t.out("OUT-Dockerfile"))


@case("link-out-migration-md-dangling", "a dangling MIGRATION.md link would create its target outside",
      generate=1)
def _(t: Tree) -> None:
    t.base()
    t.link("MIGRATION.md", t.out("OUT-MIGRATION.md"))


@case("link-out-deploy-dir", "deploy/ -> a directory outside: the manifests would land there", generate=1)
def _(t: Tree) -> None:
    t.base()
    t.link("deploy", t.out("outdir"))


@case("link-out-migrate-dir", ".migrate/ -> a directory outside: state.json would land there", generate=1)
def _(t: Tree) -> None:
    t.base()
    t.link(".migrate", t.out("statedir"))


@case("link-out-dockerfile-crafted-state",
      "deploy/image/Dockerfile -> outside plus a state.json holding the target's sha256 ('updated Dockerfile')",
      generate=1)
def _(t: Tree) -> None:
    t.base()
    t.link(DOCKERFILE, t.out("passwd"))
    sha = hashlib.sha256(OUTSIDE_FILES["passwd"].encode()).hexdigest()
    t.file(".migrate/state.json", json.dumps({"version": 1, "files": {DOCKERFILE: {"sha256": sha}}}))


@case("link-out-state-json", ".migrate/state.json -> a file outside: read and rewritten through the link",
      generate=1)
def _(t: Tree) -> None:
    t.base()
    t.link(".migrate/state.json", t.out("secret.env"))


@case("link-out-dockerignore", ".dockerignore -> a file outside", generate=1)
def _(t: Tree) -> None:
    t.base()
    t.link(".dockerignore", t.out("passwd"))


@case("link-out-k8s-base", "deploy/k8s/base -> outside: a parent inside the output root is a link", generate=1)
def _(t: Tree) -> None:
    t.base()
    t.path("deploy/k8s/README.md").write_text("manifests live here\n")
    t.link("deploy/k8s/base", t.out("outdir"))


@case("link-out-dot-new", "a hand-written deploy/image/Dockerfile and its .new -> outside: the .new would be "
      "written through the link (--force writes no .new)", generate=1, force=0)
def _(t: Tree) -> None:
    t.base()
    t.file(DOCKERFILE, "FROM python:2.7\nCOPY . /srv/shop\nCMD [\"sh\", \"/srv/shop/run.sh\"]\n")
    t.link(DOCKERFILE + ".new", t.out("passwd"))


def _in_repo_target_unchanged(command: str, outcome: Outcome) -> list[str]:
    return [f"{command} changed docker/Dockerfile.prod through the Dockerfile link"
            for p in outcome.repo_changes if p == "docker/Dockerfile.prod"]


@case("link-in-dockerfile", "deploy/image/Dockerfile -> docker/Dockerfile.prod inside the repo: not followed "
      "either", generate=1, check=_in_repo_target_unchanged)
def _(t: Tree) -> None:
    t.base()
    t.file("docker/Dockerfile.prod", "FROM python:3.11-slim\nCOPY . /app\nCMD [\"gunicorn\", \"shop.wsgi\"]\n")
    t.link(DOCKERFILE, "../../docker/Dockerfile.prod")


@case("hardlink-out-dockerfile", "deploy/image/Dockerfile is a hard link to a file outside: writes must "
      "replace, not write into the shared inode (atomic rename)")
def _(t: Tree) -> None:
    t.base()
    t.hardlink(DOCKERFILE, t.out("passwd"))


@case("link-out-migrate-toml", "migrate.toml -> an outside TOML: never read (its values would reach the "
      "outputs), never written", generate=1)
def _(t: Tree) -> None:
    t.base()
    t.link("migrate.toml", t.out("evil.toml"))


@case("link-out-sources", "Procfile, requirements.txt, .env, an app package and a unit -> outside: "
      "nothing outside is read")
def _(t: Tree) -> None:
    t.base()
    t.link("Procfile", t.out("Procfile"))
    t.link("requirements.txt", t.out("requirements.txt"))
    t.link(".env", t.out("secret.env"))
    t.link("shop/conf", t.out("appdir"))
    t.link("deploy/systemd/shop.service", t.out("passwd"))


def _loops_are_not_outside(command: str, outcome: Outcome) -> list[str]:
    if command != "analyze-json" or outcome.returncode != 0:
        return []
    report = json.loads(outcome.stdout)
    return [f"symlink loop reported as {w['message']!r} ({w['file']})" for w in report.get("warnings", [])
            if w.get("file", "").startswith(("loop", "Procfile", "deploy/cycle")) and "outside" in w["message"]]


@case("link-loops", "symlink loops (a<->b, self, a directory link to its parent): no hang, and not "
      "reported as 'points outside the repository'", check=_loops_are_not_outside)
def _(t: Tree) -> None:
    t.base(without=("Procfile",))
    t.link("loop-a", "loop-b")
    t.link("loop-b", "loop-a")
    t.link("Procfile", "Procfile")
    t.link("loop-dir", ".")
    t.path("deploy/keep").write_text("")
    t.link("deploy/cycle", "..")


@case("link-in-to-fifos", "Procfile and deploy.sh are links to FIFOs inside the repo (issue: analyze hung)")
def _(t: Tree) -> None:
    t.base(without=("Procfile", "deploy.sh"))
    t.fifo("pipes/procfile.fifo")
    t.fifo("pipes/deploy.fifo")
    t.link("Procfile", "pipes/procfile.fifo")
    t.link("deploy.sh", "pipes/deploy.fifo")


# -- FIFOs and devices under the names migrate reads and writes ---------------------------------

for _name in WRITE_NAMES:
    # pr: git commits no FIFO, so its worktree has none and pr writes there as usual; but a migrate.toml
    # that is not a regular file is a bad config for every command (pr reads the checkout's)
    _config = 1 if _name == "migrate.toml" else 0

    @case(f"fifo-{_name.strip('.').replace('/', '-')}", f"{_name} is a FIFO: generate hung; it must refuse",
          generate=1, analyze=_config, pr=_config)
    def _(t: Tree, name: str = _name) -> None:
        t.base()
        t.fifo(name)


@case("fifo-repo-dockerfile", "the repo's own Dockerfile is a FIFO: an input, skipped and never opened")
def _(t: Tree) -> None:
    t.base()
    t.fifo("Dockerfile")


@case("fifo-gitignore", ".gitignore is a FIFO: pr hung in git (generate does not read it)", pr=1)
def _(t: Tree) -> None:
    t.base()
    t.fifo(".gitignore")


@case("fifo-deploy-inputs", "Procfile, deploy.sh, fabfile.py and crontab are FIFOs: skipped, never opened")
def _(t: Tree) -> None:
    t.base()
    for name in ("Procfile", "deploy.sh", "fabfile.py", "crontab"):
        t.fifo(name)


@case("fifo-config-inputs", "requirements.txt, a systemd unit, supervisord.conf, nginx.conf, app.json and "
      "Pipfile are FIFOs")
def _(t: Tree) -> None:
    t.base()
    for name in ("requirements.txt", "deploy/systemd/shop.service", "deploy/supervisord.conf",
                 "deploy/nginx/nginx.conf", "app.json", "Pipfile"):
        t.fifo(name)


@case("devices-read-names", "Procfile, requirements.txt, crontab, fabfile.py, deploy.sh are character "
      "devices (/dev/zero never ends; /dev/null)", devices=True)
def _(t: Tree) -> None:
    t.base()
    for name in ("Procfile", "requirements.txt", "crontab", "fabfile.py"):
        t.device(name, "zero")
    t.device("deploy.sh", "null")


@case("devices-write-names", "deploy/image/Dockerfile, MIGRATION.md, .dockerignore and the repo's own "
      "Dockerfile are devices: never written into, never read", devices=True, generate=1, pr=0)
def _(t: Tree) -> None:
    t.base()
    t.device(DOCKERFILE, "null")
    t.device("MIGRATION.md", "zero")
    t.device(".dockerignore", "null")
    t.device("Dockerfile", "zero")


@case("device-migrate-toml", "migrate.toml is /dev/zero: a bad config (exit 1) for every command, never read",
      devices=True, analyze=1, generate=1)
def _(t: Tree) -> None:
    t.base()
    t.device("migrate.toml", "zero")


@case("dir-where-file-goes", "deploy/image/Dockerfile and MIGRATION.md are directories", generate=1)
def _(t: Tree) -> None:
    t.base()
    t.path(DOCKERFILE + "/README").write_text("old docker notes\n")
    t.path("MIGRATION.md/notes.txt").write_text("notes\n")


@case("file-where-dir-goes", "deploy and .migrate are regular files where generate needs directories",
      generate=1)
def _(t: Tree) -> None:
    t.base()
    t.file("deploy", "#!/bin/sh\nrsync -a . prod:/srv/shop\n")
    t.file(".migrate", "not a directory\n")


# -- size ------------------------------------------------------------------------------------------

MB = 1 << 20


@case("huge-files", "60 MB Procfile, app module and hand-written MIGRATION.md", slow=True, timeout=SLOW_TIMEOUT)
def _(t: Tree) -> None:
    t.base()
    t.big("Procfile", 60 * MB, b"web: gunicorn shop.wsgi:application --bind 0.0.0.0:$PORT\n")
    t.big("shop/huge.py", 60 * MB, b"X = 'padding padding padding padding padding padding'\n")
    t.big("MIGRATION.md", 60 * MB, b"# Notes\nWe deploy with deploy.sh by hand.\n")


@case("many-files", "50,000 files in 500 folders", slow=True, timeout=SLOW_TIMEOUT)
def _(t: Tree) -> None:
    t.base()
    for d in range(500):
        folder = t.path(f"static/img{d:03}/x").parent
        for f in range(100):
            (folder / f"icon{f:03}.svg").write_bytes(b"<svg/>")


@case("deep-dirs", "a folder chain 200 deep, with a unit, a Procfile and code at the bottom")
def _(t: Tree) -> None:
    t.base()
    deep = "/".join(["d"] * 200)
    t.file(f"{deep}/Procfile", "web: gunicorn deep:app\n")
    t.file(f"{deep}/deep.service", "[Service]\nExecStart=/srv/deep/venv/bin/gunicorn deep:app\n")
    t.file(f"{deep}/deep.py", "import os\nTOKEN = os.environ['DEEP_TOKEN']\n")
