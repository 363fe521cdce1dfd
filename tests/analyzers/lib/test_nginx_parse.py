"""The nginx config parser on its own: tokens, lines, comments, templates, broken files
(analyzers/lib/nginx_parse.py)."""

from __future__ import annotations

from analyzers.lib.nginx_parse import Directive, Token, parse, tokenize


def _tree(directives: list[Directive]) -> list[tuple[str, list[str], int, object]]:
    """(name, args, line, children or None) for a directive list, recursively."""
    return [(d.name, d.args, d.line, None if d.block is None else _tree(d.block)) for d in directives]


def test_nested_blocks_keep_file_and_line_of_every_directive() -> None:
    result = parse("""\
http {
    upstream app { server 127.0.0.1:8000; }

    server {
        listen 80;  # trailing comment
        location /static/ {
            alias /srv/app/static/;
        }
    }
}
""", "deploy/nginx.conf")
    assert result.problems == []
    assert _tree(result.directives) == [
        ("http", [], 1, [
            ("upstream", ["app"], 2, [("server", ["127.0.0.1:8000"], 2, None)]),
            ("server", [], 4, [
                ("listen", ["80"], 5, None),
                ("location", ["/static/"], 6, [("alias", ["/srv/app/static/"], 7, None)]),
            ]),
        ]),
    ]
    assert {d.file for d in result.directives} == {"deploy/nginx.conf"}


def test_comments_hide_punctuation_and_quotes_keep_it() -> None:
    tokens, problems = tokenize("a 'q;r' \"x {y}\" # ; { } 'not'\nb;")
    assert problems == []
    assert tokens == [Token("a", 1), Token("q;r", 1, quoted=True), Token("x {y}", 1, quoted=True),
                      Token("b", 2), Token(";", 2)]


def test_quoted_string_over_lines_keeps_its_start_line_and_later_lines_count_on() -> None:
    result = parse('log_format main "$remote_addr\n  $status";\nerror_log /var/log/x.log;\n', "f")
    assert result.problems == []
    assert _tree(result.directives) == [
        ("log_format", ["main", "$remote_addr\n  $status"], 1, None),
        ("error_log", ["/var/log/x.log"], 3, None),
    ]


def test_template_syntax_stays_in_words_and_jinja_blocks_are_skipped() -> None:
    result = parse("""\
{% if ssl %}
listen 443 ssl;
{% endif %}
{# a comment
   over two lines #}
server_name {{ domain }} www.{{ domain }};
root ${DOC_ROOT}/public;
""", "site.conf.j2")
    assert result.problems == []
    assert _tree(result.directives) == [
        ("listen", ["443", "ssl"], 2, None),
        ("server_name", ["{{domain}}", "www.{{domain}}"], 6, None),
        ("root", ["${DOC_ROOT}/public"], 7, None),
    ]


def test_block_never_closed_keeps_what_parsed() -> None:
    result = parse("server {\n  listen 80;\n  location / {\n    proxy_pass http://127.0.0.1:8000;\n  }\n", "f")
    assert result.problems == [(1, "unbalanced braces: this block is never closed; kept what parsed")]
    assert _tree(result.directives) == [
        ("server", [], 1, [
            ("listen", ["80"], 2, None),
            ("location", ["/"], 3, [("proxy_pass", ["http://127.0.0.1:8000"], 4, None)]),
        ]),
    ]


def test_stray_closing_brace_is_ignored_and_parsing_goes_on() -> None:
    result = parse("server {\n  listen 80;\n}\n}\nuser www;\n", "f")
    assert result.problems == [(4, "unbalanced braces: '}' without a matching '{'; ignored")]
    assert _tree(result.directives) == [("server", [], 1, [("listen", ["80"], 2, None)]), ("user", ["www"], 5, None)]


def test_missing_semicolons_are_reported_at_the_directive_line() -> None:
    result = parse("""\
server {
    client_max_body_size 10m
    location /static/ {
        alias /srv/static/;
    }
    server_name example.com
}
worker_processes 2
""", "f")
    assert result.problems == [
        (2, "'client_max_body_size' is missing its ';'"),
        (6, "'server_name' is missing its ';'"),
        (8, "'worker_processes' is missing its ';'"),
    ]
    # before a block directive and before '}' the directive is still recovered
    assert _tree(result.directives)[0] == ("server", [], 1, [
        ("client_max_body_size", ["10m"], 2, None),
        ("location", ["/static/"], 3, [("alias", ["/srv/static/"], 4, None)]),
        ("server_name", ["example.com"], 6, None),
    ])


def test_block_without_a_name_and_unterminated_string_are_problems_not_errors() -> None:
    result = parse("{\n  a 1;\n}\nerror_log 'never closed;\nb;\n", "f")
    # the tokenizer's problems come first, then the parser's
    assert result.problems == [
        (4, "unterminated quoted string"),
        (1, "block without a directive name"),
        (4, "'error_log' is missing its ';'"),
    ]
    assert _tree(result.directives) == [("", [], 1, [("a", ["1"], 2, None)])]


def test_empty_and_comment_only_files_have_no_directives() -> None:
    for text in ("", "\n\n", "# only a comment\n"):
        result = parse(text, "f")
        assert (result.directives, result.problems) == ([], [])


def test_problems_are_capped_per_file() -> None:
    # found by the hostile suite: 100,000 unclosed 'server {' gave 100,000 warnings, and scrubbing them
    # took analyze past 10 s
    result = parse("server {" * 100_000 + "\nlisten 80;\n", "nginx.conf")
    assert len(result.problems) == 21
    assert result.problems[-1] == (1, "... and 99980 more problems")
    assert result.problems[0] == (1, "unbalanced braces: this block is never closed; kept what parsed")
