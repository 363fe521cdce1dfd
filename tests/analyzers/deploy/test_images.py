"""Image references and what they say (analyzers/deploy/images.py)."""

from __future__ import annotations

import pytest

from analyzers.deploy import images


@pytest.mark.parametrize(("image", "official", "python", "service"), [
    ("python:3.12-slim-bookworm", True, ("3.12", "3.12"), None),
    ("python:3.11.9", True, ("3.11", "3.11.9"), None),
    ("docker.io/library/python:3.10-alpine@sha256:abc", True, ("3.10", "3.10"), None),
    ("python:3", True, None, None),  # no minor: not a version we can build for
    ("python", True, None, None),
    ("registry.corp.example.com/base/python:3.9", False, ("3.9", "3.9"), None),
    ("tiangolo/uvicorn-gunicorn-fastapi:python3.11", False, ("3.11", "3.11"), None),
    ("postgres:15", True, None, ("postgres", "15")),
    ("postgis/postgis:16-3.4-alpine", False, None, ("postgres", "16")),
    ("redis:7-alpine", True, None, ("redis", "7")),
    ("bitnami/redis:7.2", False, None, ("redis", "7.2")),
    ("mariadb:10.11", True, None, ("mysql", "10.11")),
    ("rabbitmq:3-management", True, None, ("rabbitmq", "3")),
    ("docker.elastic.co/elasticsearch/elasticsearch:8.12.0", False, None, ("elasticsearch", "8.12.0")),
    ("mongo", True, None, ("mongodb", None)),
    ("localhost:5000/team/app:dev", False, None, None),
])
def test_image_refs(image: str, official: bool, python: tuple[str, str] | None,
                    service: tuple[str, str | None] | None) -> None:
    ref = images.image_ref(image)
    assert ref is not None
    assert (ref.official, images.python_version(ref), images.service(ref)) == (official, python, service)


def test_not_image_refs() -> None:
    assert images.image_ref("${BASE_IMAGE}") is None
    assert images.image_ref("scratch") is None
    assert images.image_ref("localhost:5000/app:1").registry == "localhost:5000"  # type: ignore[union-attr]
    assert images.is_proxy(images.image_ref("nginx:1.25-alpine"))  # type: ignore[arg-type]
