"""Tests for analyzers/providers/python/pyresolve.py: static evaluation of string-building expressions."""

from __future__ import annotations

import ast
from typing import Any

import pytest

from analyzers.providers.python.pyresolve import Namespace, Resolver, Unknown, percent, str_format, text

NAMES: dict[str, Any] = {
    "APP": "shop",
    "ROOT": "/srv/shop",
    "PORT": 8000,
    "HOSTS": ["a", "b"],
    "env": Namespace("env", {"path": "/srv/shop/current", "user": "deploy"}),
    "CONF": {"db": {"name": "shop"}},
}
ALIASES = {"join": "os.path.join", "osp": "os.path"}


def resolve(expr: str) -> Any:
    return Resolver(dict(NAMES), ALIASES).value(ast.parse(expr, mode="eval").body)


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ('"/srv/%s" % APP', "/srv/shop"),
        ('"%s:%d" % (APP, PORT)', "shop:8000"),
        ('"%(path)s/bin" % env', "/srv/shop/current/bin"),
        ('"%(nope)s" % env', "${env.nope}"),
        ('"%05d|%%|%s" % (PORT, missing)', "08000|%|${missing}"),
        ('"{}/{}".format(ROOT, APP)', "/srv/shop/shop"),
        ('"{0}-{0}-{name}".format(APP, name="x")', "shop-shop-x"),
        ('"{e.user}@{h[1]}".format(e=env, h=HOSTS)', "deploy@b"),
        ('"{missing}".format()', "${missing}"),
        ('f"{ROOT}/venv:{PORT:>6}"', "/srv/shop/venv:  8000"),
        ('f"{APP!r}"', "'shop'"),
        ('ROOT + "/" + APP', "/srv/shop/shop"),
        ('ROOT + release', "/srv/shop${release}"),
        ('os.path.join(ROOT, "venv", "bin")', "/srv/shop/venv/bin"),
        ('join(ROOT, "x")', "/srv/shop/x"),
        ('osp.dirname(ROOT)', "/srv"),
        ('" ".join(HOSTS)', "a b"),
        ('env.path', "/srv/shop/current"),
        ('env["user"]', "deploy"),
        ('env.get("port", 22)', 22),
        ('CONF["db"]["name"]', "shop"),
        ('APP.upper().replace("S", "Z")', "ZHOP"),
        ('str(PORT)', "8000"),
        ('HOSTS + ["c"]', ["a", "b", "c"]),
        ('os.environ.get("DJANGO_ENV", "prod")', Unknown("DJANGO_ENV")),
        ('datetime.now().strftime("%Y")', Unknown("datetime.now.strftime")),
        ('APP if flag else "other"', "shop"),
    ],
)
def test_resolves_string_building(expr: str, expected: Any) -> None:
    assert resolve(expr) == expected


def test_unknowns_render_as_placeholders() -> None:
    assert text(resolve("'tar xzf %s.tgz' % archive_name()")) == "tar xzf ${archive_name}.tgz"
    assert text(Unknown("env.path")) == "${env.path}"
    assert text(["a", 1, None]) == "a 1 "


def test_bad_formats_do_not_raise() -> None:
    assert percent("%s %s", ("only-one",)) == "only-one ${arg}"
    assert percent("%d", ("not-a-number",)) == "not-a-number"
    assert str_format("{", [], {}) == Unknown("format")
    assert str_format("{0} {1}", ["a"], {}) == "a ${arg}"
    # lenient where Python would raise: the intent of the string is still clear
    assert resolve('"port " + PORT') == "port 8000"
    assert resolve("PORT - APP") == Unknown("expr")
