"""Build one hostile repository in a job folder: the repo, and a canary tree beside it.

Every job gets ``<job>/repo`` (what migrate is pointed at) and ``<job>/outside`` (files that must never
change, never be read into an output, and whose paths outward symlinks point at). Each canary file
holds :data:`CANARY`, so reading one through a link shows up in the leak check. Links out are
absolute, so they still point at the canary from ``pr``'s temporary git worktree.
"""

from __future__ import annotations

import os
import stat
import textwrap
from collections.abc import Callable
from pathlib import Path

CANARY = "OUTSIDE-CANARY-5f1c9e7a"  # in every canary file: never in any output
OUTSIDE_FILES = {
    "passwd": f"root:x:0:0:{CANARY}:/root:/bin/bash\n",
    "secret.env": f"API_TOKEN={CANARY}-token\n",
    "evil.toml": f'[generate]\nimage = "evil/{CANARY}"\n[env.STOLEN]\ndefault = "{CANARY}-toml"\n',
    "Procfile": f"web: gunicorn {CANARY}:app\n",
    "requirements.txt": f"{CANARY}==1.0\n",
    "outdir/keep.txt": f"{CANARY} directory\n",
    "statedir/keep.txt": f"{CANARY} state directory\n",
    "appdir/settings.py": f"SECRET_KEY = '{CANARY}-py'\n",
}

# A small Django app deployed with a Procfile, a crontab and a deploy script, like the repos the PR
# bot meets; most cases start from it so generate has something real to write.
BASE_APP = {
    "Procfile": "web: gunicorn shop.wsgi:application --bind 0.0.0.0:$PORT --workers 2\n"
                "worker: celery -A shop worker --loglevel=info\n",
    "requirements.txt": "django==4.2.11\ngunicorn==21.2.0\ncelery==5.3.6\npsycopg2-binary==2.9.9\n",
    "runtime.txt": "python-3.11.8\n",
    "manage.py": "#!/usr/bin/env python\nimport os\nimport sys\n\nif __name__ == '__main__':\n"
                 "    os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'shop.settings')\n"
                 "    from django.core.management import execute_from_command_line\n"
                 "    execute_from_command_line(sys.argv)\n",
    "shop/__init__.py": "",
    "shop/settings.py": "import os\nSECRET_KEY = os.environ['SECRET_KEY']\nDEBUG = False\n"
                        "DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql', "
                        "'NAME': os.environ.get('DB_NAME', 'shop')}}\n",
    "shop/wsgi.py": "from django.core.wsgi import get_wsgi_application\napplication = get_wsgi_application()\n",
    "crontab": "# m h dom mon dow command\n30 2 * * * cd /srv/shop && venv/bin/python manage.py clearsessions\n",
    "deploy.sh": "#!/bin/sh\nset -e\ncd /srv/shop\ngit pull\nvenv/bin/pip install -r requirements.txt\n"
                 "venv/bin/python manage.py migrate --noinput\nsudo systemctl restart shop\n",
}


def devices_allowed() -> bool:
    """Whether this user may create device nodes (root in a container usually may)."""
    return os.geteuid() == 0


class Tree:
    """Helpers a case uses to lay out its repository; ``out(rel)`` is an absolute canary path."""

    def __init__(self, job: Path) -> None:
        self.repo = job / "repo"
        self.outside = job / "outside"
        self.repo.mkdir(parents=True)
        self._deferred: list[Callable[[], None]] | None = None
        for rel, text in OUTSIDE_FILES.items():
            path = self.outside / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")

    def defer_specials(self) -> None:
        """Queue FIFOs and devices instead of making them (git never commits them, and would hang
        on a FIFO .gitignore): :meth:`make_specials` makes them after the commit."""
        self._deferred = []

    def make_specials(self) -> None:
        queued, self._deferred = self._deferred or [], None
        for make in queued:
            make()

    def out(self, rel: str) -> str:
        return str(self.outside / rel)

    def path(self, rel: str) -> Path:
        path = self.repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def files(self, files: dict[str, str | bytes], *, dedent: bool = False) -> None:
        for rel, content in files.items():
            self.file(rel, content, dedent=dedent)

    def file(self, rel: str, content: str | bytes, *, dedent: bool = False) -> None:
        path = self.path(rel)
        if path.is_symlink() or path.exists():
            path.unlink()
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content) if dedent else content, encoding="utf-8", newline="")

    def base(self, *, without: tuple[str, ...] = ()) -> None:
        self.files({k: v for k, v in BASE_APP.items() if k not in without})

    def remove(self, rel: str) -> None:
        path = self.repo / rel
        if path.is_symlink() or path.is_file():
            path.unlink()

    def link(self, rel: str, target: str) -> None:
        self.remove(rel)
        os.symlink(target, self.path(rel))

    def fifo(self, rel: str) -> None:
        if self._deferred is not None:
            self.remove(rel)  # what the FIFO replaces is not committed either
            self._deferred.append(lambda: self.fifo(rel))
            return
        self.remove(rel)
        os.mkfifo(self.path(rel))

    def device(self, rel: str, kind: str) -> None:
        """A character device like /dev/null (reads end at once) or /dev/zero (reads never end)."""
        if self._deferred is not None:
            self.remove(rel)
            self._deferred.append(lambda: self.device(rel, kind))
            return
        self.remove(rel)
        minor = {"null": 3, "zero": 5}[kind]
        os.mknod(self.path(rel), 0o666 | stat.S_IFCHR, os.makedev(1, minor))

    def big(self, rel: str, size: int, line: bytes) -> None:
        """A file of ``size`` bytes made of ``line`` repeated (written in chunks, not built in memory)."""
        chunk = line * max(1, (1 << 20) // len(line))
        with self.path(rel).open("wb") as fh:
            left = size
            while left > 0:
                fh.write(chunk[:left])
                left -= len(chunk)

    def hardlink(self, rel: str, target: str) -> None:
        self.remove(rel)
        os.link(target, self.path(rel))
