"""Tests for analyzers/lib/jsobject.py (with jsops, jscalls, jsliterals): static values with their lines."""

from __future__ import annotations

import textwrap

import pytest

from analyzers.lib import treesitter
from analyzers.lib.jsliterals import arithmetic, number, unescape
from analyzers.lib.jsobject import Evaluator, module_exports
from analyzers.lib.jsvalue import EnvRef, JsArray, JsObject, JsScalar, JsValue, Unknown, as_int, as_str, plain


def exports(src: str, rel: str = "config.js", **kw: object) -> JsValue | None:
    return module_exports(rel, textwrap.dedent(src).lstrip("\n").encode(), **kw)  # type: ignore[arg-type]


def expr(src: str, grammar: str = "javascript") -> JsValue:
    """The value of the last top-level declaration's initialiser."""
    data = textwrap.dedent(src).lstrip("\n").encode()
    tree = treesitter.parse(grammar, data)
    ev = Evaluator(grammar, tree, data, "sub/config.js")
    decl = [s for s in tree.root_node.named_children if s.type == "lexical_declaration"][-1]
    return ev.value(decl.named_children[-1].child_by_field_name("value"))


def test_module_exports_object_with_lines() -> None:
    v = exports("""
        // ecosystem file
        module.exports = {
          apps: [{
            name: 'api',
            instances: 4,
            watch: false,
            out: null,
          }],
        };
        """)
    assert isinstance(v, JsObject) and v.line == 2 and v.keys() == ("apps",)
    apps = v.get("apps")
    assert isinstance(apps, JsArray) and apps.line == 3
    app = apps.items[0]
    assert isinstance(app, JsObject)
    assert [(k, plain(x), x.line) for k, x in app.entries] == [
        ("name", "api", 4), ("instances", 4, 5), ("watch", False, 6), ("out", None, 7)]


@pytest.mark.parametrize("src", [
    "export default { port: 8080 }\n",
    "export default defineConfig({ port: 8080 })\n",
    "export default defineNuxtConfig({ port: 8080 })\n",
    "const config = { port: 8080 };\nmodule.exports = config;\n",
    "const config = { port: 8080 };\nexport default config;\n",
    "module.exports = (env, argv) => ({ port: 8080 });\n",
    "module.exports = function (env) {\n  const port = 8080;\n  return { port };\n};\n",
])
def test_the_forms_of_an_export(src: str) -> None:
    v = exports(src)
    assert isinstance(v, JsObject) and plain(v) == {"port": 8080}


def test_typescript_config_with_satisfies_and_as_const() -> None:
    v = exports("import type { Config } from 'x';\nconst c = { out: 'dist' } as const;\n"
                "export default { ...c, n: 1 } satisfies Config;\n", rel="vite.config.ts")
    assert isinstance(v, JsObject) and plain(v) == {"out": "dist", "n": 1}


def test_exports_properties_are_merged_and_later_keys_win() -> None:
    v = exports("module.exports = { a: 1, b: 2 };\nmodule.exports.b = 3;\nmodule.exports.c = 'x';\n")
    assert isinstance(v, JsObject) and plain(v) == {"a": 1, "b": 3, "c": "x"}
    b = v.get("b")
    assert b is not None and b.line == 2
    only = exports("exports.port = 3000;\nexports.host = 'localhost';\n")
    assert plain(only) == {"port": 3000, "host": "localhost"}
    # once module.exports is replaced, `exports.x` no longer reaches it
    assert plain(exports("module.exports = { a: 1 };\nexports.b = 2;\n")) == {"a": 1}


def test_no_export_is_none_and_an_unparsable_file_is_unknown() -> None:
    assert exports("const x = 1;\nconsole.log(x);\n") is None
    v = module_exports("notes.txt", b"hello")
    assert isinstance(v, Unknown) and v.line == 1 and v.file == "notes.txt"


def test_strings_templates_and_escapes() -> None:
    assert plain(expr(r"""const v = ['a\'b', "tab\there", `x${1 + 1}y`, `multi
line`, 'caf\u00e9', `${'a'}${"b"}`];""")) == ["a'b", "tab\there", "x2y", "multi\nline", "café", "ab"]


def test_numbers_booleans_and_arithmetic() -> None:
    assert plain(expr("const v = [1_000, 0x10, -1, +2, 2.5e3, 5 * 1000, 300 * 1024 * 1024, 7 % 3, !0, !'x'];")) == [
        1000, 16, -1, 2, 2500, 5000, 314572800, 1, True, False]
    assert plain(expr("const v = ['port' + 80, 1 + '0', 'a' + true];")) == ["port80", "10", "atrue"]


def test_env_refs_with_defaults() -> None:
    v = expr("""
        const v = {
          a: process.env.PORT || 3000,
          b: process.env['DB_URL'] ?? 'sqlite://x',
          c: Number(process.env.WORKERS) || 2,
          d: parseInt(process.env.TIMEOUT || '30', 10),
          e: process.env.PRIMARY || process.env.SECONDARY || 'z',
          f: process.env.BARE,
        };
        """)
    assert isinstance(v, JsObject)
    a, b, c, d, e, f = (v.get(k) for k in "abcdef")
    assert a == EnvRef("PORT", JsScalar(3000, 2), 2)
    assert b == EnvRef("DB_URL", JsScalar("sqlite://x", 3), 3)
    assert c == EnvRef("WORKERS", JsScalar(2, 4), 4)
    assert d == EnvRef("TIMEOUT", JsScalar(30, 5), 5)  # the string default converted by parseInt
    assert e == EnvRef("PRIMARY", EnvRef("SECONDARY", JsScalar("z", 6), 6), 6)
    assert f == EnvRef("BARE", None, 7)


def test_constants_members_and_spreads() -> None:
    v = expr("""
        const base = { restart: true, env: { NODE_ENV: 'dev' } };
        const list = [1, 2];
        const NAME = 'api';
        const v = { ...base, name: NAME, NAME, env: base.env, n: list.length, first: list[0], all: [...list, 3] };
        """)
    assert plain(v) == {"restart": True, "env": {"NODE_ENV": "dev"}, "name": "api", "NAME": "api", "n": 2,
                        "first": 1, "all": [1, 2, 3]}
    assert isinstance(v, JsObject) and v.get("restart") == JsScalar(True, 1)  # the line where it was written


def test_paths_from_dirname_are_repo_relative() -> None:
    v = expr("""
        const path = require('path');
        const v = [path.join(__dirname, 'logs', 'out.log'), path.resolve(__dirname, '../dist'),
                   path.resolve('/var/log/app'), __dirname];
        """)
    assert plain(v) == ["sub/logs/out.log", "dist", "/var/log/app", "sub"]


def test_require_json_goes_through_the_loader() -> None:
    seen: list[str] = []

    def load(rel: str) -> JsValue | None:
        seen.append(rel)
        return JsObject((("port", JsScalar(4000, 2, rel)),), 1, rel) if rel == "config/app.json" else None

    v = exports("module.exports = { app: require('./config/app.json'), other: require('./missing.json'),"
                " lib: require('lodash') };\n", rel="ecosystem.config.js", load_json=load)
    assert isinstance(v, JsObject)
    app = v.get("app")
    assert isinstance(app, JsObject) and app.get("port") == JsScalar(4000, 2, "config/app.json")
    assert seen == ["config/app.json", "missing.json"]
    assert v.get("other") == Unknown(1, "require of ./missing.json")
    assert v.get("lib") == Unknown(1, "require of lodash")


def test_what_cannot_be_known_is_unknown_with_its_line_and_no_value_in_the_reason() -> None:
    v = expr("""
        let counter = 1;
        counter += 1;
        function secretish() { return 'hunter2-not-a-real-one'; }
        const v = {
          calls: os.cpus().length,
          fn: secretish(),
          changed: counter,
          param: undefinedThing,
          ternary: a ? 'x' : 'y',
          method() { return 1; },
          [dynamic]: 1,
          ...spreadMe,
        };
        """)
    assert isinstance(v, JsObject)
    assert v.get("calls") == Unknown(5, "a call of os.cpus")
    assert v.get("fn") == Unknown(6, "a call of secretish")
    assert v.get("changed") == Unknown(7, "counter is reassigned")
    assert v.get("param") == Unknown(8, "undefinedThing is not a constant of this file")
    assert v.get("ternary") == Unknown(9, "a ternary expression")
    assert v.get("method") == Unknown(10, "a method")
    assert [u.line for u in v.unknown] == [11, 12]
    assert all("hunter2" not in u.reason for u in v.unknown)


def test_self_reference_and_depth_are_bounded() -> None:
    assert isinstance(expr("const a = { b: a };\nconst v = a;\n"), JsObject)
    deep = "const v = " + "[" * 200 + "1" + "]" * 200 + ";\n"
    v = expr(deep)
    while isinstance(v, JsArray):
        v = v.items[0]
    assert isinstance(v, Unknown) and v.reason == "nested too deeply"


def test_accessors() -> None:
    assert as_int(JsScalar("4", 1)) == 4 and as_int(JsScalar("max", 1)) is None and as_int(JsScalar(True, 1)) is None
    assert as_str(JsScalar("x", 1)) == "x" and as_str(JsScalar(1, 1)) is None


@pytest.mark.parametrize(("raw", "value"), [("017", 15), ("019", 19), ("0b101", 5), ("10n", 10), (".5", 0.5),
                                             ("1e21", 1e21), ("nan", None), ("0x", None)])
def test_number_literals(raw: str, value: float | None) -> None:
    assert number(raw) == value


def test_unescape_and_arithmetic_edge_cases() -> None:
    assert unescape(r"\x41\u{1F600}\q\0") == "A\U0001F600q\0"
    assert arithmetic("%", -7, 3) == -1  # JS keeps the dividend's sign
    with pytest.raises(ValueError):
        arithmetic("/", 1, 0)
    with pytest.raises(ValueError):
        arithmetic("-", "a", 1)


def test_real_config_shapes_webpack_next_nuxt() -> None:
    webpack = exports("""
        const path = require('path');
        const isProd = process.env.NODE_ENV === 'production';
        module.exports = {
          entry: './assets/js/main.js',
          output: {
            path: path.resolve(__dirname, 'static/dist'),
            filename: '[name].[contenthash].js',
          },
          mode: isProd ? 'production' : 'development',
        };
        """, rel="frontend/webpack.config.js")
    assert isinstance(webpack, JsObject)
    output = webpack.get("output")
    assert isinstance(output, JsObject) and output.get("path") == JsScalar("frontend/static/dist", 6)
    assert isinstance(webpack.get("mode"), Unknown)
    nextconfig = exports("/** @type {import('next').NextConfig} */\nconst nextConfig = {\n  output: 'standalone',\n"
                         "  reactStrictMode: true,\n};\n\nmodule.exports = nextConfig;\n", rel="next.config.js")
    assert isinstance(nextconfig, JsObject) and nextconfig.get("output") == JsScalar("standalone", 3)
    nuxt = exports("export default defineNuxtConfig({\n  ssr: true,\n  nitro: { preset: 'node-server' },\n})\n",
                   rel="nuxt.config.ts")
    assert plain(nuxt) == {"ssr": True, "nitro": {"preset": "node-server"}}
