"""Any Procfile gives findings or warnings, never an exception or a hang (analyzers/deploy/procfile.py)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from analyzers.deploy import procfile
from tests.properties import harness
from tests.properties.strategies import COMMANDS, content, document, fragment, numbered, words

name = st.one_of(st.sampled_from(("web", "worker", "clock", "release", "beat", "Worker-1", "worker_1", "")), fragment)
numbers = numbered("web: gunicorn app:app --bind 0.0.0.0:${{PORT:-{}}}", "web: gunicorn app:app -b :{} -w {}",
                   "worker: celery -A app worker --concurrency={}", "web: uwsgi --http :{} --processes {}",
                   "web: python manage.py runserver 0.0.0.0:{}", "web: node server.js --port {}",
                   "release: curl -fsS http://localhost:{}/health")
line = st.one_of(numbers,
    st.tuples(name, st.sampled_from((":", ": ", " : ", "::")), words(COMMANDS, max_size=12)).map("".join),
    st.just("# comment"), fragment,
)


@harness.PROPERTIES
@given(text=content(document(line)), variant=st.booleans())
def test_any_procfile_gives_items(text: str | bytes, variant: bool) -> None:
    files: dict[str, str | bytes] = {"Procfile": text}
    if variant:
        files["Procfile.dev"] = text
    harness.run(procfile, files)
