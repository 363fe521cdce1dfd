"""Environment variables a Python module reads, and secrets it hard-codes, found through ``ast``.

Read sites understood: ``os.environ["X"]``, ``os.environ.get/setdefault/pop``, ``os.getenv``,
``"X" in os.environ``, django-environ (``env("X")``, ``env.str/int/bool/list/db_url ...("X")``,
``environ.Env(X=(bool, False))``), python-decouple (``config("X", default=..., cast=...)``) and
pydantic ``BaseSettings`` fields. Each read site is one finding with its own line; the planner merges
them. Defaults are kept only when literal, and never when they look secret: a secret default such as
``os.getenv("DB_PASSWORD", "hunter2")`` is reported as a hard-coded secret instead (without its value).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import replace

from analyzers import base
from analyzers.base import Item, Src
from analyzers.providers.python.pyast import ENV_GETTERS, PyModule, arg, const_str, kwarg, literal
from migrator.model import SecretFinding
from migrator.secrets import is_secret_name, value_secret_kind

_ENVIRON = {"os.environ", "environ"}
_DECOUPLE = {"decouple.config"}
_CREDENTIAL_URL_METHODS = {"db_url", "db", "email_url", "email"}
_DB_URL_READERS = {"dj_database_url.config", "dj_database_url.DatabaseURL.config", "dj_email_url.config"}
_DECOUPLE_FACTORIES = {"decouple.AutoConfig", "decouple.Config", "decouple.RepositoryEnv"}
_ENV_FACTORIES = {"environ.Env", "environ.environ.Env"}
# django-environ's typed getters (default is their second positional argument).
_ENV_METHODS = {"str", "bool", "int", "float", "json", "list", "tuple", "dict", "url", "db_url", "db",
                "cache_url", "cache", "email_url", "email", "search_url", "path", "bytes", "parse_value"}
_SETTINGS_BASES = {"pydantic.BaseSettings", "pydantic_settings.BaseSettings", "BaseSettings"}


def env_reads(mod: PyModule) -> Iterator[Item]:
    """One env finding (and maybe a SecretFinding) per place the module reads an environment variable."""
    env_objs, decouple_objs = _env_objects(mod)
    # def app(environ, start_response): a bare `environ` is the request's WSGI dict, whose PATH_INFO /
    # HTTP_* keys are request data, not configuration (os.environ still counts)
    request_dict = _wsgi_environ(mod)
    environs = _ENVIRON - {"environ"} if request_dict else _ENVIRON
    # variables with a default in an environ.Env(...) scheme are not required where read bare
    schemed = {kw.arg for call in mod.nodes(ast.Call) if mod.qualname(call.func) in _ENV_FACTORIES
               for kw in call.keywords if kw.arg} if env_objs else set()
    for call in mod.nodes(ast.Call):
        if not (request_dict and str(mod.qualname(call.func)).startswith("environ.")):
            yield from _call(mod, call, env_objs, decouple_objs, schemed)
    for sub in mod.nodes(ast.Subscript):
        if isinstance(sub.ctx, ast.Load) and mod.qualname(sub.value) in environs:
            name = mod.string(sub.slice)
            if name:
                yield base.env_var(name, mod.src(sub), base.D, required=True)
    for cmp in mod.nodes(ast.Compare):
        # "X" in os.environ: an optional variable
        membership = len(cmp.ops) == 1 and isinstance(cmp.ops[0], (ast.In, ast.NotIn))
        if membership and mod.qualname(cmp.comparators[0]) in environs:
            name = mod.string(cmp.left)
            if name:
                yield base.env_var(name, mod.src(cmp), base.D, required=False)
    for cls in mod.nodes(ast.ClassDef):
        yield from _settings_class(mod, cls)


def _wsgi_environ(mod: PyModule) -> bool:
    """A function of the module takes a parameter named ``environ`` (a WSGI app or middleware), and
    nothing imports that name."""
    if "environ" in mod.imports:
        return False
    signatures = [fn.args for fn in mod.nodes(ast.FunctionDef)] + [fn.args for fn in mod.nodes(ast.Lambda)]
    return any(a.arg == "environ" for sig in signatures for a in [*sig.posonlyargs, *sig.args, *sig.kwonlyargs])


def _env_objects(mod: PyModule) -> tuple[set[str], set[str]]:
    """Names bound to ``environ.Env(...)`` and to decouple ``config`` objects in this module."""
    env_objs: set[str] = set()
    decouple_objs = {local for local, origin in mod.imports.items() if origin in _DECOUPLE}
    for node in mod.nodes(ast.Assign):
        if not (isinstance(node.value, ast.Call) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
            continue
        origin = mod.qualname(node.value.func)
        if origin in _ENV_FACTORIES:
            env_objs.add(node.targets[0].id)
        elif origin in _DECOUPLE_FACTORIES or (origin or "").startswith("decouple.") and "Config" in (origin or ""):
            decouple_objs.add(node.targets[0].id)
    return env_objs, decouple_objs


def _call(
    mod: PyModule, call: ast.Call, env_objs: set[str], decouple_objs: set[str], schemed: set[str]
) -> Iterator[Item]:
    func = call.func
    origin = mod.qualname(func)
    if origin in ENV_GETTERS:
        default = arg(call, 1) if arg(call, 1) is not None else kwarg(call, "default")
        required = None if origin.endswith(("setdefault", "pop")) else False
        yield from _read(mod, call, mod.string(arg(call, 0) or kwarg(call, "key")), default, required, typed=False)
    elif origin in _DB_URL_READERS:
        # dj_database_url.config(env="DATABASE_URL", default=...) reads DATABASE_URL unless told otherwise
        db_var = mod.string(kwarg(call, "env")) or "DATABASE_URL"
        yield from _read(mod, call, db_var, kwarg(call, "default"), False, typed=True, secret=True)
    elif origin in _ENV_FACTORIES:
        for kw in call.keywords:
            # environ.Env(DEBUG=(bool, False)): a scheme entry names a variable and maybe its default
            if kw.arg is None:
                continue
            default = kw.value.elts[1] if isinstance(kw.value, ast.Tuple) and len(kw.value.elts) > 1 else None
            required = None if default is not None else False
            yield from _read(mod, call, kw.arg, default, required, typed=True, at=kw.value)
    elif isinstance(func, ast.Name) and func.id in env_objs:
        # env("X", cast, default) - the second positional is the cast, not the default
        default = kwarg(call, "default") or arg(call, 2)
        name = mod.string(arg(call, 0))
        yield from _read(mod, call, name, default, default is None and name not in schemed, typed=True)
    elif (isinstance(func, ast.Attribute) and func.attr in _ENV_METHODS and isinstance(func.value, ast.Name)
          and func.value.id in env_objs):
        default = kwarg(call, "default") or arg(call, 1)
        name = mod.string(arg(call, 0) or kwarg(call, "var"))
        # database and email URLs carry their passwords: such a variable belongs in a Secret
        secret = True if func.attr in _CREDENTIAL_URL_METHODS else None
        required = default is None and name not in schemed
        yield from _read(mod, call, name, default, required, typed=True, secret=secret)
    elif (isinstance(func, ast.Name) and func.id in decouple_objs) or origin in _DECOUPLE:
        default = kwarg(call, "default")
        typed = kwarg(call, "cast") is not None
        yield from _read(mod, call, mod.string(arg(call, 0)), default, default is None, typed=typed)


def _read(
    mod: PyModule,
    call: ast.Call,
    name: str | None,
    default_node: ast.AST | None,
    required: bool | None,
    *,
    typed: bool,
    at: ast.AST | None = None,
    secret: bool | None = None,
) -> Iterator[Item]:
    if not name or not name.replace("_", "").isalnum():
        return
    src = mod.src(at or call)
    value = literal(default_node)
    default: str | None = None
    if isinstance(value, str):
        default = value
        found = secret_assignment(src, name, value)
        if found is not None:
            yield replace(found, fallback=True)  # used only when the deployment does not set the var
    elif isinstance(value, bool):
        # os.getenv("DEBUG", False) is a Python value, not an env string: only typed readers parse "False".
        default = str(value) if typed else None
    elif value is not None:
        default = str(value)
    conf = base.D
    if name == "DJANGO_SETTINGS_MODULE":
        if not mod.rel.endswith(("wsgi.py", "asgi.py")):
            # manage.py and celery.py often default to dev settings; the server's entry module decides
            conf = base.I
        yield base.env_var(name, src, conf, default=default, required=required, secret=secret)
        return
    # That the code reads the variable is declared; its fallback value is only what applies when the
    # deployment sets nothing, so a value set in a deploy file (supervisor environment=, Environment=)
    # outranks it without being a disagreement between sources.
    yield base.env_var(name, src, conf, required=required, secret=secret)
    if default is not None:
        yield base.env_var(name, src, base.H, default=default, secret=secret)


def _settings_class(mod: PyModule, cls: ast.ClassDef) -> Iterator[Item]:
    """pydantic ``BaseSettings`` fields: each annotated attribute is an env var (prefix + NAME)."""
    bases = {mod.qualname(b) for b in cls.bases}
    if not bases & _SETTINGS_BASES:
        return
    prefix = _env_prefix(mod, cls)
    for stmt in cls.body:
        if not (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)):
            continue
        field_name = stmt.target.id
        if field_name.startswith("_") or field_name == "model_config" or _is_classvar(mod, stmt.annotation):
            continue
        default_node: ast.AST | None = stmt.value
        env_name = prefix + field_name
        if isinstance(stmt.value, ast.Call) and mod.qualname(stmt.value.func) in ("pydantic.Field", "Field"):
            field_call = stmt.value
            alias = next((mod.string(kwarg(field_call, k)) for k in ("validation_alias", "alias", "env")
                          if mod.string(kwarg(field_call, k))), None)
            if alias:
                env_name = alias
            default_node = kwarg(field_call, "default") or arg(field_call, 0)
            if isinstance(default_node, ast.Constant) and default_node.value is Ellipsis:
                default_node = None
        has_factory = isinstance(stmt.value, ast.Call) and kwarg(stmt.value, "default_factory") is not None
        required = default_node is None and not has_factory
        secret = "Secret" in ast.unparse(stmt.annotation) or None
        src = mod.src(stmt)
        value = literal(default_node)
        name = env_name.upper()
        if isinstance(value, str):
            found = secret_assignment(src, name, value)
            if found is not None:
                yield replace(found, fallback=True)  # a settings field's default: the env var wins
        default = None if value is None else str(value)
        yield base.env_var(name, src, base.D, default=default, required=required, secret=secret)


def _env_prefix(mod: PyModule, cls: ast.ClassDef) -> str:
    for stmt in cls.body:
        if isinstance(stmt, ast.ClassDef) and stmt.name == "Config":  # pydantic v1
            for inner in stmt.body:
                if (isinstance(inner, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "env_prefix"
                                                          for t in inner.targets)):
                    return mod.string(inner.value) or ""
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            if any(isinstance(t, ast.Name) and t.id == "model_config" for t in targets):
                value = stmt.value
                if isinstance(value, ast.Call):
                    return mod.string(kwarg(value, "env_prefix")) or ""
                if isinstance(value, ast.Dict):
                    for k, v in zip(value.keys, value.values, strict=True):
                        if const_str(k) == "env_prefix":
                            return mod.string(v) or ""
    return ""


def _is_classvar(mod: PyModule, annotation: ast.expr) -> bool:
    head = annotation.value if isinstance(annotation, ast.Subscript) else annotation
    return (mod.qualname(head) or "").endswith("ClassVar")


# -- hard-coded secrets ----------------------------------------------------------------------------


def code_secrets(mod: PyModule) -> Iterator[Item]:
    """Secret-named assignments of literal strings, secret keyword arguments and credential literals."""
    named: set[int] = set()  # ids of constants already judged under a name
    for node in mod.nodes(ast.Assign):
        value = const_str(node.value)
        if value is None:
            continue
        for target in node.targets:
            name = _target_name(target)
            if name:
                named.add(id(node.value))
                yield from _check(mod, node.value, name, value)
    for ann in mod.nodes(ast.AnnAssign):
        value = const_str(ann.value)
        name = _target_name(ann.target)
        if value is not None and name and ann.value is not None:
            named.add(id(ann.value))
            yield from _check(mod, ann.value, name, value)
    for kw in mod.nodes(ast.keyword):
        value = const_str(kw.value)
        if value is not None and kw.arg:
            named.add(id(kw.value))
            yield from _check(mod, kw.value, kw.arg, value)
    for d in mod.nodes(ast.Dict):
        for k, v in zip(d.keys, d.values, strict=True):
            key, value = const_str(k), const_str(v)
            if key is not None and value is not None:
                named.add(id(v))
                yield from _check(mod, v, key, value)
    # docstrings and bare string statements never run: their example URLs are documentation
    named.update(id(e.value) for e in mod.nodes(ast.Expr) if isinstance(e.value, ast.Constant))
    for const in mod.nodes(ast.Constant):
        text = const.value
        if isinstance(text, str) and id(const) not in named and ("://" in text or "-----BEGIN" in text):
            kind = value_secret_kind(text)
            if kind:
                yield base.hardcoded_secret(mod.src(const), "string literal", kind)


def _check(mod: PyModule, node: ast.AST, name: str, value: str) -> Iterator[Item]:
    descriptive = _DESCRIPTIVE_NAME.search(name) is not None
    if value_secret_kind(value) is None:
        if not is_secret_name(name) or descriptive or _label_like(name, value):
            return
    elif descriptive and len(value.split()) >= 3:
        return  # help="... e.g. https://user:pass@host ...": an example in prose
    found = secret_assignment(mod.src(node), name, value)
    if found is not None:
        yield found


# Values that a secret-sounding name can hold without being a secret: plain URLs (TOKEN_URL =
# "https://.../token"), file paths and dotted import paths (PASSWORD_HASHER = "pkg.mod.Hasher").
_NOT_SECRET_VALUE = re.compile(r"^(https?://[^\s:@/]+(:\d+)?(/\S*)?|\.{0,2}/[^\s:]+|([a-z_][a-z0-9_]*\.){2,}[A-Za-z_]\w*)$")


def secret_assignment(src: Src, name: str, value: str) -> SecretFinding | None:
    """Like :func:`base.check_assignment`, minus the non-secret values secret-sounding names often hold.

    A value in a known token format or a URL with a password is a secret whatever it looks like.
    """
    if _NOT_SECRET_VALUE.match(value.strip()) and value_secret_kind(value) is None:
        return None
    if "EXAMPLE" in value:
        return None  # AWS's documented example keys (AKIAIOSFODNN7EXAMPLE ...) are published on purpose
    return base.check_assignment(src, name, value)


# Code constants whose names describe a secret rather than hold one (TOKEN_PREFIX, API_KEY_HEADER).
_DESCRIPTIVE_NAME = re.compile(
    r"(_|^)(PREFIX|SUFFIX|HEADER|NAME|FIELD|PARAM|TYPE|HELP|MSG|MESSAGE|LABEL|ENV|VAR|URI|ENDPOINT|SCOPE|PATTERN"
    r"|REGEX|FORMAT|KIND|MODE|METHOD|CLASS|BACKEND|COOKIE|QUERY)S?$",
    re.IGNORECASE,
)
_LOWER_IDENT = re.compile(r"^[a-z][a-z0-9]*([_.-][a-z0-9]+)*$")
_IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9]*([_.-][A-Za-z0-9]+)*$")


def _label_like(name: str, value: str) -> bool:
    """True for values that label a secret in code rather than being one.

    Too short to be a credential (``"sts"``), the name of another variable (``"AWS_SECRET_KEY"``),
    a lowercase identifier echoing the name or naming a field (``SECRETS = "secrets"``,
    ``ACCESS_KEY = "aws_access_key_id"``), or prose (help texts, messages).
    """
    text = value.strip()
    prose = len(text.split()) >= 3 and "PASSPHRASE" not in name.upper()
    if len(text) < 4 or re.fullmatch(r"[A-Z][A-Z0-9_]*", text) or prose:
        return True
    if _IDENT.match(text):
        compact, label = re.sub(r"[^a-z0-9]", "", text.lower()), re.sub(r"[^a-z0-9]", "", name.lower())
        if compact in label:
            return True  # the name again, in another case: a field name ("secretRef" for secret_ref)
    return bool(_LOWER_IDENT.match(text) and re.search(r"[_.-](id|key|token|secret|password|name)$", text))


def _target_name(target: ast.AST) -> str | None:
    if isinstance(target, ast.Name):
        return target.id
    if isinstance(target, ast.Attribute):
        return target.attr
    if isinstance(target, ast.Subscript):
        return const_str(target.slice)
    return None
