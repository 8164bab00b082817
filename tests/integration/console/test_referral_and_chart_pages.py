"""The Refer, Enroll, Patient and Outcomes pages over real HTTP, against the running platform.

A coordinator refers (triage and risk flag shown at once; intake's 422 beside each field) and
enrolls with a start date in the past (a late entry: the past sessions are on the chart to mark,
and one marked on the session's roster counts);
a clinician records a PHQ-9 whose item 9 raises a flag, sees it charted with its severity bands,
and finds a signed group note on two attendees' charts, each with only their own part.
"""
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from demo.launch import wait_until

RIVERSIDE = ZoneInfo("America/New_York")
TODAY = datetime.now(RIVERSIDE).date()
# PHQ-9 total 14 with item 9 at 1 (a moderate flag), GAD-7 total 8: IOP on the depression track.
PHQ9 = [2, 2, 2, 2, 2, 2, 1, 0, 1]
GAD7 = [1, 1, 1, 1, 1, 1, 2]
# Referred three weeks ago, enrolled today with a start two weeks ago: a late entry.
REFERRED_ON = (TODAY - timedelta(weeks=3)).isoformat()


def ok(response, status=201):
    assert response.status_code == status, response.text
    return response.json()


@pytest.fixture(scope="module")
def riverside(running):
    """Riverside's therapist, facilitator and the depression track's group series, begun four weeks
    ago so a late enrollment has past sessions."""
    scheduling = running["scheduling"]
    common = {"site_id": "riverside", "languages": ["en"], "phone": "+15555550100"}
    afternoons = [{"weekday": d, "start_time": "13:00", "end_time": "17:00"}
                  for d in ("mon", "tue", "wed", "thu", "fri")]
    ok(scheduling.post("/staff", {**common, "name": "Tess Therapist", "roles": ["therapist", "on_call"],
                                  "email": "tess@riverside.clinic.test", "max_caseload": 20,
                                  "availability": afternoons}))
    facilitator = ok(scheduling.post("/staff", {**common, "name": "Frankie Facilitator",
                                                "roles": ["facilitator"], "max_caseload": 0,
                                                "email": "frankie@riverside.clinic.test"}))
    series = {"site_id": "riverside", "track": "depression", "facilitator_id": facilitator["staff_id"],
              "starts_on": (TODAY - timedelta(weeks=4)).isoformat(),
              "ends_on": (TODAY + timedelta(weeks=12)).isoformat()}
    ok(scheduling.post("/group-series", {**series, "modality": "cbt_group", "kind": "group",
                                         "weekdays": ["mon", "wed", "fri"], "start_time": "09:00",
                                         "duration_minutes": 180, "capacity": 12}))
    ok(scheduling.post("/group-series", {**series, "modality": "psychoeducation", "kind": "education",
                                         "weekdays": ["tue"], "start_time": "10:00",
                                         "duration_minutes": 60, "capacity": 16}))
    return running


@pytest.fixture(scope="module")
def coordinator(console_run, riverside):
    return console_run.browser("riverside-coordinator")


@pytest.fixture(scope="module")
def clinician(console_run, riverside):
    return console_run.browser("riverside-clinician")


def referral_form(given_name, phq9=PHQ9, gad7=GAD7, **changes):
    fields = {"site_id": "riverside", "source": "primary_care", "patient.given_name": given_name,
              "patient.family_name": "Moreno", "patient.birth_date": "1987-03-14",
              "patient.email": f"{given_name.lower()}@patient.test", "patient.phone": "",
              "patient.preferred_language": "en", "consents.treatment": "on", "consents.email": "on"}
    fields.update({f"screening.phq9.{n}": str(a) for n, a in enumerate(phq9, 1)})
    fields.update({f"screening.gad7.{n}": str(a) for n, a in enumerate(gad7, 1)})
    fields.update(changes)
    return fields


def refer(browser, given_name, **changes):
    """Refer through the form; the referral's id from the triage page it lands on."""
    browser.get("/refer")
    page = browser.post("/refer", referral_form(given_name, **changes))
    assert page.status_code == 200 and "/referrals/" in page.url, page.text
    return page.url.rsplit("/", 1)[1], page


def enroll(browser, referral_id, start_date):
    browser.get(f"/referrals/{referral_id}")
    page = browser.post(f"/referrals/{referral_id}/enroll", {
        "track": "depression", "start_date": start_date.isoformat(), "planned_weeks": "",
        "plan.group_sessions_per_week": "3", "plan.individual_sessions_per_week": "1",
        "plan.family_sessions_per_month": "0", "plan.education_sessions_per_week": "1",
        "goals": "Return to work"})
    assert page.status_code == 200 and "/patients/" in page.url, page.text
    return page.url.rsplit("/", 1)[1].split("?")[0]


def past_unmarked_sessions(html):
    """The session ids of the chart's schedule rows marked "To mark"."""
    return re.findall(r'<a href="/sessions/([0-9a-f-]+)">[^<]+</a></th>\s*<td>[^<]*</td>\s*<td>[^<]*</td>\s*'
                      r'<td><strong>To mark</strong>', html)


def prefilled_minutes(html, patient_id):
    """The minutes the session page's attendance form offers for a patient."""
    field = re.search(rf'<input[^>]*name="minutes-{patient_id}"[^>]*>', html)
    assert field, f"no minutes field for {patient_id}"
    return re.search(r'value="(\d+)"', field.group(0)).group(1)


@pytest.fixture(scope="module")
def late_patient(coordinator):
    """Enrolled today with a start two weeks ago: its past group sessions are booked to mark."""
    referral_id, _ = refer(coordinator, "Lucia", referred_on=REFERRED_ON)
    patient_id = enroll(coordinator, referral_id, TODAY - timedelta(weeks=2))
    sessions = wait_until(lambda: past_unmarked_sessions(coordinator.get(f"/patients/{patient_id}").text),
                          timeout=60, interval=0.5, message="the late entry's past sessions were not booked")
    return patient_id, sessions


def test_refer_shows_the_triage_and_the_risk_flag_at_once(coordinator):
    form = coordinator.get("/refer")
    assert form.status_code == 200
    assert '<button type="submit">Refer</button>' in form.text
    assert '<label for="f-screening-phq9-9">PHQ-9 item 9</label>' in form.text

    referral_id, result = refer(coordinator, "Marta")
    assert "<h1>Referral triage</h1>" in result.text
    assert "Risk flag raised: Moderate" in result.text and 'role="alert"' in result.text
    assert "Intensive outpatient program" in result.text and ">Depression<" in result.text
    assert '<button type="submit">Enroll</button>' in result.text
    assert "Marta Moreno" in result.text


def test_intake_refusal_is_shown_beside_each_field_and_refers_nobody(coordinator, riverside):
    before = ok(riverside["intake"].get("/sites/riverside/patients"), 200)["patient_ids"]
    coordinator.get("/refer")
    page = coordinator.post("/refer", referral_form("", **{"patient.email": "not-an-email"}))
    assert page.status_code == 422
    assert 'id="f-patient-given_name-error"' in page.text
    assert 'id="f-patient-email-error"' in page.text
    assert 'aria-describedby="f-patient-email-error"' in page.text
    assert 'value="not-an-email"' in page.text  # what was typed is kept
    # The screening's items are checked once the body is well formed: item 3 left blank.
    page = coordinator.post("/refer", referral_form("Nadia", **{"screening.phq9.3": ""}))
    assert page.status_code == 422
    assert re.search(r'<p class="field-error" id="f-screening-phq9-3-error">[^<]*item 3', page.text), page.text
    assert 'aria-describedby="f-screening-phq9-3-error"' in page.text
    assert ok(riverside["intake"].get("/sites/riverside/patients"), 200)["patient_ids"] == before


def test_a_late_entry_books_the_past_sessions_and_one_marked_counts(late_patient, coordinator, console_run):
    patient_id, sessions = late_patient
    assert len(sessions) >= 4  # two weeks of Mon/Wed/Fri groups, at least
    facilitator = console_run.browser("riverside-facilitator")
    facilitator.get(f"/sessions/{sessions[0]}")  # the roster's form, marked through the console
    marked = facilitator.post(f"/sessions/{sessions[0]}/attendance",
                              {f"status-{patient_id}": "attended", f"minutes-{patient_id}": "175"})
    assert marked.status_code == 200, marked.text
    chart = wait_until(lambda: (lambda html: "Attendance rate 100 %" in html and html)(
        coordinator.get(f"/patients/{patient_id}").text), timeout=60, interval=0.5,
        message="the marked session did not count in the attendance rate")
    assert "Attended (175 min)" in chart
    assert sessions[0] not in past_unmarked_sessions(chart)
    assert "meets the required 75 % for completion" in chart
    assert "Return to work" in chart and "Plan version" in chart


def test_an_item_nine_answer_is_charted_and_raises_a_high_flag_and_an_alert(late_patient, clinician):
    patient_id, _ = late_patient
    chart = clinician.get(f"/patients/{patient_id}")
    assert '<label for="f-instrument">Instrument</label>' in chart.text
    assert '<label for="f-item-9">Item 9</label>' in chart.text
    answers = {f"item.{n}": "2" for n in range(1, 9)}
    page = clinician.post(f"/patients/{patient_id}/assessments", {"instrument": "phq9", **answers, "item.9": "2"})
    assert page.status_code == 200 and "recorded=" in page.url, page.text
    assert "PHQ-9 recorded." in page.text and "Total 18, Moderately severe." in page.text
    assert "Risk flag raised: High" in page.text

    svg = re.search(r'<svg [^>]*id="chart-[0-9a-f]+-phq9".*?</svg>', page.text, re.S).group(0)
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    assert [band for band in re.findall(r'data-band="([a-z_]+)"', svg)] == [
        "minimal", "mild", "moderate", "moderately_severe", "severe"]
    assert 'data-total="14"' in svg and 'data-total="18"' in svg  # screening baseline, then this one
    assert "style=" not in svg

    wait_until(lambda: re.search(r'<span class="level-high">High</span> · Risk · Open',
                                 clinician.get(f"/patients/{patient_id}").text),
               timeout=60, interval=0.5, message="the high risk alert did not reach the chart")


def test_an_assessment_refused_by_outcomes_shows_its_error_beside_the_item(late_patient, clinician):
    patient_id, _ = late_patient
    clinician.get(f"/patients/{patient_id}")
    answers = {f"item.{n}": "1" for n in range(1, 10)}
    page = clinician.post(f"/patients/{patient_id}/assessments", {"instrument": "gad7", **answers})
    assert page.status_code == 422
    assert 'id="f-responses-error"' in page.text  # 9 answers for a 7-item instrument
    page = clinician.post(f"/patients/{patient_id}/assessments", {"instrument": "phq9", **answers, "item.2": "7"})
    assert page.status_code == 422 and 'id="f-item-2-error"' in page.text


def test_a_group_note_is_on_each_attendees_chart_with_only_their_own_part(late_patient, coordinator,
                                                                          clinician, console_run):
    first, sessions = late_patient
    referral_id, _ = refer(coordinator, "Tomas", referred_on=REFERRED_ON)
    second = enroll(coordinator, referral_id, TODAY - timedelta(weeks=2))
    shared = wait_until(lambda: [s for s in past_unmarked_sessions(coordinator.get(f"/patients/{second}").text)
                                 if s in sessions[1:]], timeout=60, interval=0.5,
                        message="the second patient shares no past session with the first")
    session_id = shared[0]
    facilitator = console_run.browser("riverside-facilitator")
    page = facilitator.get(f"/sessions/{session_id}").text
    minutes = {p: prefilled_minutes(page, p) for p in (first, second)}  # the session's own length
    marked = facilitator.post(f"/sessions/{session_id}/attendance", {
        f"status-{first}": "attended", f"minutes-{first}": minutes[first],
        f"status-{second}": "attended", f"minutes-{second}": minutes[second]})
    assert marked.status_code == 200, marked.text
    signed = facilitator.post(f"/sessions/{session_id}/note/sign", {
        "shared_text": "Practised cognitive restructuring.",
        f"part-{first}": "Lucia named three automatic thoughts.",
        f"part-{second}": "Tomas left early to collect his child."})
    assert signed.status_code == 200, signed.text

    lucia, tomas = (clinician.get(f"/patients/{p}").text for p in (first, second))
    for chart in (lucia, tomas):
        assert "Practised cognitive restructuring." in chart and "Signed" in chart
    assert "Lucia named three automatic thoughts." in lucia and "Tomas left early" not in lucia
    assert "Tomas left early to collect his child." in tomas and "Lucia named" not in tomas


def test_another_sites_clinician_sees_nothing_of_the_patient(late_patient, console_run):
    patient_id, _ = late_patient
    page = console_run.browser("lakeside-clinician").get(f"/patients/{patient_id}")
    assert page.status_code == 404
    assert "Lucia" not in page.text and "Moreno" not in page.text


def test_outcomes_report_by_site_and_track_with_charts(late_patient, clinician):
    page = clinician.get("/outcomes?site=riverside&track=depression")
    assert page.status_code == 200 and "<h1>Outcomes</h1>" in page.text
    assert re.search(r'<th scope="row">Riverside[^<]* · Depression</th>\s*<td>[1-9]', page.text), page.text
    assert page.text.count('role="img"') >= 2
    assert 'id="chart-completion"' in page.text and 'id="chart-attendance"' in page.text
    refused = clinician.get("/outcomes?from=2026-02-01&to=2026-01-01")
    assert refused.status_code == 422 and "to:" in refused.text


def test_the_chart_in_spanish(late_patient, clinician):
    patient_id, _ = late_patient
    page = clinician.get(f"/patients/{patient_id}?lang=es")
    assert '<html lang="es">' in page.text
    assert "Evaluaciones" in page.text and "Registrar evaluación" in page.text
    assert "Ítem 9" in page.text and "Totales de PHQ-9 en el tiempo" in page.text
