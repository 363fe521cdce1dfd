"""php_code's programs: what the code runs through exec/shell_exec/proc_open/Symfony Process becomes a runtime
system package when the php image lacks it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from analyzers.providers.php import app_code
from migrator.model import Kind

Run = Callable[[Any, dict[str, str | bytes]], Any]


def packages(result: Any) -> dict[str, tuple[str, int | None]]:
    return {f.key: (f.source.file, f.source.line) for f in result.of(Kind.SYSTEM_PACKAGE)
            if not f.key.startswith("ext-")}


def test_literal_commands_and_binary_fallbacks_name_packages(run_analyzer: Run) -> None:
    result = run_analyzer(app_code, {
        "composer.json": '{"require": {"php": "^8.1"}}\n',
        "src/Pdf.php": "<?php\nclass Pdf {\n  function render($in, $out) {\n"
                       "    $bin = getenv('WKHTMLTOPDF_BIN') ?: '/usr/bin/wkhtmltopdf';\n"
                       "    exec(escapeshellarg($bin) . ' ' . $in . ' ' . $out, $o, $rc);\n  }\n}\n",
        "src/Thumbs.php": "<?php\nfunction thumb($f) {\n"
                          "  return shell_exec('convert ' . escapeshellarg($f) . ' -resize 64x64 -');\n}\n",
        "src/Backup.php": "<?php\nuse Symfony\\Component\\Process\\Process;\n"
                          "$p = new Process(['pg_dump', '--clean', getenv('DATABASE_URL')]);\n$p->run();\n",
        "src/Quiet.php": "<?php\n$x = '/usr/bin/ffmpeg';\necho $x;\n",  # names a path, runs nothing
    })
    found = packages(result)
    assert found["wkhtmltopdf"] == ("src/Pdf.php", 4)
    assert found["imagemagick"] == ("src/Thumbs.php", 3)
    assert found["postgresql-client"] == ("src/Backup.php", 3)
    assert "ffmpeg" not in found


def test_programs_the_image_has_are_not_packages(run_analyzer: Run) -> None:
    result = run_analyzer(app_code, {
        "composer.json": '{"require": {"php": "^8.1"}}\n',
        "src/Files.php": "<?php\nexec('tar czf /tmp/x.tgz storage');\nsystem('php artisan inspire');\n"})
    assert packages(result) == {}
