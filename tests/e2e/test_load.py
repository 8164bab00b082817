"""`python -m load` for eight seconds at a low rate: the platform on PostgreSQL seeded, locust run
as its own process, and every figure of the report there. A benchmark's pieces: no speed asserted."""
import json
import os
import subprocess
import sys
from pathlib import Path

from demo.platform import SERVICES
from tests.support.databases import DEFAULT_POSTGRES_URL

ROOT = Path(__file__).resolve().parents[2]


def test_a_short_load_run_reports_every_kind_and_the_backlog(broker, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AMQP_URI": broker.base_uri + "/",
           "AMQP_MANAGEMENT_URL": broker.management_url,
           "POSTGRES_URL": os.environ.get("IOP_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL}
    done = subprocess.run([sys.executable, "-m", "load", "--rate", "5", "--duration", "8",
                           "--interval", "2", "--out-dir", str(tmp_path)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    [path] = tmp_path.glob("load-*.json")
    report = json.loads(path.read_text())
    assert report["settings"]["database"] == "postgresql" and report["settings"]["duration_s"] == 8
    assert report["settings"]["group_sessions"] >= 1  # a session with the whole 12-patient roster
    for kind in ("attendance", "schedule", "assessment"):
        figures = report["kinds"][kind]
        assert figures["requests"] > 0 and figures["failures"] == 0, report["failures"]
        assert figures["p50_ms"] <= figures["p99_ms"]
    assert report["failures"] == []
    assert len(report["samples"]) >= 3  # the first, one at least during the load, the last
    assert set(report["samples"][-1]["outbox"]) == set(SERVICES)
    assert set(report["backlog"]["outbox"]) == set(SERVICES) == set(report["settings"]["cpu_share"])
    assert report["samples"][-1]["queues"] is not None  # the management API answered
    assert all(len(report["load_average"][when]) == 3 for when in ("before", "after"))
    for line in ("POST /sessions/{id}/attendance", "GET /patients/{id}/schedule", "POST /assessments",
                 "outbox backlog"):
        assert line in done.stdout
    assert not list(tmp_path.glob("load-*/"))  # the run's data folder is removed after a good run
