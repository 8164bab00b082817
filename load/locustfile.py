"""The request mix of `make load`, for locust (run by load.run as its own process).

It reads the plan the runner wrote (``LOAD_PLAN``: the services' addresses, the seeded sessions and
patients, the rate of each kind) and imports nothing of the platform: locust is gevent's, the
services and the kit are eventlet's, and the two never share a process.

Each kind has a fixed number of users, each at a constant throughput (locust's
``constant_throughput``), so the offered rate is fixed whatever the answers' latency, up to
1 / (a user's rate) seconds per request.
"""
from __future__ import annotations

import itertools
import json
import os
import random
from datetime import datetime, timedelta, timezone

from locust import constant_throughput, task
from locust.contrib.fasthttp import FastHttpUser

PLAN = json.loads(open(os.environ["LOAD_PLAN"]).read())
HEADERS = {"Authorization": f"Bearer {PLAN['key']}"}
ITEMS = {"phq9": 9, "gad7": 7}  # items, each answered 0-3


def users_for(kind: str) -> tuple[int, float]:
    rate = PLAN["rates"][kind]
    users = PLAN["users"][kind]
    return users, (rate / users if users else 0.0)


class Attendance(FastHttpUser):
    """A whole roster recorded: every patient flipped between attended and absent, so each post
    changes twelve records and raises twelve events. One session per user: two users never
    record the same roster at once."""

    fixed_count, _rate = users_for("attendance")
    wait_time = constant_throughput(_rate or 1)
    host = PLAN["scheduling"]
    _sessions = itertools.count()

    def on_start(self):
        sessions = PLAN["sessions"]
        self.session_id = sessions[next(self._sessions) % len(sessions)]
        self.attended = False

    @task
    def record(self):
        self.attended = not self.attended
        body = [{"patient_id": p, "status": "attended", "attended_minutes": 180} if self.attended
                else {"patient_id": p, "status": "absent"} for p in PLAN["roster"]]
        self.client.post(f"/sessions/{self.session_id}/attendance", json=body, headers=HEADERS,
                         name="POST /sessions/{id}/attendance")


class Schedule(FastHttpUser):
    fixed_count, _rate = users_for("schedule")
    wait_time = constant_throughput(_rate or 1)
    host = PLAN["scheduling"]

    @task
    def read(self):
        patient = random.choice(PLAN["patients"])
        self.client.get(f"/patients/{patient['patient_id']}/schedule", headers=HEADERS,
                        name="GET /patients/{id}/schedule")


class Assessment(FastHttpUser):
    """A PHQ-9 or GAD-7 on a day of the patient's program, item 9 at 0 (no alert: the alert path
    has its own figure in `make bench-http`)."""

    fixed_count, _rate = users_for("assessment")
    wait_time = constant_throughput(_rate or 1)
    host = PLAN["outcomes"]

    @task
    def score(self):
        patient = random.choice(PLAN["patients"])
        instrument = random.choice(tuple(ITEMS))
        responses = [random.randint(0, 2) for _ in range(ITEMS[instrument])]
        if instrument == "phq9":
            responses[-1] = 0
        start = datetime.fromisoformat(patient["start"]).replace(hour=15, tzinfo=timezone.utc)
        at = start + timedelta(days=random.randrange(patient["days"]))
        self.client.post("/assessments", headers=HEADERS, name="POST /assessments",
                         json={"patient_id": patient["patient_id"], "instrument": instrument,
                               "responses": responses, "administered_at": at.isoformat()})
