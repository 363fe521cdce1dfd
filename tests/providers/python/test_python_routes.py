"""Tests for analyzers/providers/python/python_routes.py (through the python_code analyzer): health-check routes."""

from __future__ import annotations

import pytest

from analyzers.providers.python import python_code
from analyzers.providers.python.python_routes import judge
from migrator.model import Confidence, Kind

HC = Kind.HEALTH_CHECK
INF, H = Confidence.INFERRED, Confidence.HEURISTIC


def checks(r):
    return sorted((f.key, f.source.file, f.source.line, f.source.confidence, f.fields.get("probe"))
                  for f in r.of(HC))


@pytest.mark.parametrize(("path", "handler", "expected"), [
    ("/health", None, (INF, None)),
    ("/healthz", None, (INF, None)),
    ("/-/health", None, (INF, None)),
    ("/api/v1/healthcheck", None, (INF, None)),
    ("/readyz", None, (INF, "readiness")),
    ("/health/live", None, (INF, "liveness")),
    ("/ping", None, (H, None)),
    ("/status", None, (H, None)),
    ("/status", "health_status", (INF, None)),
    ("/ready", None, (H, "readiness")),
    ("/api/v1/orders/status", None, None),
    ("/users/<int:id>/health", None, None),
    ("/items/{item_id}/status", None, None),
    ("/", None, None),
    ("/healthy-eating/recipes", None, None),
])
def test_judge(path, handler, expected):
    assert judge(path, handler) == expected


def test_flask_routes_blueprint_prefix_and_methods(run_analyzer):
    r = run_analyzer(python_code, {"web/app.py": """\
        from flask import Blueprint, Flask

        app = Flask(__name__)
        ops = Blueprint("ops", __name__, url_prefix="/ops")


        @app.route("/health")
        def health():
            return "ok"


        @ops.get("/readyz")
        def ready():
            return "ok"


        @app.route("/ping", methods=["POST"])
        def ping():
            return "pong"


        @app.route("/status", methods=["GET", "HEAD"])
        def status():
            return "up"


        @app.route("/orders")
        def orders():
            return "[]"


        def liveness():
            return "ok"


        app.add_url_rule("/livez", view_func=liveness)
        """})
    assert checks(r) == [
        ("/health", "web/app.py", 7, INF, None),
        ("/livez", "web/app.py", 36, INF, "liveness"),
        ("/ops/readyz", "web/app.py", 12, INF, "readiness"),
        ("/status", "web/app.py", 22, H, None),
    ]


def test_fastapi_router_prefix_and_starlette_routes(run_analyzer):
    r = run_analyzer(python_code, {
        "api/main.py": """\
            from fastapi import APIRouter, FastAPI

            app = FastAPI()
            router = APIRouter(prefix="/internal")


            @router.get("/healthz")
            async def healthz():
                return {}


            @app.post("/health")
            async def not_a_probe():
                return {}


            @app.get("/ping")
            async def health_ping():
                return {}
            """,
        "api/star.py": """\
            from starlette.applications import Starlette
            from starlette.routing import Route


            async def heartbeat(request):
                pass

            app = Starlette(routes=[
                Route("/heartbeat", heartbeat),
                Route("/items", heartbeat),
            ])
            """,
    })
    assert checks(r) == [
        ("/heartbeat", "api/star.py", 9, INF, None),
        ("/internal/healthz", "api/main.py", 7, INF, None),
        ("/ping", "api/main.py", 17, INF, None),  # the handler's name says health
    ]


def test_aiohttp_routes(run_analyzer):
    r = run_analyzer(python_code, {"srv.py": """\
        from aiohttp import web

        routes = web.RouteTableDef()


        async def health(request):
            return web.Response(text="ok")


        @routes.get("/alive")
        async def alive(request):
            return web.Response(text="ok")

        app = web.Application()
        app.router.add_get("/healthz", health)
        app.router.add_route("GET", "/ready", health)
        app.router.add_route("POST", "/health", health)
        app.add_routes([web.get("/_health", health)])
        """})
    assert checks(r) == [
        ("/_health", "srv.py", 18, INF, None),
        ("/alive", "srv.py", 10, H, "liveness"),
        ("/healthz", "srv.py", 15, INF, None),
        ("/ready", "srv.py", 16, INF, "readiness"),
    ]


def test_django_urlconfs_with_include_prefixes(run_analyzer):
    r = run_analyzer(python_code, {
        "proj/__init__.py": "",
        "proj/urls.py": """\
            from django.urls import include, path, re_path

            urlpatterns = [
                path("api/", include("api.urls")),
                path("ht/", include("health_check.urls")),
                re_path(r"^ops/", include("ops.urls")),
            ]
            """,
        "api/__init__.py": "",
        "api/urls.py": """\
            from django.urls import path, re_path
            from . import views

            urlpatterns = [
                path("healthz/", views.healthz),
                re_path(r"^status/$", views.status, name="health-status"),
                re_path(r"^(?P<slug>[-\\w]+)/health/$", views.item),
                path("orders/", views.orders),
            ]
            """,
        "ops/__init__.py": "",
        "ops/urls.py": """\
            from django.conf.urls import url
            from . import views

            urlpatterns = [url(r"^ping/$", views.ping)]
            """,
    })
    assert checks(r) == [
        ("/api/healthz/", "api/urls.py", 5, INF, None),
        ("/api/status/", "api/urls.py", 6, INF, None),
        ("/ht/", "proj/urls.py", 5, INF, None),
        ("/ops/ping/", "ops/urls.py", 4, H, None),
    ]


def test_path_calls_outside_a_urlconf_are_not_routes(run_analyzer):
    r = run_analyzer(python_code, {"util.py": """\
        import os
        from django.urls import path

        x = path("health/", None)
        y = os.environ.get("Y")
        """})
    assert r.of(HC) == []


def test_fastapi_routers_mounted_from_another_file(run_analyzer):
    r = run_analyzer(python_code, {
        "app/__init__.py": "",
        "app/main.py": """\
            from fastapi import FastAPI

            from .routers import health, items
            from app.routers.ops import router as ops_router

            app = FastAPI()
            app.include_router(health.router, prefix="/api")
            app.include_router(ops_router)
            app.include_router(items.router, prefix="/v1")
            """,
        "app/routers/__init__.py": "",
        "app/routers/health.py": """\
            from fastapi import APIRouter

            router = APIRouter(prefix="/sys")


            @router.get("/healthz")
            def healthz():
                return {}
            """,
        "app/routers/ops.py": """\
            from fastapi import APIRouter

            router = APIRouter(prefix="/readyz")


            @router.get("")
            def ready():
                return {}
            """,
        "app/routers/items.py": """\
            from fastapi import APIRouter

            router = APIRouter()


            @router.get("/items/status")
            def items_status():
                return {}
            """,
    })
    assert checks(r) == [
        ("/api/sys/healthz", "app/routers/health.py", 6, INF, None),
        ("/readyz", "app/routers/ops.py", 6, INF, "readiness"),
    ]


def test_flask_register_blueprint_prefix_replaces_the_blueprints_own(run_analyzer):
    r = run_analyzer(python_code, {
        "web/__init__.py": """\
            from flask import Flask

            from web.ops import bp


            def create_app():
                app = Flask(__name__)
                app.register_blueprint(bp, url_prefix="/-")
                return app
            """,
        "web/ops.py": """\
            from flask import Blueprint

            bp = Blueprint("ops", __name__, url_prefix="/ignored")


            @bp.route("/health")
            def health():
                return "ok"
            """,
    })
    assert checks(r) == [("/-/health", "web/ops.py", 6, INF, None)]
