"""The outcomes report and site isolation (run on PostgreSQL too: IOP_TEST_POSTGRES_URL)."""
from datetime import date

from demo.launch import wait_until
from tests.integration.outcomes.scenario import (assess, complete, discharge, enroll, phq9, rows,
                                                 session)

SUMMARY = ("outcomes", "OutcomeSummaryComputed")
START = date(2026, 1, 5)


def finished(platform, outcomes, watcher, site_id, final_phq9, completed=True, attended=4, missed=0):
    enrollment = enroll(platform, outcomes, site_id=site_id, start_date=START)
    assess(outcomes, enrollment, "phq9", phq9(final_phq9), on_day=27)
    for _ in range(attended):
        session(platform, enrollment, "SessionAttended", attended_minutes=180)
    for _ in range(missed):
        session(platform, enrollment, "SessionMissed", excused=False, consecutive_missed=1)
    counted = attended + missed
    wait_until(lambda: outcomes.get(f"/enrollments/{enrollment['enrollment_id']}/summary")
               .json()["attendance"]["sessions_counted"] == counted)
    if completed:
        complete(platform, enrollment, weeks=4)
    else:
        discharge(platform, enrollment, weeks=4)
    watcher.wait_for("OutcomeSummaryComputed",
                     where=lambda e: e["data"]["enrollment_id"] == enrollment["enrollment_id"])
    return enrollment


def report(outcomes, key="admin", **query):
    response = outcomes.get("/reports/outcomes", key=key, params=query)
    assert response.status_code == 200, response.text
    return response.json()


def test_report_gives_counts_rates_and_instrument_figures_per_site_and_track(platform, outcomes, subscriber):
    watcher = subscriber(SUMMARY)
    finished(platform, outcomes, watcher, "riverside", final_phq9=4, attended=4)  # -13, remission
    finished(platform, outcomes, watcher, "riverside", final_phq9=14, attended=2, missed=2)  # -3
    finished(platform, outcomes, watcher, "riverside", final_phq9=20, completed=False, attended=1, missed=3)
    enroll(platform, outcomes, site_id="riverside", start_date=START)  # still active
    finished(platform, outcomes, watcher, "lakeside", final_phq9=8)

    body = report(outcomes, **{"from": "2026-01-01", "to": "2026-03-31"})

    riverside, lakeside = ([g for g in body["groups"] if g["site_id"] == site][0]
                           for site in ("riverside", "lakeside"))
    assert (riverside["enrolled"], riverside["ended"], riverside["completed"]) == (4, 3, 2)
    assert riverside["completion_rate"] == 0.6667
    assert riverside["mean_attendance_rate"] == 0.5833  # (1 + 0.5 + 0.25) / 3
    assert riverside["measures"]["phq9"] == {
        "n": 3, "mean_change": -4.33,  # (-13 - 3 + 3) / 3
        "n_at_caseness": 3, "response_rate": 0.3333,
        "remission_rate": 0.3333, "reliable_improvement_rate": 0.3333,
        "reliable_deterioration_rate": 0.0}
    assert lakeside["measures"]["phq9"]["n"] == 1 and lakeside["completion_rate"] == 1.0
    assert report(outcomes, **{"from": "2026-06-01"})["groups"] == []
    assert [g["site_id"] for g in report(outcomes, track="depression", site_id="lakeside")["groups"]] == [
        "lakeside"]


def test_a_key_sees_only_its_sites(platform, outcomes, subscriber):
    watcher = subscriber(SUMMARY)
    riverside = finished(platform, outcomes, watcher, "riverside", final_phq9=9)
    finished(platform, outcomes, watcher, "lakeside", final_phq9=9)

    assert [g["site_id"] for g in report(outcomes, key="lakeside")["groups"]] == ["lakeside"]
    assert report(outcomes, key="lakeside", site_id="riverside")["groups"] == []
    for path in (f"/patients/{riverside['patient_id']}/assessments",
                 f"/enrollments/{riverside['enrollment_id']}/summary",
                 f"/enrollments/{riverside['enrollment_id']}/schedule"):
        assert outcomes.get(path, key="lakeside").status_code == 404, path
    before = len(rows(platform, "assessments", patient_id=riverside["patient_id"]))
    refused = assess(outcomes, riverside, "phq9", phq9(3), key="lakeside")
    assert refused.status_code == 404
    assert len(rows(platform, "assessments", patient_id=riverside["patient_id"])) == before
    assert outcomes.get(f"/patients/{riverside['patient_id']}/assessments",
                        key="riverside").status_code == 200


def test_integrators_read_reports_and_summaries_but_not_item_answers(platform, outcomes):
    enrollment = enroll(platform, outcomes, start_date=START)

    assert outcomes.get("/reports/outcomes", key="integrator").status_code == 200
    assert outcomes.get(f"/enrollments/{enrollment['enrollment_id']}/summary",
                        key="integrator").status_code == 200
    assert outcomes.get(f"/patients/{enrollment['patient_id']}/assessments",
                        key="integrator").status_code == 403
    assert outcomes.get("/reports/outcomes", key=None).status_code == 401


def test_report_refuses_a_period_out_of_order(platform, outcomes):
    response = outcomes.get("/reports/outcomes", params={"from": "2026-03-01", "to": "2026-01-01"})

    assert response.status_code == 422 and list(response.json()["errors"]) == ["to"]
