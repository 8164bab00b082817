"""The staff console in headless Chromium against the whole platform (issue 13's "Done when").

A facilitator signs in through the provider's form, marks last Monday's group (both patients
entered late, so the session is one of their held sessions) and sees SessionAttended reach a
subscriber (and marks another group in a browser that runs no script); writes and signs the
group note and finds it on both attendees' charts, each with only their own part, then amends
it; adds a walk-in to a session's roster and marks her; records a PHQ-9 with item 9 answered,
which the on-call clinician finds in the Alerts inbox and acknowledges; a coordinator refers and
enrolls a patient late through the console, and that patient's past session is marked; a
clinician of another site sees none of it; the outcomes report counts a completed program. Every
page is checked with axe-core (no violation of any impact) and screenshotted into docs/console/.
The tests share one platform and run in file order.
"""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

from demo.launch import wait_until
from tests.browser.clinic import GAD7, PHQ9, PLAN, SITE, SITE_NAME, WAIT, ZONE
from tests.support.browser import TABLET_LANDSCAPE, TABLET_PORTRAIT, assert_console_page, screenshot

FACILITATOR, CLINICIAN, COORDINATOR = "riverside-facilitator", "riverside-clinician", "riverside-coordinator"
SHARED = "Group practised behavioural activation; each planned two pleasant activities."
OWN = {"Ada": "Ada set a walking goal for the mornings.",
       "Ben": "Ben spoke about returning to the workshop."}
PLAN_LABELS = {"Group sessions a week": "group_sessions_per_week",
               "Individual sessions a week": "individual_sessions_per_week",
               "Family sessions a month": "family_sessions_per_month",
               "Psychoeducation sessions a week": "education_sessions_per_week"}


def of_session(session_id, patient_id=None):
    return lambda e: e["data"].get("session_id") == session_id and (
        patient_id is None or e["data"].get("patient_id") == patient_id)


def test_sign_in_through_the_provider_lands_on_today(chromium, console_run, clinic):
    page = chromium.context().new_page()
    page.goto(console_run.url + "/")
    assert page.get_by_role("heading", level=1).inner_text() == "Sign in"
    assert_console_page(page)
    screenshot(page, "sign-in")

    page.get_by_role("link", name="Sign in").click()
    assert page.url.startswith(console_run.provider.issuer)  # the provider's own form
    page.get_by_label("Username").fill(FACILITATOR)
    page.get_by_label("Password").fill("dev-password")
    page.get_by_role("button", name="Sign in").click()

    page.wait_for_url(re.compile(re.escape(console_run.url) + r"/today"))
    assert page.get_by_role("heading", level=1).inner_text() == f"Today at {SITE_NAME}"
    assert page.get_by_text("Frankie Facilitator").is_visible()
    for link in ("Today", "Refer", "Alerts", "Outcomes"):
        assert page.get_by_role("navigation", name="Main").get_by_role("link", name=link).is_visible()
    assert page.get_by_role("button", name="Sign out").is_visible()
    chromium.close_contexts()


def test_today_shows_the_days_sessions_with_their_rosters_on_a_tablet(people, console_run, clinic):
    page = people(FACILITATOR, viewport=TABLET_LANDSCAPE)
    page.goto(f"{console_run.url}/today?site={SITE}&date={clinic.start.isoformat()}")

    session = page.locator("article.session").filter(
        has=page.get_by_role("link", name=re.compile(r"^09:00"))).first
    for patient in clinic.patients:
        assert session.get_by_text(patient.name).is_visible()
    assert page.get_by_role("heading", name="Census by track").is_visible()
    assert_console_page(page)
    no_sideways_scroll(page)
    screenshot(page, "today")

    # By keyboard: the first Tab reaches the skip link, shown with a visible focus ring; Enter
    # moves focus to the main content.
    page.keyboard.press("Tab")
    focused = page.evaluate("() => [document.activeElement.textContent.trim(),"
                            " getComputedStyle(document.activeElement).outlineStyle]")
    assert focused == ["Skip to main content", "solid"], focused
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"


def test_the_spanish_interface(people, console_run, clinic):
    page = people(FACILITATOR)
    page.goto(f"{console_run.url}/today?site={SITE}&date={clinic.start.isoformat()}&lang=es")
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.get_by_role("heading", level=1).inner_text() == f"Hoy en {SITE_NAME}"
    assert page.get_by_role("button", name="Cerrar sesión").is_visible()
    assert_console_page(page)
    page.goto(f"{console_run.url}/today?site={SITE}&date={clinic.start.isoformat()}")  # kept
    assert page.locator("html").get_attribute("lang") == "es"
    screenshot(page, "today-es")


def test_the_facilitator_marks_the_whole_group_and_session_attended_reaches_a_subscriber(
        people, console_run, clinic, events):
    page = people(FACILITATOR, viewport=TABLET_PORTRAIT)
    page.goto(f"{console_run.url}/today?site={SITE}&date={clinic.start.isoformat()}")
    page.get_by_role("link", name=re.compile(r"^09:00")).first.click()
    page.wait_for_url(f"**/sessions/{clinic.group_session_id}")
    assert page.get_by_role("heading", level=1).is_visible(), page.content()[:2000]
    assert_console_page(page)
    no_sideways_scroll(page)

    ada, ben = clinic.patients
    for patient, minutes in ((ada, "180"), (ben, "150")):
        row = page.get_by_role("group", name=patient.name)
        row.get_by_label("Attended").check()
        row.get_by_label("Minutes").fill(minutes)
    submit(page, "Save attendance", "done=attendance")

    for patient, minutes in ((ada, 180), (ben, 150)):
        (event,) = events.wait_for("SessionAttended", timeout=WAIT,
                                   where=of_session(clinic.group_session_id, patient.patient_id))
        assert (event["data"]["enrollment_id"], event["data"]["attended_minutes"]) == (
            patient.enrollment_id, minutes)
        assert patient.given_name not in json.dumps(event)  # ids only, never a name
    # The form shows what was saved: each row's mark, checked.
    page.reload()
    for patient in (ada, ben):
        assert page.get_by_role("group", name=patient.name).get_by_label("Attended").is_checked()
    assert_console_page(page)
    screenshot(page, "session")


def test_the_roster_form_works_without_javascript(people, console_run, clinic, events):
    """Wednesday's group, marked by a browser that runs no script: one attended, one absent."""
    page = people(FACILITATOR, javascript=False)
    wednesday = clinic.start + timedelta(days=2)
    page.goto(f"{console_run.url}/today?site={SITE}&date={wednesday.isoformat()}")
    page.get_by_role("link", name=re.compile(r"^09:00")).first.click()
    page.wait_for_url("**/sessions/*")
    session_id = page.url.rsplit("/", 1)[-1].split("?")[0]
    ada, ben = clinic.patients
    ada_row, ben_row = (page.get_by_role("group", name=p.name) for p in (ada, ben))
    ada_row.get_by_label("Attended").check()
    ada_row.get_by_label("Minutes").fill("175")
    ben_row.get_by_label("Absent").check()
    submit(page, "Save attendance", "done=attendance")

    (attended,) = events.wait_for("SessionAttended", timeout=WAIT,
                                  where=of_session(session_id, ada.patient_id))
    assert attended["data"]["attended_minutes"] == 175
    events.wait_for("SessionMissed", timeout=WAIT, where=of_session(session_id, ben.patient_id))
    assert page.get_by_role("group", name=ben.name).get_by_label("Absent").is_checked()


def test_the_group_note_is_written_once_signed_and_filed_to_each_attendees_chart(
        people, console_run, clinic, events):
    page = people(FACILITATOR)
    page.goto(f"{console_run.url}/sessions/{clinic.group_session_id}")
    page.get_by_label("Shared note").fill(SHARED)
    for patient in clinic.patients:
        page.get_by_label(f"Note for {patient.name}").fill(OWN[patient.given_name])
    submit(page, "Save draft", "done=draft")
    assert page.get_by_label("Shared note").input_value() == SHARED  # the draft is kept
    submit(page, "Sign note", "done=signed")

    (signed,) = events.wait_for("GroupNoteSigned", where=of_session(clinic.group_session_id),
                                timeout=WAIT)
    assert "behavioural" not in json.dumps(signed)  # the note's text never rides an event
    assert page.get_by_role("button", name="Amend note").is_visible()  # signed: locked, amendable
    assert_console_page(page)
    screenshot(page, "session-note")

    for patient in clinic.patients:
        other = next(p for p in clinic.patients if p is not patient)
        page.goto(f"{console_run.url}/patients/{patient.patient_id}")
        notes = page.locator("section").filter(
            has=page.get_by_role("heading", name="Group notes", exact=True))
        assert notes.get_by_text(SHARED).is_visible()
        assert notes.get_by_text(OWN[patient.given_name]).is_visible()
        assert OWN[other.given_name] not in page.content()  # another patient's part, never

    # An amendment is a new version, signed; the old one is kept and listed.
    ada, ben = clinic.patients
    amended = "Ada set a walking goal for the mornings and a call with her sister on Sundays."
    page.goto(f"{console_run.url}/sessions/{clinic.group_session_id}")
    page.get_by_label("Amendment reason").fill("Ada's second goal was left out")
    page.get_by_label(f"Note for {ada.name}").fill(amended)
    submit(page, "Amend note", "done=amended")
    versions = page.locator("section#note").inner_text()
    assert "Version 1" in versions and "Version 2" in versions, versions
    page.goto(f"{console_run.url}/patients/{ada.patient_id}")
    assert page.get_by_text(amended).first.is_visible()
    page.goto(f"{console_run.url}/patients/{ben.patient_id}")
    assert amended not in page.content() and OWN["Ben"] in page.content()


def test_a_walk_in_is_added_to_a_sessions_roster_and_marked(people, console_run, clinic, events):
    ada = clinic.patients[0]
    thursday = clinic.start + timedelta(days=3)
    page = people(FACILITATOR)
    page.goto(f"{console_run.url}/today?site={SITE}&date={thursday.isoformat()}")
    page.get_by_role("link", name=re.compile(r"^09:00.*MBSR")).click()
    page.wait_for_url("**/sessions/*")
    session_id = page.url.rsplit("/", 1)[-1].split("?")[0]
    assert page.get_by_text("Nobody is booked on this session.").is_visible()

    page.get_by_role("link", name="Find a patient to add").click()  # the site's candidates
    page.get_by_label("Patient", exact=True).select_option(f"{ada.patient_id}:{ada.enrollment_id}")
    submit(page, "Add to roster", "done=walk_in")
    row = page.get_by_role("group", name=ada.name)
    row.get_by_label("Attended").check()
    row.get_by_label("Minutes").fill("120")
    submit(page, "Save attendance", "done=attendance")

    (attended,) = events.wait_for("SessionAttended", timeout=WAIT,
                                  where=of_session(session_id, ada.patient_id))
    assert (attended["data"]["enrollment_id"], attended["data"]["attended_minutes"]) == (
        ada.enrollment_id, 120)
    assert_console_page(page)


def test_an_item_9_answer_reaches_the_on_call_clinicians_inbox_and_is_acknowledged(
        people, console_run, clinic, events, mailbox, running):
    ada = clinic.patients[0]
    page = people(FACILITATOR)
    page.goto(f"{console_run.url}/patients/{ada.patient_id}")
    page.get_by_label("Instrument").select_option("phq9")
    for number, answer in enumerate([1, 1, 1, 1, 1, 1, 1, 1, 2], start=1):
        page.get_by_label(f"Item {number}", exact=True).fill(str(answer))
    submit(page, "Record assessment", "?recorded=")
    assert page.get_by_role("status").get_by_text("PHQ-9 recorded.").is_visible()

    flag = events.wait_for("RiskFlagRaised", timeout=WAIT,
                           where=lambda e: e["data"]["patient_id"] == ada.patient_id)[0]["data"]
    assert (flag["level"], flag["reason"]) == ("high", "phq9_item9")
    alerted = events.wait_for("CareTeamAlerted", timeout=WAIT, where=lambda e: e["data"]["patient_id"]
                              == ada.patient_id and e["data"]["reason"] == "risk")[0]["data"]
    wait_until(lambda: "dana.reyes@clinic.test" in mailbox.recipients, timeout=WAIT,
               message="the on-call therapist got no email")
    assert_console_page(page)
    screenshot(page, "patient")

    # The on-call clinician's inbox: the care-team alert of the flag, acknowledged with a note.
    alert_id = alerted["alert_id"]
    inbox = people(CLINICIAN)
    inbox.get_by_role("navigation", name="Main").get_by_role("link", name="Alerts").click()
    inbox.wait_for_url("**/alerts**")
    alert = inbox.get_by_role("article").filter(
        has=inbox.locator(f'form[action="/alerts/{alert_id}/acknowledge"]'))
    assert ada.name in alert.get_by_role("heading").inner_text()
    assert_console_page(inbox)
    screenshot(inbox, "alerts")
    note = "Called Ada; safety plan reviewed, seen today."
    alert.get_by_label("Acknowledgement note").fill(note)
    alert.get_by_role("button", name="Acknowledge").click()
    inbox.wait_for_url(re.compile(r"done=acknowledged"))

    assert inbox.locator(f'form[action="/alerts/{alert_id}/acknowledge"]').count() == 0
    assert inbox.get_by_text(note).is_visible()  # listed with the acknowledged, with its note
    acknowledged = running["notifications"].get("/alerts?status=acknowledged").json()["alerts"]
    (mine,) = [a for a in acknowledged if a["id"] == alert_id]
    assert (mine["acknowledgement_note"], mine["acknowledged_by"]) == (
        note, "Riley Clinician <riverside-clinician>")


def test_a_late_enrollment_through_the_console_and_its_past_session_marked(
        people, console_run, clinic, events):
    page = people(COORDINATOR)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Refer").click()
    page.wait_for_url("**/refer")
    assert_console_page(page)
    screenshot(page, "refer")
    page.get_by_label("Referred on").fill((clinic.start - timedelta(days=7)).isoformat())
    page.get_by_label("Given name").fill("Cleo")
    page.get_by_label("Family name").fill("Marchetti")
    page.get_by_label("Date of birth").fill("1979-09-30")
    page.get_by_label("Email", exact=True).fill("cleo@patient.test")
    page.get_by_label("Phone", exact=True).fill("+15555550142")
    for number, answer in enumerate(PHQ9, start=1):
        page.get_by_label(f"PHQ-9 item {number}", exact=True).fill(str(answer))
    for number, answer in enumerate(GAD7, start=1):
        page.get_by_label(f"GAD-7 item {number}", exact=True).fill(str(answer))
    page.get_by_label("Consents to treatment").check()
    page.get_by_label("Consents to email messages").check()
    page.get_by_role("button", name="Refer", exact=True).click()
    page.wait_for_url("**/referrals/*")

    assert page.get_by_role("heading", name="Triage result").is_visible()
    assert_console_page(page)
    screenshot(page, "referral")
    page.get_by_label("Track").select_option("depression")
    page.get_by_label("Start date").fill(clinic.start.isoformat())  # last Monday: a late entry
    page.get_by_label("Planned weeks").fill("6")
    for label, value in PLAN_LABELS.items():
        page.get_by_label(label).fill(str(PLAN[value]))
    page.get_by_role("button", name="Enroll", exact=True).click()
    page.wait_for_url("**/patients/*")  # enrolled: on to the patient's chart
    patient_id = page.url.rsplit("/", 1)[-1].split("?")[0]
    enrolled = events.wait_for("PatientEnrolled", timeout=WAIT,
                               where=lambda e: e["data"]["patient_id"] == patient_id)[0]["data"]
    assert enrolled["start_date"] == clinic.start.isoformat()

    # Scheduling booked the held sessions: last Monday's group is on Cleo's schedule, to mark.
    def booked():
        page.reload()
        return page.locator(f'a[href="/sessions/{clinic.group_session_id}"]').count() > 0

    wait_until(booked, timeout=WAIT, interval=1, message="the held session is not on the chart")
    page.locator(f'a[href="/sessions/{clinic.group_session_id}"]').first.click()
    page.wait_for_url(f"**/sessions/{clinic.group_session_id}")
    row = page.get_by_role("group", name="Cleo Marchetti")
    row.get_by_label("Attended").check()
    row.get_by_label("Minutes").fill("120")
    submit(page, "Save attendance", "done=attendance")

    (attended,) = events.wait_for("SessionAttended", timeout=WAIT,
                                  where=of_session(clinic.group_session_id, patient_id))
    assert (attended["data"]["enrollment_id"], attended["data"]["attended_minutes"]) == (
        enrolled["enrollment_id"], 120)
    # On Cleo's chart: the session marked, and counted once intake has heard of it.
    row = f'tr:has(a[href="/sessions/{clinic.group_session_id}"])'

    def counted():
        page.goto(f"{console_run.url}/patients/{patient_id}")
        return "1 attended, 0 missed, 0 excused" in page.locator("main").inner_text()

    wait_until(counted, timeout=WAIT, interval=1, message="the marked session is not counted")
    assert "Attended (120 min)" in page.locator(row).first.inner_text()


def test_another_sites_clinician_sees_nothing_of_riverside(people, console_run, clinic):
    page = people("lakeside-clinician")
    for patient in clinic.patients:
        response = page.goto(f"{console_run.url}/patients/{patient.patient_id}")
        assert response.status in (403, 404), response.status
        assert patient.family_name not in page.content()
        assert_console_page(page)
    for path in (f"/today?site={SITE}&date={clinic.start.isoformat()}", "/alerts",
                 f"/sessions/{clinic.group_session_id}"):
        page.goto(console_run.url + path)
        assert not any(p.family_name in page.content() for p in clinic.patients), path


def test_the_outcomes_report(people, console_run, clinic, running):
    # Ada's program ends today, completed on a clinician's judgement (the override).
    ada = clinic.patients[0]
    discharged = running["intake"].post(f"/enrollments/{ada.enrollment_id}/discharge", {
        "reason": "completed", "on": datetime.now(ZONE).date().isoformat(),
        "override_reason": "Goals met early; continues in aftercare."})
    assert discharged.status_code == 200, discharged.text

    page = people(CLINICIAN, viewport=TABLET_LANDSCAPE)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Outcomes").click()
    page.wait_for_url("**/outcomes**")
    row = page.get_by_role("row", name=re.compile(f"^{SITE_NAME} · Depression"))

    def ended():
        page.goto(f"{console_run.url}/outcomes?site={SITE}&track=depression")
        cells = row.get_by_role("cell").all_inner_texts()
        return cells[1:3] == ["1", "1"] and cells  # ended, completed

    cells = wait_until(ended, timeout=WAIT, interval=1, message="the report does not count Ada")
    assert cells[0] == str(len(clinic.patients) + 1)  # enrolled: Ada, Ben and Cleo
    assert page.locator("figure svg").count() >= 2  # the report's charts, drawn on the server
    assert_console_page(page)
    no_sideways_scroll(page)
    screenshot(page, "outcomes")


def no_sideways_scroll(page) -> None:
    """Usable on a tablet: the page fits the viewport's width (no horizontal scrolling)."""
    width = page.evaluate("() => document.documentElement.scrollWidth")
    viewport = page.viewport_size["width"]
    assert width <= viewport, f"{page.url} is {width}px wide in a {viewport}px viewport"


def submit(page, button: str, landing: str) -> None:
    """Press a form's button and wait for the page it redirects to (post/redirect/get)."""
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_url(re.compile(re.escape(landing)))
