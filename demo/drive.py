"""Drives the seeded network through its programs over HTTP, as staff at the three sites would.

Each site's work runs in its own thread, in date order, so a patient's sessions and scores are
recorded in the order they happened whatever the interleaving between sites.
"""
from __future__ import annotations

import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, time as clock_time, timedelta, timezone
from zoneinfo import ZoneInfo

from demo import network
from demo.network import Patient


class DemoError(RuntimeError):
    """The platform answered something the demo did not expect."""


def ok(response, *statuses):
    if response.status_code not in (statuses or (200, 201)):
        raise DemoError(f"{response.request.method} {response.url} → {response.status_code}: {response.text[:500]}")
    return response.json()


def by_site(work, items, site_of):
    """Run ``work(item)`` for each item, one thread per site, each site's items in order."""
    lanes = defaultdict(list)
    for item in items:
        lanes[site_of(item)].append(item)
    with ThreadPoolExecutor(max_workers=len(lanes) or 1) as pool:
        for future in [pool.submit(lambda lane=lane: [work(item) for item in lane]) for lane in lanes.values()]:
            future.result()


def local_time(site_id: str, day: date, hour: int) -> datetime:
    return datetime.combine(day, clock_time(hour), tzinfo=ZoneInfo(network.SITES[site_id])).astimezone(timezone.utc)


class Run:
    """One demo run: the platform's clients, the network, and what the platform answered."""

    def __init__(self, platform, people: list[Patient], say=print):
        self.platform, self.people, self.say = platform, people, say
        self.started = time.monotonic()
        self.referrals: dict[int, dict] = {}
        self.enrollments: dict[int, dict] = {}
        self.schedules: dict[int, list[dict]] = {}
        self.scores: dict[int, list[dict]] = defaultdict(list)   # what outcomes answered
        self.discharges: dict[int, dict] = {}

    def step(self, message: str) -> None:
        self.say(f"[{time.monotonic() - self.started:6.1f}s] {message}")

    def __getattr__(self, service):  # run.intake, run.scheduling, …: the current client
        if service in ("intake", "scheduling", "notifications", "outcomes"):
            return self.platform[service]
        raise AttributeError(service)

    @property
    def enrolled(self) -> list[Patient]:
        return [p for p in self.people if p.index in self.enrollments]

    # -- the program, step by step --------------------------------------------------------

    def open_clinics(self) -> None:
        staff = series = 0
        for offset, site_id in zip((0, 6, 12), network.SITES):
            people = [ok(self.scheduling.post("/staff", body)) for body in network.staff_for(site_id, offset)]
            facilitators = dict(zip(network.TRACKS, people[3:]))
            for track in network.TRACKS:
                for body in network.series_for(site_id, track, facilitators[track]["staff_id"]):
                    ok(self.scheduling.post("/group-series", body))
                    series += 1
            staff += len(people)
        self.step(f"3 sites open: {staff} staff, {series} group and psychoeducation series")

    def refer(self) -> None:
        def refer_one(p: Patient):
            body = {"site_id": p.site_id, "source": "primary_care", "referred_on": p.referred_on.isoformat(),
                    "patient": {"given_name": p.given_name, "family_name": p.family_name,
                                "birth_date": p.birth_date.isoformat(),
                                "email": f"patient{p.index}@mail.test", "phone": f"+1555777{p.index:04d}",
                                "preferred_language": p.language, "interpreter_needed": False},
                    "screening": p.screening,
                    "consents": {"treatment": True, "email": p.index % 4 != 0, "sms": True}}
            self.referrals[p.index] = ok(self.intake.post("/referrals", body), 201)

        by_site(refer_one, self.people, lambda p: p.site_id)
        tally = Counter(r["recommendation"] for r in self.referrals.values())
        self.step(f"{len(self.people)} referrals screened: " + ", ".join(f"{n} {k}" for k, n in sorted(tally.items())))

    def enroll(self) -> None:
        def enroll_one(p: Patient):
            referral = self.referrals[p.index]
            if referral["recommendation"] != "iop" or not p.enrolls:
                return
            body = {"referral_id": referral["referral_id"], "track": referral["recommended_track"],
                    "start_date": p.start_date.isoformat(), "planned_weeks": p.planned_weeks,
                    "plan": p.plan, "goals": ["Steadier mood through the week", "Back to daily routines"]}
            self.enrollments[p.index] = ok(self.intake.post("/enrollments", body), 201)

        by_site(enroll_one, self.people, lambda p: p.site_id)
        declined = sum(1 for p in self.people if self.referrals[p.index]["recommendation"] == "iop" and not p.enrolls)
        tracks = Counter(e["track"] for e in self.enrollments.values())
        self.step(f"{len(self.enrollments)} enrolled ({', '.join(f'{n} {t}' for t, n in sorted(tracks.items()))}), "
                  f"{declined} declined the program")

    def wait_for_bookings(self) -> None:
        self.platform.settle(timeout=150)
        booked = sum(v for (name, labels), v in self.platform.metrics("scheduling").items()
                     if name == "iop_events_published_total" and dict(labels)["type"] == "SessionScheduled")
        self.step(f"{int(booked)} sessions booked to the treatment plans")

    def load_schedules(self) -> None:
        def load(p: Patient):
            self.schedules[p.index] = sorted(ok(self.scheduling.get(f"/patients/{self.referrals[p.index]['patient_id']}/schedule"))["sessions"],
                                             key=lambda s: s["starts_at"])
        by_site(load, self.enrolled, lambda p: p.site_id)

    def record_attendance(self) -> None:
        """Each patient's draws in date order; then each session's roster, session by session."""
        rosters: dict[str, dict] = {}
        for p in self.enrolled:
            rng, patient_id = p.rng("attendance"), self.referrals[p.index]["patient_id"]
            last_day = self.last_day(p)
            for s in self.schedules[p.index]:
                starts = datetime.fromisoformat(s["starts_at"])
                if starts.astimezone(ZoneInfo(s["timezone"])).date() > last_day or s["status"] != "scheduled":
                    continue
                draw = rng.random()
                if draw < p.attendance:
                    minutes = int((datetime.fromisoformat(s["ends_at"]) - starts).total_seconds() // 60)
                    entry = {"patient_id": patient_id, "status": "attended", "attended_minutes": minutes}
                else:
                    entry = {"patient_id": patient_id, "status": "excused" if rng.random() < 0.25 else "absent"}
                roster = rosters.setdefault(s["session_id"], {"key": (s["starts_at"], p.site_id, s["modality"]),
                                                              "site": p.site_id, "entries": []})
                roster["entries"].append((p.index, entry))
        ordered = sorted(rosters.items(), key=lambda item: (item[1]["key"], min(i for i, _ in item[1]["entries"])))

        def post(item):
            session_id, roster = item
            ok(self.scheduling.post(f"/sessions/{session_id}/attendance",
                                    [entry for _, entry in sorted(roster["entries"], key=lambda e: e[0])]))

        by_site(post, ordered, lambda item: item[1]["site"])
        statuses = Counter(e["status"] for _, r in ordered for _, e in r["entries"])
        self.step(f"attendance recorded for {len(ordered)} sessions: "
                  + ", ".join(f"{n} {k}" for k, n in sorted(statuses.items())))

    def last_day(self, p: Patient) -> date:
        """The patient's last day in the program: the planned end, or the day they left."""
        if p.leaves_after_week is not None:
            return p.start_date + timedelta(weeks=p.leaves_after_week, days=-2)
        return p.end_date - timedelta(days=2)  # the last Friday

    def assess(self) -> None:
        def assess_patient(p: Patient):
            patient_id = self.referrals[p.index]["patient_id"]
            last_week = p.leaves_after_week or p.planned_weeks
            who5_weeks = {0, p.planned_weeks // 2, p.planned_weeks}
            skip = p.rng("skipped assessments")
            for week in range(0, last_week + 1):
                day = p.start_date if week == 0 else p.start_date + timedelta(days=7 * week - 3)
                at = local_time(p.site_id, day, 11)
                due = [] if week == 0 else ["phq9", "gad7"]
                if p.track == "trauma" and week and week % 2 == 0:
                    due.append("pcl5")
                if week in who5_weeks:
                    due.append("who5")
                for instrument in due:
                    if week and skip.random() < 0.08 and week != last_week:
                        continue  # a missed questionnaire
                    self.post_assessment(p, patient_id, instrument, week, at)

        by_site(assess_patient, self.enrolled, lambda p: p.site_id)
        flags = Counter(f["level"] for scores in self.scores.values() for s in scores for f in s["flags"])
        self.step(f"{sum(map(len, self.scores.values()))} assessments scored; risk flags: "
                  + (", ".join(f"{n} {k}" for k, n in sorted(flags.items())) or "none"))

    def post_assessment(self, p: Patient, patient_id: str, instrument: str, week: int, at: datetime):
        rng = p.rng(f"answers:{instrument}:{week}")
        if instrument == "who5":
            total = network.score_at(p, "who5", network.who5_baseline(p), week)
            responses = network.answers(rng, "who5", total)
        else:
            total = network.score_at(p, instrument, sum(p.screening.get(instrument) or [0]), week)
            item9 = (p.item9_answer if week == p.item9_week else 0) if instrument == "phq9" else None
            responses = network.answers(rng, instrument, total, item9)
        scored = ok(self.outcomes.post("/assessments", {"patient_id": patient_id, "instrument": instrument,
                                                        "responses": responses, "administered_at": at.isoformat()}), 201)
        self.scores[p.index].append({"instrument": instrument, "week": week, "total": scored["total_score"],
                                     "reliable_change": scored["reliable_change"], "flags": scored["flags"]})

    def discharge(self) -> None:
        self.platform.settle(timeout=150)  # intake has counted every session recorded

        def discharge_one(p: Patient):
            enrollment_id = self.enrollments[p.index]["enrollment_id"]
            if p.leave_reason:
                reason = p.leave_reason
            else:
                view = ok(self.intake.get(f"/enrollments/{enrollment_id}"))
                reason = "completed" if view["attendance"]["meets_completion_rate"] else "non_attendance"
            body = {"reason": reason, "on": self.last_day(p).isoformat()}
            self.discharges[p.index] = ok(self.intake.post(f"/enrollments/{enrollment_id}/discharge", body))

        by_site(discharge_one, self.enrolled, lambda p: p.site_id)
        reasons = Counter(d["discharge"]["reason"] for d in self.discharges.values())
        self.step("discharged: " + ", ".join(f"{n} {k}" for k, n in sorted(reasons.items())))

    def send_notifications(self) -> None:
        """Dispatch as of tomorrow, so messages held for the sites' quiet hours go out too.

        First settle: every message the program's events plan must exist before the dispatch."""
        self.platform.settle(timeout=150)
        tomorrow = {"now": (datetime.now(timezone.utc) + timedelta(days=1)).isoformat()}
        while sum(ok(self.notifications.post("/notifications/dispatch", tomorrow))["outcomes"].values()):
            pass  # one batch per call: again until nothing is left to send
        self.platform.settle(timeout=150)
        self.step("outcome summaries computed; notifications dispatched")
