"""generators/docs/migration_md.py: what was generated and why, what is left to do, how to roll out."""

from __future__ import annotations

from analyzers import base
from analyzers.base import Src
from generators.docs import migration_md
from generators.image import dockerfile
from generators.k8s import kubernetes
from generators.k8s.kubernetes import release_name
from generators.spec import build_spec
from migrator.config import GenerateSettings
from migrator.model import SecretFinding, Warning
from migrator.planner import plan
from tests.generators.models import django_findings, spec


def render(secrets: tuple[SecretFinding, ...] = (), warnings: tuple[Warning, ...] = ()) -> str:
    m = plan("shop", django_findings(), secrets=secrets, warnings=warnings)
    s = build_spec(m, GenerateSettings())
    files = dockerfile.generate(s) + kubernetes.generate(s)
    return migration_md.generate(m, s, files).content


def test_sections_in_order() -> None:
    text = render()
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == ["## What was generated", "## Decisions and their evidence", "## Secrets to create",
                        "## Volumes to provision", "## Legacy steps the container build replaces",
                        "## Open questions", "## Building the image", "## Rolling out", "## Next step"]
    assert "migrate verify ." in text


def test_evidence_table_cites_file_and_line() -> None:
    text = render()
    assert "| `web` port | 8081 | deploy/systemd/web.service:9 (declared) |" in text
    assert "| release step (Job) | `python manage.py migrate --noinput` | fabfile.py:21 (declared) |" in text
    assert "| health path | /healthz | proj/urls.py:12 (inferred) |" in text


def test_secrets_keys_only_and_hardcoded_ones_named_not_valued() -> None:
    found = SecretFinding("proj/settings.py", 3, "SECRET_KEY", "secret_key")
    text = render(secrets=(found,))
    assert "kubectl -n shop create secret generic shop-secrets \\" in text
    assert "  --from-literal=SECRET_KEY=..." in text and "- `DATABASE_URL`: read at proj/settings.py:8" in text
    assert "- SECRET_KEY (secret_key) at proj/settings.py:3" in text


def test_volumes_host_steps_and_open_questions() -> None:
    src = Src("systemd", "a.service", 1)
    text = render(warnings=(base.warning(src, "EnvironmentFile /srv/.env is not in the repository"),))
    assert "PersistentVolumeClaim `shop-media` (ReadWriteMany, 10Gi default) mounted at `/app/media`" in text
    assert "- `git pull`: source checkout: the image carries the code (fabfile.py:18)" in text
    assert "- Warning: EnvironmentFile /srv/.env is not in the repository (a.service:1)" in text
    assert "- `SENTRY_ENVIRONMENT` is read (proj/settings.py:7) but not set" in text


def test_conflicts_are_open_questions() -> None:
    findings = [*django_findings(), base.process("web", Src("nginx", "deploy/nginx/shop.conf", 7), base.I, port=8090)]
    m = plan("shop", findings)
    s = build_spec(m, GenerateSettings())
    text = migration_md.generate(m, s, []).content
    assert "- Conflict: processes[web].port: sources disagree: 8081 at deploy/systemd/web.service:9 (declared); " \
           "8090 at deploy/nginx/shop.conf:7 (inferred)" in text


def test_rollout_runs_the_release_job_first_and_says_how_to_roll_back() -> None:
    text = render()
    job = release_name(spec())
    assert "kubectl apply -k deploy/k8s/overlays/production -l 'app.kubernetes.io/component notin " \
           "(web,worker,beat)'" in text
    assert f"kubectl -n shop wait --for=condition=complete job/{job} --timeout=30m" in text
    assert text.index(f"job/{job}") < text.index("kubectl -n shop rollout status deployment/shop-web")
    assert "kubectl -n shop rollout undo deployment/shop-web" in text


def test_minimal_model_has_honest_gaps() -> None:
    m = plan("bare", [])
    s = build_spec(m, GenerateSettings())
    text = migration_md.generate(m, s, dockerfile.generate(s)).content
    assert "No web process was found" in text and "None found." in text


def test_a_build_step_the_image_cannot_run_is_an_open_question() -> None:
    m = plan("shop", [*django_findings(), base.build_step("npm run build", Src("shell", "deploy.sh", 7))])
    s = build_spec(m, GenerateSettings())
    text = migration_md.generate(m, s, []).content
    assert "- Build step `npm run build` (deploy.sh:7 (declared)) needs npm, which the python:3.12-slim image " \
           "lacks: it is commented out in the Dockerfile" in text
