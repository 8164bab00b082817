"""A patient's whole program across the four services, as separate processes.

Driven only through HTTP; observed only through a plain kombu subscriber (and the SMTP server the
care team's email reaches). Scheduling books on a clock set before the program, then is restarted
on the real clock, when every session lies in the past and can be recorded.
"""
from datetime import datetime, timedelta

from demo.launch import wait_until
from tests.e2e import program as p

EVENTS = [("intake", t) for t in ("PatientReferred", "PatientEnrolled", "ProgramCompleted")] + \
         [("scheduling", t) for t in ("SessionScheduled", "SessionAttended", "SessionMissed")] + \
         [("outcomes", t) for t in ("AssessmentScored", "RiskFlagRaised", "OutcomeSummaryComputed")] + \
         [("notifications", t) for t in ("CareTeamAlerted", "NotificationSent")]
WAIT = 60.0  # a handler may be retried with backoff when an event overtakes the one it needs


def created(response, status=201):
    assert response.status_code == status, response.text
    return response.json()


def refused(response, status, field_prefix):
    """A problem answer whose errors name the offending field."""
    assert response.status_code == status, response.text
    assert any(name.startswith(field_prefix) for name in response.json().get("errors", {})), response.text


def of(enrollment_id):
    return lambda envelope: envelope["data"].get("enrollment_id") == enrollment_id


def test_referral_to_outcome_summary(running_platform, subscriber, mailbox):
    events = subscriber(*EVENTS)
    intake, scheduling = running_platform["intake"], running_platform["scheduling"]
    outcomes = running_platform["outcomes"]

    # The clinic: an on-call therapist, a facilitator, a CBT group and psychoeducation.
    _, facilitator = (created(scheduling.post("/staff", {"site_id": "riverside", **s})) for s in p.STAFF)
    refused(scheduling.post("/group-series", p.series("riverside", facilitator["staff_id"], capacity=20)),
            422, "capacity")
    created(scheduling.post("/group-series", p.series("riverside", facilitator["staff_id"])))
    created(scheduling.post("/group-series", p.series(
        "riverside", facilitator["staff_id"], modality="psychoeducation", kind="education",
        weekdays=["tue"], start_time="10:00", duration_minutes=60)))

    # Referral: bad screening is refused naming the item; a valid one is triaged to IOP.
    refused(intake.post("/referrals", p.referral("riverside", "Ada", p.SCREENING_PHQ9[:8], p.SCREENING_GAD7)),
            422, "screening.phq9")
    referral = created(intake.post("/referrals", p.referral("riverside", "Ada", p.SCREENING_PHQ9, p.SCREENING_GAD7)))
    assert (referral["recommendation"], referral["recommended_track"]) == ("iop", "depression")
    patient_id = referral["patient_id"]
    events.wait_for("PatientReferred", where=lambda e: e["data"]["patient_id"] == patient_id)

    # Site isolation: a lakeside patient is invisible to a riverside key, as a missing one is.
    lakeside = created(intake.post("/referrals", p.referral("lakeside", "Lena", p.SCREENING_PHQ9, p.SCREENING_GAD7)))
    assert intake.get(f"/patients/{lakeside['patient_id']}", key="riverside").status_code == 404
    assert intake.get(f"/patients/{lakeside['patient_id']}", key="lakeside").status_code == 200
    assert intake.get(f"/patients/{patient_id}", key="lakeside").status_code == 404

    # Enrollment: under the IOP minimum is refused; the plan is booked in full.
    body = {"referral_id": referral["referral_id"], "track": "depression", "start_date": p.START.isoformat(),
            "planned_weeks": p.WEEKS, "plan": p.PLAN, "goals": ["Back to work half days"]}
    refused(intake.post("/enrollments", {**body, "plan": {**p.PLAN, "group_sessions_per_week": 1}}),
            422, "plan")
    enrollment = created(intake.post("/enrollments", body))
    enrollment_id = enrollment["enrollment_id"]
    events.wait_for("PatientEnrolled", where=of(enrollment_id))
    scheduled = events.wait_for("SessionScheduled", where=of(enrollment_id), count=p.SESSIONS, timeout=WAIT)
    assert {e["data"]["kind"] for e in scheduled} == {"group", "education", "individual"}
    assert scheduling.get(f"/patients/{patient_id}/schedule", key="lakeside").status_code == 404

    # Every session is now in the past for the real clock: restart scheduling on it.
    running_platform.restart_service("scheduling")
    scheduling = running_platform["scheduling"]
    sessions = sorted(created(scheduling.get(f"/patients/{patient_id}/schedule"), 200)["sessions"],
                      key=lambda s: s["starts_at"])
    assert len(sessions) == p.SESSIONS

    stranger = {"patient_id": lakeside["patient_id"], "status": "attended", "attended_minutes": 60}
    refused(scheduling.post(f"/sessions/{sessions[0]['session_id']}/attendance", [stranger]), 422, "0.patient_id")
    for index, session in enumerate(sessions):
        minutes = (datetime.fromisoformat(session["ends_at"]) - datetime.fromisoformat(session["starts_at"]))
        entry = ({"patient_id": patient_id, "status": "absent"} if index in p.MISSED else
                 {"patient_id": patient_id, "status": "attended", "attended_minutes": minutes.seconds // 60})
        created(scheduling.post(f"/sessions/{session['session_id']}/attendance", [entry]), 200)
    events.wait_for("SessionAttended", where=of(enrollment_id), count=p.SESSIONS - len(p.MISSED), timeout=WAIT)
    missed = events.wait_for("SessionMissed", where=of(enrollment_id), count=len(p.MISSED), timeout=WAIT)
    assert max(e["data"]["consecutive_missed"] for e in missed) == 2
    events.wait_for("CareTeamAlerted", where=lambda e: e["data"]["patient_id"] == patient_id
                    and e["data"]["reason"] == "missed_sessions", timeout=WAIT)

    # Weekly PHQ-9: a bad answer is refused naming the item; week 3 answers item 9 with 2.
    def assess(week, answers):
        # On the Friday of each week, so the last falls on the discharge day (within the episode).
        at = datetime.combine(p.START + timedelta(days=7 * week - 3), datetime.min.time()).replace(
            hour=15, tzinfo=p.BEFORE_START.tzinfo)
        return outcomes.post("/assessments", {"patient_id": patient_id, "instrument": "phq9",
                                              "responses": answers, "administered_at": at.isoformat()})

    refused(assess(1, [0, 0, 0, 0, 7, 0, 0, 0, 0]), 422, "responses.4")
    for week, answers in p.WEEKLY_PHQ9.items():
        scored = created(assess(week, answers))
        assert scored["total_score"] == sum(answers)
    events.wait_for("AssessmentScored", where=of(enrollment_id), count=len(p.WEEKLY_PHQ9), timeout=WAIT)
    flag = events.wait_for("RiskFlagRaised", where=of(enrollment_id), timeout=WAIT)[0]["data"]
    assert (flag["level"], flag["reason"]) == ("high", "phq9_item9")
    alert = events.wait_for("CareTeamAlerted", where=lambda e: e["data"]["patient_id"] == patient_id
                            and e["data"]["reason"] == "risk", timeout=WAIT)[0]["data"]
    assert alert["level"] == "high"
    events.wait_for("NotificationSent", where=lambda e: e["data"]["recipient_type"] == "staff"
                    and e["data"]["channel"] == "email", timeout=WAIT)
    wait_until(lambda: "dana.reyes@clinic.test" in mailbox.recipients, timeout=WAIT,
               message="the on-call therapist got no email")

    # Completion once intake has counted every session; then the final summary.
    def counted():
        attendance = created(intake.get(f"/enrollments/{enrollment_id}"), 200)["attendance"]
        return attendance["attended"] + attendance["missed"] == p.SESSIONS

    wait_until(counted, timeout=WAIT, message="intake did not count every session")
    refused(intake.post(f"/enrollments/{enrollment_id}/discharge", {"reason": "finished", "on": "2026-07-10"}),
            422, "reason")
    completed = created(intake.post(f"/enrollments/{enrollment_id}/discharge",
                                    {"reason": "completed", "on": "2026-07-10"}), 200)
    assert completed["discharge"]["reason"] == "completed", completed
    done = events.wait_for("ProgramCompleted", where=of(enrollment_id), timeout=WAIT)[0]["data"]
    assert abs(done["attendance_rate"] - (p.SESSIONS - len(p.MISSED)) / p.SESSIONS) < 0.01, done
    computed = events.wait_for("OutcomeSummaryComputed", where=of(enrollment_id), timeout=WAIT)[-1]["data"]
    phq9 = next(m for m in computed["measures"] if m["instrument"] == "phq9")
    assert (phq9["baseline_score"], phq9["final_score"]) == (14, sum(p.WEEKLY_PHQ9[6]))

    summary = created(outcomes.get(f"/enrollments/{enrollment_id}/summary", key="riverside"), 200)
    assert summary["final"] is True
    assert next(m for m in summary["measures"] if m["instrument"] == "phq9")["reliable_change"] == "improved"
    assert outcomes.get(f"/enrollments/{enrollment_id}/summary", key="lakeside").status_code == 404
