"""A riverside clinic two weeks into a CBT group, set up through the services' APIs with the
development keys (as a site's coordinator and its integrations would), on the real clock.

Ada and Bea hold two of the CBT group's three seats (depression); Cleo is on the anxiety track,
which has no group here, so she can join a CBT session as a walk-in; Tom holds the trauma group's
one seat and Uma waits for it (census: depression 2 of 3, trauma 1 of 1 with 1 waiting); Lena is
a lakeside patient. Their enrollments started two weeks ago (late entry), so the groups' past
sessions are booked and can be marked.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from tests.e2e import program as p
from tests.support.events import EventSubscriber

RIVERSIDE = ZoneInfo("America/New_York")
EVENTS = [("scheduling", "SessionScheduled"), ("scheduling", "SessionAttended"),
          ("scheduling", "SessionMissed"), ("scheduling", "PatientWaitlisted"),
          ("scheduling", "GroupNoteSigned"), ("intake", "PatientEnrolled"),
          ("notifications", "CareTeamAlerted")]
WAIT = 60.0


def created(response, status=201):
    assert response.status_code == status, response.text
    return response.json()


def of_patient(patient_id):
    return lambda envelope: envelope["data"].get("patient_id") == patient_id


def open_clinic(platform) -> dict:
    events = EventSubscriber(platform.env["AMQP_URI"], EVENTS)
    intake, scheduling = platform["intake"], platform["scheduling"]
    today = datetime.now(RIVERSIDE).date()
    start = today - timedelta(days=14)
    monday = start - timedelta(days=start.weekday())
    staff = [created(scheduling.post("/staff", {"site_id": site, **s}))
             for site in ("riverside", "lakeside") for s in p.STAFF]
    facilitator = staff[1]
    until = (today + timedelta(days=60)).isoformat()
    group = created(scheduling.post("/group-series", p.series(
        "riverside", facilitator["staff_id"], capacity=3, starts_on=monday.isoformat(), ends_on=until)))
    created(scheduling.post("/group-series", p.series(
        "riverside", facilitator["staff_id"], track="trauma", modality="trauma_group", capacity=1,
        weekdays=["tue", "thu"], start_time="14:00", duration_minutes=120,
        starts_on=monday.isoformat(), ends_on=until)))
    created(scheduling.post("/group-series", p.series(
        "riverside", facilitator["staff_id"], modality="psychoeducation", kind="education",
        weekdays=["tue"], start_time="10:00", duration_minutes=60, starts_on=monday.isoformat(),
        ends_on=(today + timedelta(days=60)).isoformat())))
    created(scheduling.post("/group-series", p.series(
        "lakeside", staff[3]["staff_id"], starts_on=monday.isoformat(),
        ends_on=(today + timedelta(days=60)).isoformat())))

    people = {}
    for name, site, track in (("Ada", "riverside", "depression"), ("Bea", "riverside", "depression"),
                              ("Cleo", "riverside", "anxiety"), ("Tom", "riverside", "trauma"),
                              ("Uma", "riverside", "trauma"), ("Lena", "lakeside", "depression")):
        referral = created(intake.post("/referrals", p.referral(
            site, name, p.SCREENING_PHQ9, p.SCREENING_GAD7,
            referred_on=(start - timedelta(days=7)).isoformat())))
        enrollment = created(intake.post("/enrollments", {
            "referral_id": referral["referral_id"], "track": track,
            "start_date": start.isoformat(), "planned_weeks": p.WEEKS, "plan": p.PLAN,
            "goals": ["Back to work half days"]}))
        people[name] = {"patient_id": referral["patient_id"], "site_id": site,
                        "enrollment_id": enrollment["enrollment_id"], "name": f"{name} Okafor"}
        # One at a time: a group's seats go in the order of enrollment.
        if name == "Uma":
            events.wait_for("PatientWaitlisted", where=of_patient(referral["patient_id"]), timeout=WAIT)
        else:
            events.wait_for("SessionScheduled", where=lambda e, pid=referral["patient_id"], kind=(
                "individual" if name == "Cleo" else "group"):
                e["data"]["patient_id"] == pid and e["data"]["kind"] == kind, timeout=WAIT)

    # The group's latest session that has ended: the one the facilitator marks and writes up.
    now = datetime.now(timezone.utc)
    wait_for_group_sessions(scheduling, people, start, now)
    schedule = created(scheduling.get(f"/patients/{people['Ada']['patient_id']}/schedule"), 200)
    ended = sorted((s for s in schedule["sessions"] if s["kind"] == "group"
                    and datetime.fromisoformat(s["ends_at"]) < now), key=lambda s: s["starts_at"])
    return {"people": people, "group": group, "session": ended[-1], "earlier_session": ended[0],
            "events": events, "today": today, "start": start}


def wait_for_group_sessions(scheduling, people, start: date, now: datetime) -> None:
    """Both seated patients booked on every group session (Mon, Wed, Fri 09:00) from the start
    until now."""
    from demo.launch import wait_until

    expected = sum(1 for n in range((now.astimezone(RIVERSIDE).date() - start).days + 1)
                   if (start + timedelta(days=n)).weekday() in (0, 2, 4)
                   and datetime.combine(start + timedelta(days=n), datetime.min.time(),
                                        RIVERSIDE).replace(hour=9) < now)

    def booked(patient_id):
        schedule = scheduling.get(f"/patients/{patient_id}/schedule").json()
        return sum(1 for s in schedule.get("sessions", []) if s["kind"] == "group"
                   and datetime.fromisoformat(s["starts_at"]) < now)

    wait_until(lambda: all(booked(people[name]["patient_id"]) == expected for name in ("Ada", "Bea")),
               timeout=WAIT, interval=0.5, message=f"the group's {expected} past sessions were not booked")
