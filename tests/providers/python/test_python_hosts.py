"""ALLOWED_HOSTS, however built: the ConfigMap value and the probes' Host header always agree."""

from __future__ import annotations

from typing import Any

import pytest

from analyzers.providers.python import python_hosts
from generators.allowed_hosts import allows
from generators.spec import build_spec
from migrator.config import GenerateSettings
from migrator.generate import generate_from_model
from migrator.model import Kind
from migrator.planner import analyze
from tests.generators.k8s_helpers import docs

MANAGE = """\
    #!/usr/bin/env python
    import os
    import sys

    if __name__ == "__main__":
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings.production")
        from django.core.management import execute_from_command_line
        execute_from_command_line(sys.argv)
    """
BASE = """\
    import os
    from pathlib import Path

    BASE_DIR = Path(__file__).resolve().parent.parent.parent
    INSTALLED_APPS = ["django.contrib.contenttypes"]
    ROOT_URLCONF = "shop.urls"
    ALLOWED_HOSTS = ["localhost"]
    """
URLS = """\
    from django.http import HttpResponse
    from django.urls import path

    urlpatterns = [path("healthz", lambda request: HttpResponse("ok"))]
    """

FORMS = {
    "literal": ('ALLOWED_HOSTS = ["shop.example.com", "localhost"]', None, ["shop.example.com", "localhost"]),
    "environ_list": ('import environ\nenv = environ.Env()\nALLOWED_HOSTS = env.list("ALLOWED_HOSTS", '
                     'default=["localhost"])', ("ALLOWED_HOSTS", ","), ["localhost"]),
    "environ_cast": ('import environ\nenv = environ.Env()\nALLOWED_HOSTS = env("DJANGO_HOSTS", cast=list)',
                     ("DJANGO_HOSTS", ","), []),
    "os_environ_split": ('import os\nALLOWED_HOSTS = os.environ["ALLOWED_HOSTS"].split(",")', ("ALLOWED_HOSTS", ","),
                         []),
    "getenv_default": ('import os\nALLOWED_HOSTS = os.getenv("DJANGO_ALLOWED_HOSTS", "localhost 127.0.0.1").split()',
                       ("DJANGO_ALLOWED_HOSTS", " "), ["localhost", "127.0.0.1"]),
    "comprehension": ('import os\nALLOWED_HOSTS = [h.strip() for h in os.environ.get("HOSTS", "").split(";")]',
                      ("HOSTS", ";"), []),
    "decouple_csv": ('from decouple import Csv, config\nALLOWED_HOSTS = config("ALLOWED_HOSTS", cast=Csv(), '
                     'default="localhost")', ("ALLOWED_HOSTS", ","), ["localhost"]),
    "decouple_lambda": ('from decouple import config\nALLOWED_HOSTS = config("ALLOWED_HOSTS", '
                        'cast=lambda v: [s.strip() for s in v.split("|")])', ("ALLOWED_HOSTS", "|"), []),
}


def _repo(tree: Any, settings: str, nginx: bool) -> Any:
    files = {
        "manage.py": MANAGE,
        "requirements.txt": "Django==4.2.16\ngunicorn==22.0.0\n",
        "Procfile": "web: gunicorn shop.wsgi --bind 0.0.0.0:8000\n",
        "shop/__init__.py": "", "shop/settings/__init__.py": "", "shop/settings/base.py": BASE,
        "shop/settings/production.py": "from .base import *  # noqa\n" + settings + "\n",
        "shop/urls.py": URLS,
        "shop/wsgi.py": "import os\nfrom django.core.wsgi import get_wsgi_application\n"
                        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'shop.settings.production')\n"
                        "application = get_wsgi_application()\n",
    }
    if nginx:
        files["deploy/nginx/shop.conf"] = ("server {\n  listen 80;\n  server_name shop.example.com;\n"
                                           "  location / { proxy_pass http://127.0.0.1:8000; }\n}\n")
    return tree(files)


@pytest.mark.parametrize("form", sorted(FORMS))
def test_each_form_is_read_from_the_effective_settings_module(run_analyzer: Any, form: str) -> None:
    settings, env, hosts = FORMS[form]
    result = run_analyzer(python_hosts, {"manage.py": MANAGE, "shop/__init__.py": "", "shop/settings/__init__.py": "",
                                         "shop/settings/base.py": BASE,
                                         "shop/settings/production.py": "from .base import *\n" + settings + "\n"})
    [finding] = result.of(Kind.RUNTIME)
    assert finding.source.file == "shop/settings/production.py"  # not base.py's ["localhost"]
    assert finding.fields["allowed_hosts"] == tuple(hosts)
    assert (finding.fields.get("allowed_hosts_env"), finding.fields.get("allowed_hosts_separator")) == (
        env or (None, None))


def _manifests(root: Any) -> tuple[dict[str, str], list[dict[str, Any]]]:
    model = analyze(root)
    files = generate_from_model(model, GenerateSettings())
    objs = [d for f in files if f.path.startswith("deploy/k8s/base/") and f.path.endswith(".yaml")
            for d in docs(f.content)]
    config = next((o["data"] for o in objs if o["kind"] == "ConfigMap"), {})
    return config, objs


def _probe_hosts(objs: list[dict[str, Any]]) -> set[str | None]:
    web = next(o for o in objs if o["kind"] == "Deployment")
    c = web["spec"]["template"]["spec"]["containers"][0]
    return {next((h["value"] for h in c[k]["httpGet"].get("httpHeaders", []) if h["name"] == "Host"), None)
            for k in ("startupProbe", "readinessProbe", "livenessProbe")}


@pytest.mark.parametrize("nginx", [True, False], ids=["with-ingress", "no-ingress"])
@pytest.mark.parametrize("form", sorted(FORMS))
def test_configmap_and_probe_host_agree(tree: Any, form: str, nginx: bool) -> None:
    settings, env, _ = FORMS[form]
    config, objs = _manifests(_repo(tree, settings, nginx))
    [probe] = _probe_hosts(objs)
    ingress = [r["host"] for o in objs if o["kind"] == "Ingress" for r in o["spec"]["rules"]]
    if env is None:  # a literal list: nothing to set, the probe sends a host it already allows
        assert probe == "shop.example.com"
        return
    var, sep = env
    allowed = [h for h in (config[var].split() if sep == " " else config[var].split(sep)) if h]
    assert probe is not None and allows(allowed, probe), (config, probe)
    assert all(allows(allowed, h) for h in ingress)
    service = next(o["metadata"]["name"] for o in objs if o["kind"] == "Service")
    assert probe == (ingress[0] if nginx else service)  # what verify's request sends too


def test_a_literal_list_without_the_ingress_host_probes_with_a_host_it_has(tree: Any) -> None:
    config, objs = _manifests(_repo(tree, 'ALLOWED_HOSTS = [".internal.example.org", "localhost"]', nginx=True))
    assert _probe_hosts(objs) == {"internal.example.org"}
    assert "ALLOWED_HOSTS" not in config


def test_a_wildcard_default_needs_no_header_and_keeps_its_value(tree: Any) -> None:
    config, objs = _manifests(_repo(tree, 'import os\nALLOWED_HOSTS = os.getenv("ALLOWED_HOSTS", "*").split(",")',
                                    nginx=False))
    assert config["ALLOWED_HOSTS"] == "*" and _probe_hosts(objs) == {None}


def test_existing_hosts_are_kept_and_missing_ones_added(tree: Any) -> None:
    settings = 'import os\nALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "localhost,.example.net").split(",")'
    root = _repo(tree, settings, nginx=True)
    spec = build_spec(analyze(root), GenerateSettings())
    var = next(e for e in spec.config_env if e.name == "ALLOWED_HOSTS")
    assert var.value == "localhost,.example.net,shop.example.com"
    assert "the Ingress host and the probe host" in var.origin and "shop/settings/production.py:3" in var.origin


@pytest.mark.parametrize(("hosts", "host", "ok"), [
    (["*"], "anything", True), ([".example.com"], "example.com", True), ([".example.com"], "a.example.com", True),
    ([".example.com"], "badexample.com", False), (["Shop.Example.com"], "shop.example.com:8000", True),
    (["localhost"], "127.0.0.1", False),
])
def test_allows_matches_like_django(hosts: list[str], host: str, ok: bool) -> None:
    assert allows(hosts, host) is ok
