"""Reading through docker/compose/podman command lines (analyzers/docker_cli.py) and what the classifier,
the deploy-command interpreter and the host-config analyzers make of them."""

from __future__ import annotations

from typing import Any

import pytest

from analyzers import cron, docker_cli, shell, supervisor, systemd
from analyzers.base import Src
from analyzers.commands import classify, container_command, core_argv, host_only, split, step_kind
from analyzers.deploy_commands import interpret
from migrator.model import Finding, Kind, ProcessRole, SecretFinding


@pytest.mark.parametrize(("command", "inner"), [
    ("docker exec web python manage.py migrate", "python manage.py migrate"),
    ("docker exec -it -u app -w /srv/app web python manage.py migrate", "python manage.py migrate"),
    ("docker exec --env DJANGO_SETTINGS_MODULE=x.prod -e A=1 web_1 python manage.py migrate",
     "python manage.py migrate"),
    ("sudo docker container exec app celery -A proj inspect ping", "celery -A proj inspect ping"),
    ("docker -H ssh://deploy@vm1 exec web python manage.py migrate", "python manage.py migrate"),
    ("docker run --rm -e X=1 -v /srv/media:/app/media --network app registry/app:1.2 python manage.py migrate",
     "python manage.py migrate"),
    ("docker run --rm --entrypoint python app:latest manage.py migrate", "python manage.py migrate"),
    ("docker run -d --name web -p 8000:8000 app:1 gunicorn app:app", "gunicorn app:app"),
    ("docker compose exec -T web python manage.py migrate --noinput", "python manage.py migrate --noinput"),
    ("docker compose -f docker-compose.prod.yml run --rm web python manage.py collectstatic --noinput",
     "python manage.py collectstatic --noinput"),
    ("docker-compose -p bookings exec web python manage.py migrate", "python manage.py migrate"),
    ("podman exec web python manage.py migrate", "python manage.py migrate"),
    ("/usr/bin/docker run --rm app:1 python -V", "python -V"),
])
def test_the_command_inside_the_container_is_the_command(command: str, inner: str) -> None:
    assert docker_cli.inner_argv(split(command.removeprefix("sudo "))) == split(inner)
    assert " ".join(core_argv(split(command))) == inner
    assert container_command(command) == inner


@pytest.mark.parametrize(("command", "reason"), [
    ("docker compose up -d", "docker compose up: starts the services of the compose file"),
    ("docker compose -f docker-compose.yml -f docker-compose.prod.yml up -d --build",
     "docker compose up: starts the services of docker-compose.yml, docker-compose.prod.yml"),
    ("docker-compose up", "docker-compose up: starts the services of the compose file"),
    ("docker run -d -p 80:80 registry.example.com/app:1.4", "docker run registry.example.com/app:1.4: the image's"),
    ("docker pull registry.example.com/app:1.4", "container tooling on the host (docker pull)"),
    ("docker compose pull", "container tooling on the host (docker compose pull)"),
    ("docker system prune -af", "container tooling on the host (docker system)"),
])
def test_container_cli_without_a_command_inside_is_host_only(command: str, reason: str) -> None:
    hosted = host_only(command)
    assert hosted is not None and hosted.reason.startswith(reason)
    assert step_kind(command) == ("host", hosted.reason)
    assert classify(command).role is None


@pytest.mark.parametrize(("command", "kind"), [
    ("docker exec web python manage.py migrate", ("release", "runs once per deploy, before the new version serves")),
    ("docker compose run --rm web python manage.py collectstatic --noinput", ("build", "produces files the image "
                                                                                      "must contain")),
    ("docker exec web pip install -r requirements.txt", ("host", "dependency install: done in the image build")),
])
def test_steps_are_classified_as_if_run_directly(command: str, kind: tuple[str, str]) -> None:
    assert step_kind(command) == kind


def test_interpret_reads_through_docker_and_never_keeps_docker() -> None:
    src = Src("shell", "deploy.sh", 4)
    items = [*interpret("docker exec bookings-web-1 python manage.py migrate --noinput", src),
             *interpret("docker run -d --name web app:1 gunicorn app:app --bind 0.0.0.0:8000", src),
             *interpret("docker compose up -d", src)]
    kinds = {(i.kind, i.key) for i in items if isinstance(i, Finding)}
    assert (Kind.RELEASE_STEP, "python manage.py migrate --noinput") in kinds
    assert (Kind.PROCESS, "web") in kinds  # `docker run -d` is a process started by hand
    assert (Kind.HOST_STEP, "docker compose up -d") in kinds
    web = next(i for i in items if isinstance(i, Finding) and i.kind is Kind.PROCESS)
    assert web.fields["command"] == "gunicorn app:app --bind 0.0.0.0:8000"


def test_secrets_on_the_docker_command_line_are_reported_never_kept() -> None:
    src = Src("shell", "deploy.sh", 7)
    login = list(interpret("docker login -u deploy -p Sup3r-Secret-Registry registry.example.com", src))
    assert [(s.name, s.kind, s.line) for s in login if isinstance(s, SecretFinding)] == [
        ("docker login --password", "password", 7)]
    step = next(i for i in login if isinstance(i, Finding))
    assert step.kind is Kind.HOST_STEP and "Sup3r" not in repr(step)
    assert step.fields["command"] == "docker login -u deploy registry.example.com"
    run = list(interpret("docker run --rm -e DB_PASSWORD=Hunter2-Hunter2 app:1 python manage.py migrate", src))
    assert [s.name for s in run if isinstance(s, SecretFinding)] == ["DB_PASSWORD"]
    assert "Hunter2" not in repr([i for i in run if isinstance(i, Finding)])


def _no_docker(items: list[Any]) -> None:
    """No command or step of the app image runs a container CLI."""
    for item in items:
        if isinstance(item, Finding) and item.kind in (Kind.PROCESS, Kind.RELEASE_STEP, Kind.BUILD_STEP,
                                                       Kind.SCHEDULE) and "command" in item.fields:
            assert split(str(item.fields["command"]))[0] not in docker_cli.TOOLS, item


def test_supervisor_programs_running_docker(run_analyzer: Any) -> None:
    result = run_analyzer(supervisor, {"deploy/supervisord.conf": """\
        [program:stack]
        command=/usr/bin/docker compose -f /srv/app/docker-compose.yml up
        [program:web]
        command=docker run --rm --name web -p 8000:8000 registry.example.com/app:1 gunicorn app:app -b :8000
        [program:worker]
        command=docker exec app celery -A app worker -l info
        """})
    _no_docker(result.items)
    assert result.keys(Kind.PROCESS) == ["web", "worker"]
    assert result.field(Kind.PROCESS, "web", "command") == "gunicorn app:app -b :8000"
    assert result.field(Kind.PROCESS, "worker", "command") == "celery -A app worker -l info"
    step = result.one(Kind.HOST_STEP)
    assert step.source.line == 2 and "starts the services of /srv/app/docker-compose.yml" in step.fields["reason"]


def test_systemd_unit_running_docker_compose(run_analyzer: Any) -> None:
    result = run_analyzer(systemd, {"deploy/app.service": """\
        [Service]
        WorkingDirectory=/srv/app
        ExecStartPre=-/usr/bin/docker compose pull
        ExecStartPre=/usr/bin/docker compose run --rm web python manage.py migrate
        ExecStart=/usr/bin/docker compose up
        """})
    _no_docker(result.items)
    assert result.of(Kind.PROCESS) == []
    assert result.one(Kind.RELEASE_STEP).key == "python manage.py migrate"
    assert sorted((s.source.line, s.key) for s in result.of(Kind.HOST_STEP)) == [
        (3, "/usr/bin/docker compose pull"), (5, "/usr/bin/docker compose up")]


def test_shell_and_cron_running_docker(run_analyzer: Any) -> None:
    result = run_analyzer(shell, {"deploy.sh": """\
        #!/bin/bash
        set -e
        ssh deploy@vm1 'cd /srv/app && docker compose up -d && docker compose exec -T web python manage.py migrate'
        """})
    _no_docker(result.items)
    assert result.one(Kind.RELEASE_STEP).source.line == 3
    jobs = run_analyzer(cron, {"deploy/crontab": """\
        0 3 * * * docker compose -f /srv/app/docker-compose.yml exec -T web python manage.py clearsessions
        */5 * * * * cd /srv/app && docker compose up -d
        """})
    _no_docker(jobs.items)
    assert [(s.key, s.fields.get("command")) for s in jobs.of(Kind.SCHEDULE) if "command" in s.fields] == [
        ("clearsessions", "python manage.py clearsessions")]
    assert jobs.one(Kind.HOST_STEP).source.line == 2


def test_not_a_container_cli() -> None:
    assert docker_cli.parse(["dockerize", "-wait", "tcp://db:5432"]) is None
    assert docker_cli.parse(["docker"]) is None
    assert classify("docker exec web gunicorn app:app").role is ProcessRole.WEB


def test_fabric_tasks_running_docker(run_analyzer: Any) -> None:
    from analyzers.deploy import fabric

    result = run_analyzer(fabric, {"fabfile.py": """\
        from fabric.api import cd, env, run, sudo, task

        env.hosts = ["vm1.example.org"]


        @task
        def deploy():
            with cd("/srv/shop"):
                run("git pull")
                sudo("docker compose -f docker-compose.prod.yml up -d --build")
                run("docker compose exec -T web python manage.py migrate --noinput")
                run("docker exec shop_web_1 python manage.py collectstatic --noinput")
        """})
    _no_docker(result.items)
    assert [(f.kind, f.key, f.source.line) for f in result.findings if f.kind in (Kind.RELEASE_STEP,
                                                                                  Kind.BUILD_STEP)] == [
        (Kind.RELEASE_STEP, "python manage.py migrate --noinput", 11),
        (Kind.BUILD_STEP, "python manage.py collectstatic --noinput", 12)]
    compose_up = next(f for f in result.of(Kind.HOST_STEP) if "compose" in f.key)
    assert compose_up.source.line == 10 and "docker-compose.prod.yml" in compose_up.fields["reason"]
