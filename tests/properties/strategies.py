"""Text strategies that look enough like each config format to reach deep into its parser, mixed
with what hostile repositories hold: control characters, NULs, escape sequences, huge numbers,
unbalanced braces and quotes, odd line endings and invalid UTF-8."""

from __future__ import annotations

from hypothesis import strategies as st

NASTY = (
    "\x00", "\x1b]0;title\x07", "\x1b]52;c;cGxhbnRlZA==\x07", "\x1b[31m", "\x7f", "\x9b", "\u2028", "\ufeff",
    "\r", "\t", "\\", "\\\n", "'", '"', "`", "$(", "${", "}", "{", "{{", "}}", "{%", "%}", "{#", "%", "%(",
    "%(ENV_X)s", "%(program_name)s", "%(here)s", "%(process_num)02d", ";", "#", "=", ":", "[", "]", "..",
    "/", "*", "?", "&&", "||", "|", ">", "2>&1", "-", "--", "9" * 40, "9" * 5000, "-1", "0", "1e309", "nan",
    "\u00b2", "\u0663", "\uff11", " ", "  ", "~", "@", "!", "\x85", "\u200b",
)

# Numbers where parsers expect one: too long for int() (over 4,300 digits), too big for a float, digits
# that str.isdigit() accepts but int() does not (superscripts), other scripts' digits.
NUMBERS = ("9" * 5000, "9" * 400, "\u00b2", "\u0663", "65536", "1e309", "-1")
number = st.one_of(st.sampled_from(NUMBERS), st.sampled_from(NUMBERS), st.integers(-(10**6), 10**30).map(str))


def numbered(*forms: str) -> st.SearchStrategy[str]:
    """``forms`` with ``{}`` replaced by a hostile number: the lines where parsers call int()."""
    return st.tuples(st.sampled_from(forms), number).map(lambda t: t[0].replace("{}", t[1]))
NUMERIC_FORMS = (":{}", "0.0.0.0:{}", "127.0.0.1:{}", "[::]:{}", "{}", "{}M", "{}G", "{}%", "{}s", "{}min",
                 "${{PORT:-{}}}", "$PORT:{}", "http://localhost:{}/health", "http://127.0.0.1:{}/", "--workers={}",
                 "-w {}", "--timeout {}", "--concurrency={}", "*/{}", "{}..{}", "{}:{}:{}", "*-*-{} {}:00")
numeric = numbered(*NUMERIC_FORMS)

safe_chars = st.characters(exclude_categories=("Cs",))
nasty_text = st.text(alphabet=safe_chars, max_size=40)
fragment = st.one_of(st.sampled_from(NASTY), nasty_text, numeric)


def words(vocabulary: tuple[str, ...], *, max_size: int = 8) -> st.SearchStrategy[str]:
    """Space-separated words from ``vocabulary`` and hostile fragments."""
    word = st.one_of(st.sampled_from(vocabulary), st.sampled_from(vocabulary), numeric, fragment)
    return st.lists(word, max_size=max_size).map(" ".join)


def document(line: st.SearchStrategy[str], *, max_lines: int = 25) -> st.SearchStrategy[str]:
    """Lines joined by \\n, \\r\\n or \\r (or nothing at the very end)."""
    sep = st.sampled_from(("\n", "\n", "\n", "\r\n", "\r", ""))
    return st.lists(st.tuples(line, sep), max_size=max_lines).map(lambda pairs: "".join(a + b for a, b in pairs))


def content(text: st.SearchStrategy[str]) -> st.SearchStrategy[str | bytes]:
    """Mostly text; sometimes raw bytes (invalid UTF-8, NULs anywhere) or text with a bad byte in it."""
    corrupted = st.tuples(text, st.binary(min_size=1, max_size=8), text).map(
        lambda t: t[0].encode() + t[1] + t[2].encode())
    return st.one_of(text, text, text, st.binary(max_size=300), corrupted)


COMMANDS = ("gunicorn", "app:app", "--bind", "0.0.0.0:$PORT", "-b", ":8000", "celery", "-A", "proj", "worker",
            "beat", "python", "manage.py", "migrate", "runserver", "uwsgi", "--ini", "uwsgi.ini", "cd", "/srv/app",
            "&&", "bin/start.sh", "--workers", "4", "--private-key=x", "PASSWORD=hunter2", "$PORT", "${PORT:-5000}",
            "sh", "-c", "'", "bundle", "exec", "node", "server.js", "npm", "start", "--timeout", "30")
