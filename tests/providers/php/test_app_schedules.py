"""Tests for analyzers/providers/php/app_schedules.py (php_schedules): Laravel's scheduler entries as
schedules that run inside schedule:run, the one schedule:run CronJob, Symfony's scheduler and wp-cron."""

from __future__ import annotations

from analyzers.providers.php import app_schedules
from migrator.model import Confidence, Kind

S = Kind.SCHEDULE
D, I, H = Confidence.DECLARED, Confidence.INFERRED, Confidence.HEURISTIC  # noqa: E741

# A Laravel 5.5 console kernel with the entries a real app accumulates.
KERNEL = """\
    <?php

    namespace App\\Console;

    use App\\Console\\Commands\\SendInvoices;
    use Illuminate\\Console\\Scheduling\\Schedule;
    use Illuminate\\Foundation\\Console\\Kernel as ConsoleKernel;

    class Kernel extends ConsoleKernel
    {
        protected $commands = [
            SendInvoices::class,
        ];

        protected function schedule(Schedule $schedule)
        {
            // $schedule->command('inspire')->hourly();
            $schedule->command('emails:send --force')->dailyAt('02:00')->withoutOverlapping();
            $schedule->command(SendInvoices::class, ['--queue' => 'billing'])
                     ->weeklyOn(1, '8:00')
                     ->timezone('Europe/Paris');
            $schedule->job(new \\App\\Jobs\\Heartbeat)->everyFiveMinutes()->onOneServer();
            $schedule->exec('node /home/forge/script.js')->twiceDaily(1, 13);
            $schedule->command('reports:build')->weekdays()->hourlyAt(17)->runInBackground();
            $schedule->command('backup:run')->cron('0 */6 * * *');
            $schedule->command('queue:prune-failed')->monthlyOn(4, '15:00');
            $schedule->command('stats:quarter')->quarterly();
            $schedule->command('audit:year')->yearly();
            $schedule->command('night:only')->hourly()->between('23:00', '4:00');
            $schedule->call(function () {
                DB::table('recent_users')->delete();
            })->daily()->sendOutputTo(storage_path('logs/cleanup.log'));
            $schedule->command('ping:thirty')->everyThirtyMinutes()->sundays();
            $schedule->command('mail:digest', ['weekly', '--force' => true, '--dry-run' => false])
                     ->mondays()->at('7:30');
        }

        protected function commands()
        {
            require base_path('routes/console.php');
        }
    }
    """

LARAVEL = {
    "artisan": "#!/usr/bin/env php\n<?php\n",
    "bootstrap/app.php": "<?php\nreturn new Illuminate\\Foundation\\Application(realpath(__DIR__.'/../'));\n",
    "composer.json": '{"require": {"laravel/framework": "5.5.*"}}\n',
    "app/Console/Kernel.php": KERNEL,
}


def _by_key(r):
    return {f.key: f for f in r.of(S)}


def test_kernel_entries_are_schedules_inside_schedule_run(run_analyzer):
    r = run_analyzer(app_schedules, LARAVEL)
    found = {k: (f.fields.get("schedule"), f.source.line) for k, f in _by_key(r).items() if k != "schedule-run"}
    assert found == {
        "schedule-run:emails:send --force": ("0 2 * * *", 18),
        "schedule-run:SendInvoices --queue=billing": ("0 8 * * 1", 19),
        "schedule-run:Heartbeat": ("*/5 * * * *", 22),
        "schedule-run:node /home/forge/script.js": ("0 1,13 * * *", 23),
        "schedule-run:reports:build": ("17 * * * 1-5", 24),
        "schedule-run:backup:run": ("0 */6 * * *", 25),
        "schedule-run:queue:prune-failed": ("0 15 4 * *", 26),
        "schedule-run:stats:quarter": ("0 0 1 1-12/3 *", 27),
        "schedule-run:audit:year": ("0 0 1 1 *", 28),
        "schedule-run:night:only": (None, 29),
        "schedule-run:closure@30": ("0 0 * * *", 30),
        "schedule-run:ping:thirty": ("0,30 * * * 0", 33),
        "schedule-run:mail:digest weekly --force": ("30 7 * * 1", 34),
    }
    entries = [f for f in r.of(S) if f.key != "schedule-run"]
    assert all(f.fields["via"] == "schedule:run" and "command" not in f.fields for f in entries)
    assert all(f.source.file == "app/Console/Kernel.php" and f.source.confidence is D for f in entries)
    by_key = _by_key(r)
    assert by_key["schedule-run:SendInvoices --queue=billing"].fields["timezone"] == "Europe/Paris"
    assert "withoutOverlapping" in by_key["schedule-run:emails:send --force"].fields["note"]
    assert "onOneServer" in by_key["schedule-run:Heartbeat"].fields["note"]
    assert "runInBackground" in by_key["schedule-run:reports:build"].fields["note"]
    assert "between(...)" in by_key["schedule-run:night:only"].fields["note"]
    assert by_key["schedule-run:closure@30"].fields["kind"] == "call"
    assert by_key["schedule-run:Heartbeat"].fields["kind"] == "job"
    assert "inspire" not in " ".join(by_key)  # a commented-out entry is no entry


def test_one_schedule_run_cronjob_when_no_crontab_runs_it(run_analyzer):
    r = run_analyzer(app_schedules, LARAVEL)
    runner = r.one(S, "schedule-run")
    assert runner.fields["schedule"] == "* * * * *" and runner.fields["command"] == "php artisan schedule:run"
    assert (runner.source.file, runner.source.line, runner.source.confidence) == ("app/Console/Kernel.php", 15, I)
    assert [s for s in r.of(S) if s.fields.get("command")] == [runner]  # never one CronJob per entry as well
    assert any("One schedule:run CronJob, not one per entry" in w.message for w in r.warnings)


def test_no_schedule_run_of_its_own_when_a_crontab_runs_it(run_analyzer):
    files = dict(LARAVEL)
    files["deploy/crontab"] = "* * * * * cd /var/www/shop/current && php artisan schedule:run >> /dev/null 2>&1\n"
    files["README.md"] = "Add `* * * * * php artisan schedule:run` to cron.\n"
    r = run_analyzer(app_schedules, files)
    assert "schedule-run" not in r.keys(S)
    assert any("deploy/crontab runs every minute" in w.message for w in r.warnings)


def test_schedule_work_in_a_supervisor_config_is_the_runner(run_analyzer):
    files = dict(LARAVEL)
    files["deploy/supervisor/scheduler.conf"] = (
        "[program:scheduler]\ncommand=php /var/www/shop/artisan schedule:work\nnumprocs=1\n")
    r = run_analyzer(app_schedules, files)
    assert "schedule-run" not in r.keys(S)
    assert any("schedule:work" in w.message and "scheduler.conf" in w.message for w in r.warnings)


def test_a_readme_mention_is_not_a_crontab(run_analyzer):
    files = dict(LARAVEL)
    files["README.md"] = "Add `* * * * * php artisan schedule:run` to cron.\n"
    assert "schedule-run" in run_analyzer(app_schedules, files).keys(S)


def test_laravel_11_routes_console_and_with_schedule(run_analyzer):
    files = {
        "artisan": "#!/usr/bin/env php\n<?php\n",
        "composer.json": '{"require": {"laravel/framework": "^11.0"}}\n',
        "routes/console.php": """\
            <?php

            use Illuminate\\Support\\Facades\\Schedule;

            Schedule::command('sitemap:generate')->dailyAt('3:15');
            Schedule::command('horizon:snapshot')->everyFiveMinutes();
            Schedule::call(fn () => cache()->flush())->everySecond();
            """,
        "bootstrap/app.php": """\
            <?php

            return Application::configure(basePath: dirname(__DIR__))
                ->withRouting(web: __DIR__.'/../routes/web.php', health: '/up')
                ->withSchedule(function (Schedule $schedule) {
                    $schedule->command('telescope:prune')->daily();
                })
                ->create();
            """,
    }
    r = run_analyzer(app_schedules, files)
    found = {k: (f.fields.get("schedule"), f.source.file, f.source.line) for k, f in _by_key(r).items()}
    assert found["schedule-run:sitemap:generate"] == ("15 3 * * *", "routes/console.php", 5)
    assert found["schedule-run:horizon:snapshot"] == ("*/5 * * * *", "routes/console.php", 6)
    assert found["schedule-run:closure@7"][0] is None  # every second: cron cannot say it
    assert found["schedule-run:telescope:prune"] == ("0 0 * * *", "bootstrap/app.php", 6)
    assert found["schedule-run"] == ("* * * * *", "routes/console.php", 5)


def test_no_laravel_entries_no_schedule_run(run_analyzer):
    files = dict(LARAVEL)
    files["app/Console/Kernel.php"] = KERNEL.split("protected function schedule")[0] + "}\n"
    assert run_analyzer(app_schedules, files).of(S) == []


def test_symfony_scheduler_tasks_run_in_their_worker(run_analyzer):
    files = {
        "composer.json": '{"require": {"symfony/framework-bundle": "6.4.*", "symfony/scheduler": "6.4.*"}}\n',
        "bin/console": "#!/usr/bin/env php\n<?php\n",
        "public/index.php": "<?php\n",
        "src/Scheduler/CleanupTask.php": """\
            <?php
            namespace App\\Scheduler;

            use Symfony\\Component\\Scheduler\\Attribute\\AsCronTask;

            #[AsCronTask('0 3 * * *', timezone: 'UTC')]
            class CleanupTask
            {
                public function __invoke(): void {}
            }
            """,
        "src/Scheduler/PingTask.php": """\
            <?php
            namespace App\\Scheduler;

            #[AsPeriodicTask(frequency: '1 hour', schedule: 'monitoring')]
            class PingTask { public function __invoke(): void {} }
            """,
    }
    r = run_analyzer(app_schedules, files)
    cleanup = r.one(S, "symfony-scheduler:CleanupTask")
    assert (cleanup.fields["schedule"], cleanup.fields["via"], cleanup.source.line) == (
        "0 3 * * *", "messenger:consume scheduler_default", 6)
    assert "command" not in cleanup.fields and cleanup.fields["timezone"] == "UTC"
    ping = r.one(S, "symfony-scheduler:PingTask")
    assert ping.fields["via"] == "messenger:consume scheduler_monitoring" and "schedule" not in ping.fields
    assert "1 hour" in ping.fields["note"]


WP = {
    "wp-settings.php": "<?php\n",
    "index.php": "<?php\nrequire __DIR__ . '/wp-blog-header.php';\n",
    "wp-config.php": "<?php\ndefine('DB_NAME', 'wp');\ndefine('DISABLE_WP_CRON', true);\n$table_prefix = 'wp_';\n",
}


def test_wordpress_disabled_wp_cron_becomes_a_cronjob(run_analyzer):
    r = run_analyzer(app_schedules, WP)
    cron = r.one(S, "wp-cron")
    assert (cron.fields["schedule"], cron.fields["command"], cron.source.line, cron.source.confidence) == (
        "*/5 * * * *", "php wp-cron.php", 3, H)


def test_wordpress_system_cron_in_the_repo_runs_wp_cron(run_analyzer):
    files = dict(WP)
    files["ops/crontab"] = "*/10 * * * * curl -s https://blog.example.com/wp-cron.php >/dev/null\n"
    r = run_analyzer(app_schedules, files)
    assert r.of(S) == [] and any("ops/crontab runs wp-cron" in w.message for w in r.warnings)


def test_wordpress_wp_cron_on_page_visits_is_a_warning(run_analyzer):
    files = dict(WP)
    files["wp-config.php"] = "<?php\ndefine('DB_NAME', 'wp');\n"
    r = run_analyzer(app_schedules, files)
    assert r.of(S) == [] and any("runs wp-cron on page visits" in w.message for w in r.warnings)
