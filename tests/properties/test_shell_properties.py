"""Property tests (hypothesis) for the shell-script parser: analyzers/deploy/shell.py and the Makefile analyzer
(whose recipes go through the same walker), with bashlex and tree-sitter-bash behind them.

Any input gives findings or warnings, never an exception or a hang. Inputs mix shell keywords,
operators, quotes, heredoc markers, control characters, NULs and deep nesting of ``$(``, ``(``, ``{``,
``[[`` and backticks. Hypothesis' deadline judges an example only after it returns, so every run is also
bounded by SIGALRM (pytest runs tests in the main thread).
"""

from __future__ import annotations

import os
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from types import FrameType, ModuleType

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzers.base import Item, Src
from analyzers.deploy import makefile, shell
from analyzers.deploy.shellwalk import ShellWalker
from migrator.model import Finding, SecretFinding, Warning
from migrator.repo import RepoView

HARD_LIMIT = 20.0  # seconds for one run: far above any real script (the biggest allowed is 200 kB)
PROPERTIES = settings(
    max_examples=int(os.environ.get("MIGRATE_PROPERTY_EXAMPLES", "150")),
    deadline=timedelta(seconds=5),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=os.environ.get("CI") == "true",
)

_KEYWORDS = ["if", "then", "elif", "else", "fi", "case", "esac", "in", "for", "while", "until", "do", "done",
             "select", "function", "coproc", "time", "!", "{", "}", "[[", "]]", "((", "))", "[", "]", "local",
             "export", "declare -a", "readonly", "unset", "cd", "pushd", "popd", "sudo -u app", "su - app -c",
             "bash -c", "sh -c", "ssh host", "nohup", "exec", "env A=1", "uv run --extra dev", "poetry run"]
_OPERATORS = [";", "&&", "||", "|", "&", ";;", ";&", ";;&", "|&", "(", ")", "$(", "`", "$((", "${", "}",
              "<(", ">(", "<<<", "<<", "<<-", ">", ">>", "<", "2>&1", "=", "=(", "\\", "\\\n", "#", "\n", "\t"]
_WORDS = ["gunicorn app:app -b :8000", "python manage.py migrate", "git pull", "curl -f http://127.0.0.1/health",
          "celery -A proj worker", "$1", "$@", "${HOSTS[@]}", "${X:-/srv}", "${v//a/b}", "~", "*", "x)", "a|b)",
          "web{1..3}", "'", '"', "EOF", "'EOF'", "PASSWORD=hunter2hunter2", "apt-get install -y libpq-dev"]
_CONTROL = st.characters(min_codepoint=0, max_codepoint=31) | st.sampled_from(["\x7f", "\x1b]0;t\x07", "\u2028"])

token = st.one_of(
    st.sampled_from(_KEYWORDS), st.sampled_from(_OPERATORS), st.sampled_from(_WORDS), _CONTROL,
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=6),
)


def _heredoc(body: str) -> str:
    return f"ssh host <<EOF\n{body}\nEOF\n"


script = st.recursive(
    st.lists(token, max_size=30).map(" ".join),
    lambda inner: st.one_of(
        st.tuples(st.sampled_from(["$(", "(", "{ ", "`", "[[ ", "$((", "if ", "case x in a) ", "for h in a; do "]),
                  inner, st.sampled_from([")", ")", " }", "`", " ]]", "))", "; then x; fi", ";; esac", "; done", ""]))
        .map("".join),
        st.lists(inner, max_size=4).map("\n".join),
        inner.map(_heredoc),
    ),
    max_leaves=40,
)


class Hang(Exception):
    """The analyzer did not return within HARD_LIMIT."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    def expire(_signum: int, _frame: FrameType | None) -> None:
        raise Hang(f"no result after {seconds:.0f}s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _check(items: list[Item]) -> None:
    for item in items:
        assert isinstance(item, Finding | SecretFinding | Warning), item
        line = item.line if isinstance(item, Warning | SecretFinding) else item.source.line
        assert line is None or line >= 1, item


def analyze(module: ModuleType, files: dict[str, str | bytes]) -> list[Item]:
    with tempfile.TemporaryDirectory(prefix="migrate-shellprop-") as root:
        for rel, content in files.items():
            path = Path(root, rel)
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8", errors="surrogatepass")
        repo = RepoView(root)
        with time_limit(HARD_LIMIT):
            items = list(module.analyze(repo))
        _check(items)
        return items


@PROPERTIES
@given(script)
def test_any_script_gives_findings_or_warnings(text: str) -> None:
    analyze(shell, {"deploy.sh": text, "bin/release": "#!/bin/bash\n" + text})


@PROPERTIES
@given(script)
def test_the_walker_takes_any_text_nuls_included(text: str) -> None:
    # RepoView refuses NUL-holding files as binary, so the walker is also fed the raw text directly
    walker = ShellWalker(Src("shell", "deploy.sh"))
    with time_limit(HARD_LIMIT):
        walker.walk_text(text)
        _check(walker.finish())


@PROPERTIES
@given(st.lists(script, min_size=1, max_size=5))
def test_any_makefile_recipe_gives_findings_or_warnings(recipes: list[str]) -> None:
    lines = ["SHELL := /bin/bash", "deploy: build", *("\t" + r.replace("\n", "\n\t") for r in recipes),
             "build:", *("\t" + r.split("\n", 1)[0] for r in recipes)]
    analyze(makefile, {"Makefile": "\n".join(lines) + "\n"})


@settings(max_examples=12, deadline=timedelta(seconds=20), derandomize=True)
@given(st.sampled_from(["$(", "(", "{ ", "`", "[[ ", "$((", "\"$(", "if x; then ", "case a in b) "]),
       st.integers(min_value=200, max_value=5000))
def test_deep_nesting_is_bounded(opener: str, depth: int) -> None:
    text = opener * depth + "git pull" + "\n"
    items = analyze(shell, {"deploy.sh": text})
    assert items is not None
