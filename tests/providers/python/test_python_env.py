"""Tests for analyzers/providers/python/python_env.py (through the python_code analyzer): env reads and code secrets."""

from __future__ import annotations

from analyzers.providers.python import python_code
from migrator.model import Confidence, Kind

E = Kind.ENV


def sites(r, name):
    """(line, fields) of every read site of ``name``, in line order.

    A site with a default yields two findings (the read, and the fallback value at a lower
    confidence); their fields are merged here so a site reads as one dict.
    """
    merged: dict[int, dict] = {}
    for f in r.of(E, name):
        merged.setdefault(f.source.line, {}).update(f.fields)
    return sorted(merged.items())


def test_os_environ_reads_with_lines_defaults_and_required(run_analyzer):
    r = run_analyzer(python_code, {"app/config.py": """\
        import os
        from os import environ, getenv as ge

        A = os.environ["A_REQUIRED"]
        B = os.environ.get("B_OPT", "b-default")
        C = os.getenv("C_PORT", 8000)
        D = ge("D_NONE")
        E = environ.get("E_FROM_IMPORT")
        os.environ.setdefault("F_SET", "f")
        if "G_FLAG" in os.environ:
            pass
        H = os.getenv("H_BOOL", False)
        I = os.getenv("I_EXPR", os.path.join("a", "b"))
        J = os.environ.get(key="J_KW", default="j")
        """})
    assert sites(r, "A_REQUIRED") == [(4, {"secret": False, "required": True})]
    assert sites(r, "B_OPT") == [(5, {"default": "b-default", "secret": False, "required": False})]
    assert sites(r, "C_PORT") == [(6, {"default": "8000", "secret": False, "required": False})]
    assert sites(r, "D_NONE") == [(7, {"secret": False, "required": False})]
    assert sites(r, "E_FROM_IMPORT") == [(8, {"secret": False, "required": False})]
    assert sites(r, "F_SET") == [(9, {"default": "f", "secret": False})]
    assert sites(r, "G_FLAG") == [(10, {"secret": False, "required": False})]
    # a Python False is not the env string "False": os.getenv would return the string, so no default
    assert sites(r, "H_BOOL") == [(12, {"secret": False, "required": False})]
    assert sites(r, "I_EXPR") == [(13, {"secret": False, "required": False})]  # non-literal default dropped
    assert sites(r, "J_KW") == [(14, {"default": "j", "secret": False, "required": False})]
    # the read is declared; the code's fallback value is heuristic, so a deployed value outranks it
    assert all(f.source.file == "app/config.py" for f in r.findings if f.kind is E)
    for f in r.findings:
        if f.kind is E:
            expected = Confidence.HEURISTIC if "default" in f.fields else Confidence.DECLARED
            assert f.source.confidence is expected, f


def test_one_finding_per_read_site(run_analyzer):
    r = run_analyzer(python_code, {"svc.py": """\
        import os
        a = os.getenv("REDIS_HOST", "localhost")

        def later():
            return os.environ["REDIS_HOST"]
        """})
    assert [line for line, _ in sites(r, "REDIS_HOST")] == [2, 5]


def test_django_environ_reads(run_analyzer):
    r = run_analyzer(python_code, {"proj/settings.py": """\
        import environ

        env = environ.Env(DEBUG=(bool, False), WORKERS=(int, 2), NO_DEFAULT=(str,))
        DEBUG = env("DEBUG")
        SECRET_KEY = env("SECRET_KEY")
        DATABASES = {"default": env.db_url("DATABASE_URL", default="sqlite:///db.sqlite3")}
        CACHE = env.cache_url("CACHE_URL")
        HOSTS = env.list("HOSTS", default=["a.example.com"])
        TIMEOUT = env.int("TIMEOUT", 30)
        NAME = env("APP_NAME", str, "shop")
        MODE = env("MODE", default="prod")
        """})
    assert sites(r, "DEBUG") == [(3, {"default": "False", "secret": False}), (4, {"secret": False, "required": False})]
    assert sites(r, "WORKERS") == [(3, {"default": "2", "secret": False})]
    assert sites(r, "NO_DEFAULT") == [(3, {"secret": False, "required": False})]
    assert sites(r, "SECRET_KEY") == [(5, {"secret": True, "required": True})]
    # a database URL carries its password: secret, so no default is kept
    assert sites(r, "DATABASE_URL") == [(6, {"secret": True, "required": False})]
    assert sites(r, "CACHE_URL") == [(7, {"secret": False, "required": True})]
    assert sites(r, "HOSTS") == [(8, {"secret": False, "required": False})]  # a list default is not an env string
    assert sites(r, "TIMEOUT") == [(9, {"default": "30", "secret": False, "required": False})]
    assert sites(r, "APP_NAME") == [(10, {"default": "shop", "secret": False, "required": False})]
    assert sites(r, "MODE") == [(11, {"default": "prod", "secret": False, "required": False})]


def test_python_decouple_reads(run_analyzer):
    r = run_analyzer(python_code, {"settings.py": """\
        from decouple import config, Csv

        DEBUG = config("DEBUG", default=False, cast=bool)
        SECRET_KEY = config("SECRET_KEY")
        HOSTS = config("ALLOWED_HOSTS", default="a.example.com", cast=Csv())
        """})
    assert sites(r, "DEBUG") == [(3, {"default": "False", "secret": False, "required": False})]
    assert sites(r, "SECRET_KEY") == [(4, {"secret": True, "required": True})]
    assert sites(r, "ALLOWED_HOSTS") == [(5, {"default": "a.example.com", "secret": False, "required": False})]


def test_a_config_function_that_is_not_decouple_is_not_an_env_read(run_analyzer):
    r = run_analyzer(python_code, {"tool.py": """\
        import os
        from mylib import config

        X = config("NOT_AN_ENV_VAR", default="x")
        Y = os.getenv("REAL")
        """})
    assert r.keys(E) == ["REAL"]


def test_pydantic_base_settings_fields(run_analyzer):
    r = run_analyzer(python_code, {"svc/settings.py": """\
        from typing import ClassVar, Optional
        from pydantic import Field, SecretStr
        from pydantic_settings import BaseSettings, SettingsConfigDict


        class Settings(BaseSettings):
            model_config = SettingsConfigDict(env_prefix="shop_")
            debug: bool = False
            port: int = 8080
            api_token: SecretStr
            log_level: str = Field("info")
            redis_url: str = Field(default="redis://cache:6379/0", alias="REDIS_URL")
            tags: list = Field(default_factory=list)
            sentry_dsn: Optional[str] = None
            _private: str = "x"
            VERSION: ClassVar[str] = "1"


        class Legacy(BaseSettings):
            name: str = "legacy"

            class Config:
                env_prefix = "OLD_"
        """})
    assert r.keys(E) == ["OLD_NAME", "REDIS_URL", "SHOP_API_TOKEN", "SHOP_DEBUG", "SHOP_LOG_LEVEL", "SHOP_PORT",
                         "SHOP_SENTRY_DSN", "SHOP_TAGS"]
    assert sites(r, "SHOP_DEBUG") == [(8, {"default": "False", "secret": False, "required": False})]
    assert sites(r, "SHOP_PORT") == [(9, {"default": "8080", "secret": False, "required": False})]
    assert sites(r, "SHOP_API_TOKEN") == [(10, {"secret": True, "required": True})]
    assert sites(r, "SHOP_LOG_LEVEL") == [(11, {"default": "info", "secret": False, "required": False})]
    assert sites(r, "REDIS_URL") == [(12, {"default": "redis://cache:6379/0", "secret": False, "required": False})]
    assert sites(r, "SHOP_TAGS") == [(13, {"secret": False, "required": False})]
    assert sites(r, "SHOP_SENTRY_DSN") == [(14, {"secret": True, "required": False})]
    assert sites(r, "OLD_NAME") == [(20, {"default": "legacy", "secret": False, "required": False})]


def test_secret_defaults_are_hard_coded_secrets_and_never_kept(run_analyzer):
    r = run_analyzer(python_code, {"app/settings.py": """\
        import os

        DB_PASSWORD = os.getenv("DB_PASSWORD", "hunter2-real")
        SECRET_KEY = os.environ.get("SECRET_KEY", "django-insecure-4f8s7d6f5g4h")
        DATABASE_URL = os.getenv("DATABASE_URL", "postgres://shop:Sup3rS3cret@db:5432/shop")
        PLACEHOLDER = os.getenv("API_TOKEN", "changeme")
        """})
    assert sorted((s.line, s.name, s.kind) for s in r.secrets) == [
        (3, "DB_PASSWORD", "password"),
        (4, "SECRET_KEY", "secret_key"),
        (5, "DATABASE_URL", "credential_url"),
    ]
    assert sites(r, "DB_PASSWORD") == [(3, {"secret": True, "required": False})]
    assert sites(r, "DATABASE_URL") == [(5, {"secret": True, "required": False})]
    assert sites(r, "API_TOKEN") == [(6, {"secret": True, "required": False})]
    text = repr(r.items) + repr(r.warnings)
    for value in ("hunter2-real", "django-insecure-4f8s7d6f5g4h", "Sup3rS3cret"):
        assert value not in text


def test_hard_coded_secrets_in_code(run_analyzer):
    r = run_analyzer(python_code, {"proj/settings.py": """\
        SECRET_KEY = "k9#x!2mq8s7d6f5g4h3j"
        AWS_SECRET_ACCESS_KEY = "wJalrXUtnFEMIbPxRfiCYzQ8KEYab12"
        DEBUG = True
        DATABASES = {
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "PASSWORD": "Pg-pass-0451",
                "USER": "shop",
            }
        }
        PASSWORD_RESET_TIMEOUT = 3600
        AUTH_PASSWORD_VALIDATORS = [{"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"}]
        EMAIL_HOST_PASSWORD = ""
        STRIPE = "sk_live_abcdefghijklmnop1234"


        def connect(psycopg2):
            return psycopg2.connect(host="db", password="conn-pass-77")


        class Config:
            api_key = "cfg-api-key-9911"


        BROKER = "amqp://svc:Amqp-Pass-1@rabbit:5672//"
        """})
    assert sorted((s.line, s.name, s.kind) for s in r.secrets) == [
        (1, "SECRET_KEY", "secret_key"),
        (2, "AWS_SECRET_ACCESS_KEY", "api_key"),
        (7, "PASSWORD", "password"),
        (14, "STRIPE", "stripe_key"),
        (18, "password", "password"),
        (22, "api_key", "api_key"),
        (25, "BROKER", "credential_url"),
    ]
    assert all(s.file == "proj/settings.py" and s.analyzer == "python_code" for s in r.secrets)
    text = repr(r.items) + repr(r.warnings)
    for value in ("k9#x!2mq8s7d6f5g4h3j", "wJalrXUtnFEMI", "Pg-pass-0451", "sk_live_abc", "conn-pass-77",
                  "cfg-api-key-9911", "Amqp-Pass-1"):
        assert value not in text


def test_unnamed_credential_url_literal_is_reported_once(run_analyzer):
    r = run_analyzer(python_code, {"db.py": """\
        import sqlalchemy

        engine = sqlalchemy.create_engine(
            "postgresql://app:Engine-Pass-9@db/app"
        )
        """})
    assert [(s.line, s.name, s.kind) for s in r.secrets] == [(4, "string literal", "credential_url")]
    assert "Engine-Pass-9" not in repr(r.items)


def test_env_name_from_module_constant_and_non_literal_names(run_analyzer):
    r = run_analyzer(python_code, {"cfg.py": """\
        import os

        PREFIX_VAR = "APP_MODE"
        MODE = os.environ.get(PREFIX_VAR, "web")
        name = "X" + "Y"
        DYN = os.environ.get(name)
        FSTR = os.getenv(f"{name}_Z")
        """})
    assert r.keys(E) == ["APP_MODE"]
    assert sites(r, "APP_MODE") == [(4, {"default": "web", "secret": False, "required": False})]


def test_secret_sounding_names_holding_urls_paths_and_import_paths_are_not_secrets(run_analyzer):
    r = run_analyzer(python_code, {"auth/settings.py": """\
        import os

        TOKEN_URL = "https://oauth2.example.com/token"
        ACCESS_TOKEN_URL = os.getenv("ACCESS_TOKEN_URL", "https://github.com/login/oauth/access_token")
        PASSWORD_HASHER = "django.contrib.auth.hashers.PBKDF2PasswordHasher"
        SSL_PRIVATE_KEY = "/etc/ssl/private/site.key"
        JWT_SECRET = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"
        PASSPHRASE = "correct horse battery staple"
        """})
    assert sorted((s.line, s.name) for s in r.secrets) == [(7, "JWT_SECRET"), (8, "PASSPHRASE")]


def test_constants_that_label_secrets_are_not_secrets(run_analyzer):
    r = run_analyzer(python_code, {"lib/creds.py": """\
        AUTH_SERVICE = "sts"
        TOKEN_PREFIX = "k8s-aws-v1."
        ACCESS_KEY = "aws_access_key_id"
        SECRETS = "secrets"
        ENV_VAR_AUTH_TOKEN = "AWS_BEARER_TOKEN"
        API_KEY_HEADER = "X-Api-Key"
        STARTING_TOKEN_HELP = "Specify the token to start paginating from."
        MAPPING = {"auth_type": "v4", "secretsmanager": "secrets-manager", "secret_ref": "secretRef"}
        AWS_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
        REAL_TOKEN = "q8Zr-55kPx-0aa1"
        admin_password = "admin123"


        def connect(url):
            '''Connect, e.g. connect("postgres://user:s3cret@localhost/db").'''
            parser.add_argument("--url", help="a URL such as https://user:token@host/path")
        """})
    assert sorted((s.line, s.name) for s in r.secrets) == [(10, "REAL_TOKEN"), (11, "admin_password")]


def test_a_wsgi_environ_parameter_is_request_data_not_configuration(run_analyzer):
    # a hand-written WSGI app reads PATH_INFO and HTTP_* off its `environ` argument: no ConfigMap entry;
    # os.environ (and `from os import environ` elsewhere) still reads the process environment
    app = (
        "import os\n"
        "LOG_LEVEL = os.environ.get('LOG_LEVEL', 'info')\n"
        "def application(environ, start_response):\n"
        "    path = environ.get('PATH_INFO', '/')\n"
        "    agent = environ['HTTP_USER_AGENT']\n"
        "    if 'HTTP_X_FORWARDED_FOR' in environ:\n"
        "        pass\n"
        "    start_response('200 OK', [])\n"
        "    return [os.environ['BANNER'].encode()]\n"
    )
    other = "from os import environ\nTOKEN_TTL = environ.get('TOKEN_TTL', '60')\n"
    r = run_analyzer(python_code, {"app/wsgi.py": app, "app/settings.py": other})
    assert sorted(f.key for f in r.of(E)) == ["BANNER", "LOG_LEVEL", "LOG_LEVEL", "TOKEN_TTL", "TOKEN_TTL"]
