"""migrator/verify/drill.py: the four steps, their verdicts and advice, with a fake backend over a real
local HTTP server (the load is real; the rollouts are what the fake says they did)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from migrator.verify import drill as dr
from migrator.verify import drill_pods as dp
from migrator.verify import manifests as mf
from migrator.verify.load import Target
from migrator.verify.plan import VerifyPlan, make_plan, name_of
from migrator.verify.report import VerifyReport, render

from .conftest import APP


class _App(BaseHTTPRequestHandler):
    drop = threading.Event()  # set: the server closes connections without an answer (a SIGTERM'd app)

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        if self.path == "/":
            time.sleep(0.4)  # a slow page: requests are in flight when the stop comes
        if _App.drop.is_set():
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Target]:
    monkeypatch.setattr(dr, "AFTER_ROLLBACK_SECONDS", 0.3)
    monkeypatch.setattr(dr, "WARM_UP_SECONDS", 0.3)
    _App.drop.clear()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _App)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield Target("127.0.0.1", httpd.server_address[1], name="pod-1")
    httpd.shutdown()
    httpd.server_close()


class Fake:
    """A backend whose rollouts succeed (or not) as told; the load goes to the local server."""

    simulation = True

    def __init__(self, target: Target, *, took_traffic: bool = False, drop_at_stop: bool = False,
                 killed: Sequence[str] = (), down_while_rolling: bool = False) -> None:
        self.target = target
        self.down_while_rolling = down_while_rolling
        self.took_traffic = took_traffic
        self.drop_at_stop = drop_at_stop
        self.killed = set(killed)
        self.calls: list[tuple[str, str]] = []
        self.closed = False

    def service_targets(self, plan: VerifyPlan) -> Sequence[Target]:
        return [self.target]

    def pod_targets(self, plan: VerifyPlan, workload: Any) -> Sequence[Target]:
        return [self.target]

    def roll(self, plan: VerifyPlan, workload: Any) -> None:
        self.calls.append(("roll", name_of(workload)))
        if self.down_while_rolling:
            _App.drop.set()
        time.sleep(0.3)
        _App.drop.clear()

    def roll_broken(self, plan: VerifyPlan, workload: Any) -> dp.Broken:
        self.calls.append(("broken", name_of(workload)))
        time.sleep(0.3)
        return dp.Broken(self.took_traffic, not self.took_traffic, "watched it")

    def undo(self, plan: VerifyPlan, workload: Any) -> None:
        self.calls.append(("undo", name_of(workload)))

    def stop_pods(self, plan: VerifyPlan, workloads: Sequence[Any], at: list[float]) -> list[dp.Stop]:
        at.append(time.monotonic())
        if self.drop_at_stop:
            _App.drop.set()
        time.sleep(0.6)
        return [dp.Stop(name_of(w), 30.0 if name_of(w) in self.killed else 0.2, 30, name_of(w) in self.killed,
                        command=("sh", "-c", "python worker.py"), key=dp.process_key(w)) for w in workloads]

    def close(self) -> None:
        self.closed = True


def _plan(strategy: str | None = None) -> VerifyPlan:
    objs = mf.load(APP).objects
    if strategy:
        objs = [{**o, "spec": {**o["spec"], "strategy": {"type": strategy}}} if name_of(o) == "web" else o
                for o in objs]
    return make_plan(objs, "migrate-verify/app:r1")


def _run(fake: Fake, strategy: str | None = None) -> tuple[VerifyReport, dr.DrillResult]:
    report = VerifyReport("docker", "r1")
    result = dr.run(fake, _plan(strategy), report)
    return report, result


def test_promises_kept_every_step_ok_with_figures(server: Target) -> None:
    fake = Fake(server)
    report, result = _run(fake)
    assert [(s.name, s.status) for s in report.steps] == [
        ("drill: rolling update under load", "ok"), ("drill: broken revision does not take traffic", "ok"),
        ("drill: rollback", "ok"), ("drill: graceful stop", "ok")]
    assert fake.calls == [("roll", "web"), ("roll", "worker"), ("broken", "web"), ("undo", "web")]  # web first
    assert fake.closed
    rolling = result.steps[0]
    assert rolling["load"]["failed"] == 0 and rolling["load"]["sent"] > 0
    assert rolling["load"]["paths"] == ["/healthz", "/"]  # "/" answers 200 here, so it is requested too
    assert set(rolling["rollout_s"]) == {"web", "worker"}
    assert result.advice == []
    data = report.to_json()
    assert data["drill"]["simulation"] is True and len(data["drill"]["steps"]) == 4
    text = render(report)
    assert "drill (a simulation on plain containers" in text and "longest gap" in text
    json.dumps(data)


def test_requests_dropped_at_sigterm_fail_step_4_with_the_pre_stop_sleep_advice(server: Target) -> None:
    report, result = _run(Fake(server, drop_at_stop=True))
    step = report.steps[-1]
    assert step.status == "failed", step.detail
    graceful = result.steps[-1]
    assert graceful["in_flight"] >= 1 and graceful["dropped"] == graceful["in_flight"]
    (advice,) = result.advice
    assert advice.startswith("web dropped requests at SIGTERM")
    assert "`[processes.web] pre_stop_sleep = 5`" in advice
    assert "  what to change:\n  - web dropped requests at SIGTERM" in render(report)


def test_downtime_of_a_rolling_update_fails_it_with_the_pre_stop_advice(server: Target) -> None:
    report, result = _run(Fake(server, down_while_rolling=True))
    assert report.steps[0].status == "failed" and result.steps[0]["load"]["failed"] > 0
    assert result.advice and result.advice[0].startswith("web dropped requests during the rolling update")


def test_downtime_of_a_recreate_rollout_is_a_warning_with_its_reason(server: Target) -> None:
    report, result = _run(Fake(server, down_while_rolling=True), strategy="Recreate")
    assert report.steps[0].status == "warning" and result.steps[0]["load"]["failed"] > 0
    assert "strategy is Recreate" in result.steps[0]["reason"]
    assert "cannot avoid this downtime" in report.steps[0].detail
    assert result.advice == [] and report.ok


def test_a_broken_revision_that_took_traffic_fails_and_asks_for_a_readiness_probe(server: Target) -> None:
    report, result = _run(Fake(server, took_traffic=True))
    assert report.steps[1].status == "failed"
    assert any("readiness probe" in a for a in result.advice)


def test_a_worker_ignoring_sigterm_is_named_with_the_exec_advice_as_a_warning(server: Target) -> None:
    report, result = _run(Fake(server, killed=["worker"]))
    step = report.steps[-1]
    assert step.status == "warning" and "worker stopped in 30.0s of its 30s grace period (killed" in step.detail
    (advice,) = result.advice
    assert advice.startswith("worker ignored SIGTERM") and "put `exec` before the server" in advice
    assert "[processes.worker] command" in advice
    assert report.ok  # a warning: reported, does not fail verification


def test_the_helpers_read_the_pod_template() -> None:
    web = mf.load(APP).named("Deployment", "web")
    assert web is not None
    assert dp.grace_of(web) == 30 and dp.progress_deadline(web) == 600 and dp.pre_stop_sleep(web) is None
    broken = dp.broken_template(web)
    main = broken["spec"]["template"]["spec"]["containers"][0]
    assert main["command"] == ["sleep", "3600"] and "args" not in main
    assert web["spec"]["template"]["spec"]["containers"][0]["args"]  # a copy: the plan is untouched
    hooked = {**web, "spec": {**web["spec"], "template": {"spec": {"terminationGracePeriodSeconds": 35, "containers": [
        {"name": "web", "lifecycle": {"preStop": {"exec": {"command": ["sleep", "5"]}}}}]}}}}
    assert dp.pre_stop_sleep(hooked) == 5 and dp.grace_of(hooked) == 35
    assert dp.broken_watch(web) == 6.0  # readiness every second: two periods, raised to the floor
    generated = {"spec": {"template": {"spec": {"containers": [{"name": "web", "startupProbe": {"periodSeconds": 5},
                                                                "readinessProbe": {"periodSeconds": 10}}]}}}}
    assert dp.broken_watch(generated) == 10.0  # the startup probe gates readiness


def test_advice_about_a_workload_named_like_a_secret_survives_the_scrubber() -> None:
    # "planted-secrets-mailer: ignored ..." would read as a secret-named key and lose its value
    report = VerifyReport("docker")
    stop = dp.Stop("planted-secrets-mailer", 30.2, 30, True, key="mailer")
    report.drill = dr.DrillResult(True, [{"name": "graceful stop", "stops": [stop.to_json()]}],
                                  [dp.ignore_advice(stop)])
    (advice,) = report.to_json()["drill"]["advice"]
    assert advice.startswith("planted-secrets-mailer ignored SIGTERM and was killed after its 30s grace period")
    assert "planted-secrets-mailer stopped in 30.2s of 30s (killed)" in render(report)
