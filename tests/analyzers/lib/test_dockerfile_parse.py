"""The line-aware Dockerfile parser (analyzers/lib/dockerfile_parse.py)."""

from __future__ import annotations

import textwrap

from analyzers.lib.dockerfile_parse import env_pairs, parse, stage_values, substitute


def _parse(text: str):  # type: ignore[no-untyped-def]
    return parse(textwrap.dedent(text).lstrip("\n"))


def test_continuations_comments_and_blank_lines_keep_lines() -> None:
    df = _parse("""
        FROM python:3.12-slim
        RUN apt-get update \\
            # a comment inside the instruction
            && apt-get install -y \\

               libpq-dev
        CMD ["gunicorn", "app:app"]
        """)
    run = df.stages[0].instructions[0]
    assert (run.keyword, run.line) == ("RUN", 2)
    assert run.value == "apt-get update && apt-get install -y libpq-dev"
    assert run.text.count("\n") == 4  # the comment and the blank line still count as lines
    cmd = df.stages[0].instructions[1]
    assert (cmd.line, cmd.exec_form()) == (7, ["gunicorn", "app:app"])


def test_stages_global_args_and_substitution() -> None:
    df = _parse("""
        # syntax=docker/dockerfile:1
        ARG PY=3.11
        ARG DISTRO=bookworm
        FROM --platform=linux/amd64 python:${PY}-slim-${DISTRO} AS build
        FROM python:$PY-slim
        ARG PY
        ENV APP_HOME=/srv/app WORKERS=3
        ENV DATA=${APP_HOME}/data
        """)
    build, final = df.stages
    assert (build.name, build.image, build.image_as_written, build.line) == (
        "build", "python:3.11-slim-bookworm", "python:${PY}-slim-${DISTRO}", 4)
    assert final.image == "python:3.11-slim" and final.name is None
    assert stage_values(df, final) == {"PY": "3.11", "APP_HOME": "/srv/app", "WORKERS": "3", "DATA": "/srv/app/data"}
    assert df.lineage(final) == [final]


def test_lineage_follows_from_stage() -> None:
    df = _parse("""
        FROM python:3.12-slim AS base
        ENV A=1
        FROM base AS final
        ENV B=$A
        """)
    assert [s.index for s in df.lineage(df.stages[1])] == [1, 0]
    assert stage_values(df, df.stages[1]) == {"A": "1", "B": "1"}


def test_heredocs() -> None:
    df = _parse("""
        FROM python:3.12-slim
        RUN <<EOF
        apt-get update
        apt-get install -y gettext
        EOF
        COPY <<-"CONF" /etc/app.conf
        \tkey = value
        \tCONF
        USER app
        """)
    run, copy, user = df.stages[0].instructions
    assert run.heredocs[0].body == "apt-get update\napt-get install -y gettext" and run.heredocs[0].body_line == 3
    assert copy.heredocs[0].body == "key = value"
    assert (user.keyword, user.line) == ("USER", 9)
    assert df.problems == ()


def test_bad_lines_are_problems_and_the_rest_is_read() -> None:
    df = _parse("""
        MAINTAINER someone
        FROM python:3.12-slim
        RUNN pip install x
        CMD python app.py
        RUN <<EOF
        echo never closed
        """)
    assert [line for line, _ in df.problems] == [1, 3, 5]
    assert "'RUNN' is not a Dockerfile instruction" in df.problems[1][1]
    assert df.stages[0].last("CMD") is not None


def test_escape_directive_and_env_forms() -> None:
    df = _parse("""
        # escape=`
        FROM python:3.12-windowsservercore
        RUN pip install `
            flask
        """)
    assert df.stages[0].instructions[0].value == "pip install flask"
    assert env_pairs('A=1 B="two words" C=') == [("A", "1"), ("B", "two words"), ("C", "")]
    assert env_pairs("LEGACY some value") == [("LEGACY", "some value")]
    assert substitute("${X:-d} ${Y:+set} $Z ${W}", {"Y": "1", "Z": "z"}) == "d set z ${W}"
