"""Tests for analyzers/python_entrypoints.py: scripts that run a bot, a server or a loop when executed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from analyzers import python_entrypoints
from generators.image.dockerfile import DOCKERFILE
from migrator.cli import main
from migrator.model import Confidence, Kind
from migrator.planner import analyze

P = Kind.PROCESS

PTB_V20 = '''\
    """Support bot: answers /start and forwards messages to the support chat."""
    import logging
    import os

    from telegram import Update
    from telegram.ext import Application, CommandHandler, ContextTypes

    logging.basicConfig(level=logging.INFO)
    TOKEN = os.environ["TELEGRAM_TOKEN"]


    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.message.reply_text("hi")


    def main() -> None:
        application = Application.builder().token(TOKEN).build()
        application.add_handler(CommandHandler("start", start))
        application.run_polling(allowed_updates=Update.ALL_TYPES)


    if __name__ == "__main__":
        main()
    '''
PTB_V13 = """\
    from telegram.ext import Updater, CommandHandler

    def main():
        updater = Updater("TOKEN-FROM-ENV", use_context=True)
        updater.dispatcher.add_handler(CommandHandler("help", lambda u, c: None))
        updater.start_polling()
        updater.idle()

    if __name__ == '__main__':
        main()
    """
DISCORD = """\
    import os
    import discord

    intents = discord.Intents.default()
    client = discord.Client(intents=intents)


    @client.event
    async def on_message(message):
        if message.content.startswith("!ping"):
            await message.channel.send("pong")

    client.run(os.getenv("DISCORD_TOKEN"))
    """
DISCORD_COMMANDS = """\
    from discord.ext import commands
    bot = commands.Bot(command_prefix="!")

    if __name__ == "__main__":
        bot.run(TOKEN)
    """
AIOGRAM_2 = """\
    from aiogram import Bot, Dispatcher, executor
    bot = Bot(token=API_TOKEN)
    dp = Dispatcher(bot)

    if __name__ == '__main__':
        executor.start_polling(dp, skip_updates=True)
    """
AIOGRAM_3 = """\
    import asyncio
    from aiogram import Bot, Dispatcher

    dp = Dispatcher()

    async def main() -> None:
        bot = Bot(TOKEN)
        await dp.start_polling(bot)

    if __name__ == "__main__":
        asyncio.run(main())
    """
SLACK_SOCKET = """\
    import os
    from slack_bolt import App
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    app = App(token=os.environ["SLACK_BOT_TOKEN"])

    if __name__ == "__main__":
        SocketModeHandler(app, os.environ["SLACK_APP_TOKEN"]).start()
    """
SLACK_HTTP = """\
    import os
    from slack_bolt import App
    app = App(token=os.environ.get("SLACK_BOT_TOKEN"))
    if __name__ == "__main__":
        app.start(port=int(os.environ.get("PORT", 3000)))
    """
ASYNCIO_SERVER = """\
    import asyncio

    async def handle(reader, writer):
        writer.write(await reader.readline())

    async def main():
        server = await asyncio.start_server(handle, "0.0.0.0", 7000)
        async with server:
            await server.serve_forever()

    asyncio.run(main())
    """
LOOP = """\
    import time
    from relay import poll_queue

    def run():
        while True:
            poll_queue()
            time.sleep(5)

    if __name__ == "__main__":
        run()
    """
SCHEDULE = """\
    import time
    import schedule
    from reports import nightly

    schedule.every().day.at("02:00").do(nightly)
    while True:
        schedule.run_pending()
        time.sleep(30)
    """
FLASK_DEFAULT = """\
    from flask import Flask
    app = Flask(__name__)

    @app.route("/")
    def index():
        return "ok"

    if __name__ == "__main__":
        app.run(debug=False)
    """
FLASK_ALL = """\
    import os
    from flask import Flask
    server = Flask(__name__)
    if __name__ == "__main__":
        server.run(host="0.0.0.0", port=int(os.getenv("PORT", "8080")))
    """
HTTP_SERVER = """\
    import http.server
    import socketserver
    PORT = 8123
    with socketserver.TCPServer(("", PORT), http.server.SimpleHTTPRequestHandler) as httpd:
        httpd.serve_forever()
    """


@pytest.mark.parametrize(("source", "name", "role", "port", "line", "how"), [
    (PTB_V20, "bot", "worker", None, 19, "run_polling() of python-telegram-bot"),
    (PTB_V13, "bot", "worker", None, 6, "start_polling() of python-telegram-bot"),
    (DISCORD, "bot", "worker", None, 13, "run() of discord.py"),
    (DISCORD_COMMANDS, "bot", "worker", None, 5, "run() of discord.py"),
    (AIOGRAM_2, "bot", "worker", None, 6, "aiogram's executor.start_polling()"),
    (AIOGRAM_3, "bot", "worker", None, 8, "start_polling() of aiogram"),
    (SLACK_SOCKET, "bot", "worker", None, 8, "slack_bolt's SocketModeHandler(...).start()"),
    (SLACK_HTTP, "web", "web", 3000, 5, "slack_bolt's App.start()"),
    (ASYNCIO_SERVER, "web", "web", 7000, 7, "asyncio.start_server()"),
    (LOOP, "bot", "worker", None, 5, "a `while True:` loop"),
    (SCHEDULE, "bot", "scheduler", None, 6, "a schedule.run_pending() loop"),
    (HTTP_SERVER, "web", "web", 8123, 5, "socketserver.TCPServer.serve_forever()"),
])
def test_scripts_that_keep_running(run_analyzer: Any, source: str, name: str, role: str, port: int | None,
                                   line: int, how: str) -> None:
    result = run_analyzer(python_entrypoints, {"bot.py": source})
    [proc] = result.of(P)
    assert proc.key == name and proc.fields["role"] == role and proc.fields.get("port") == port
    assert proc.fields["command"] == "python bot.py"
    assert (proc.source.file, proc.source.line, proc.source.confidence) == ("bot.py", line, Confidence.HEURISTIC)
    assert proc.fields["started_by"] == f"{how} when bot.py runs"


def test_generic_file_names_get_a_role_name(run_analyzer: Any) -> None:
    result = run_analyzer(python_entrypoints, {"main.py": DISCORD, "jobs/run.py": SCHEDULE, "worker.py": LOOP})
    assert {(f.key, f.fields["command"]) for f in result.of(P)} == {
        ("bot", "python main.py"), ("clock", "python jobs/run.py"), ("worker", "python worker.py")}


def test_a_module_of_a_package_runs_with_dash_m(run_analyzer: Any) -> None:
    result = run_analyzer(python_entrypoints, {"relay/__init__.py": "", "relay/__main__.py": LOOP,
                                               "relay/listen.py": ASYNCIO_SERVER})
    assert sorted(f.fields["command"] for f in result.of(P)) == ["python -m relay", "python -m relay.listen"]


def test_flask_dev_server_on_its_default_host_is_served_on_all_interfaces(run_analyzer: Any) -> None:
    result = run_analyzer(python_entrypoints, {"app.py": FLASK_DEFAULT, "srv/api.py": FLASK_ALL})
    web = {f.source.file: f for f in result.of(P)}
    assert web["app.py"].fields["command"] == "flask --app app.py run --host 0.0.0.0 --port 5000"
    assert "on 127.0.0.1, unreachable in a pod" in str(web["app.py"].fields["started_by"])
    # host 0.0.0.0 written in the code: the script itself, on its own port
    assert (web["srv/api.py"].fields["command"], web["srv/api.py"].fields["port"]) == ("python srv/api.py", 8080)


@pytest.mark.parametrize("source", [
    "def main():\n    while True:\n        pass\n",  # never called
    "import os, sys\nif __name__ == '__main__':\n    from django.core.management import execute_from_command_line\n"
    "    execute_from_command_line(sys.argv)\n",
    "from .db import prune\nif __name__ == '__main__':\n    prune(days=30)\n",  # runs once and exits
    "import discord\nclass Bot(discord.Client):\n    def go(self):\n        self.run('x')\n",  # not executed
])
def test_modules_that_do_not_run_forever(run_analyzer: Any, source: str) -> None:
    assert run_analyzer(python_entrypoints, {"tool.py": source}).of(P) == []


def _bot_repo(tree: Any) -> Path:
    return tree({"bot.py": PTB_V20, "requirements.txt": "python-telegram-bot==21.6\n",
                 "README.md": "Run it with `python bot.py` on the VPS (screen session).\n"})


def test_a_bot_nobody_declared_becomes_the_images_command(tree: Any) -> None:
    from migrator.generate import generate

    files = {f.path: f.content for f in generate(_bot_repo(tree))}
    assert 'CMD ["python", "bot.py"]' in files[DOCKERFILE]
    assert '"python"]' not in files[DOCKERFILE].replace('["python", "bot.py"]', "")
    assert "deploy/k8s/base/deployment-bot.yaml" in files
    assert "bot.py:19" in files["deploy/k8s/base/deployment-bot.yaml"]  # the evidence line


def test_a_declared_process_wins_over_the_script(tree: Any) -> None:
    root = _bot_repo(tree)
    (root / "Procfile").write_text("worker: python bot.py --log-level info\n")
    model = analyze(root)
    assert [(p.key, p.get("command")) for p in model.processes] == [("worker", "python bot.py --log-level info")]


def test_unknown_start_command_exits_1_and_writes_what_it_can(tree: Any, tmp_path: Path) -> None:
    root = tree({"requirements.txt": "requests==2.32.3\n", "sync.py": "import requests\nrequests.get('x')\n"})
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["generate", str(root), "--output", str(out)])
    assert result.exit_code == 1, result.output
    assert "start command unknown" in result.stderr and "[processes.web]" in result.stderr
    dockerfile = (out / DOCKERFILE).read_text()
    assert dockerfile.rstrip().endswith("CMD []") and 'CMD ["python"]' not in dockerfile
    assert not list((out / "deploy/k8s/base").glob("deployment-*.yaml"))
    assert "# command = " in (out / "migrate.toml").read_text()

    # the advice works: the command set in migrate.toml is the web process (its role from its name)
    (root / "migrate.toml").write_text('[processes.web]\ncommand = "python -m http.server 8000"\n')
    result = CliRunner().invoke(main, ["generate", str(root), "--output", str(tmp_path / "again")])
    assert result.exit_code == 0, result.output
    assert 'CMD ["python", "-m", "http.server", "8000"]' in (tmp_path / "again" / DOCKERFILE).read_text()
    assert (tmp_path / "again/deploy/k8s/base/service-web.yaml").is_file()


def test_schedules_alone_are_a_way_to_start(tree: Any) -> None:
    from migrator.config import GenerateSettings
    from migrator.generate import generate_checked

    root = tree({"requirements.txt": "requests==2.32.3\n", "crontab": "0 3 * * * cd /srv/x && python sync.py\n"})
    files, problem = generate_checked(root, GenerateSettings())
    assert problem is None
    dockerfile = next(f.content for f in files if f.path == DOCKERFILE)
    assert "CronJobs and Jobs give their own commands\nCMD []" in dockerfile
