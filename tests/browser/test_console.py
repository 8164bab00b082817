"""The staff console in headless Chromium against the whole platform (issue 13's "Done when").

A facilitator signs in through the provider's form, marks last Monday's group (both patients
entered late, so the session is one of their held sessions) and sees SessionAttended reach a
subscriber; writes and signs the group note and finds it on both attendees' charts, each with
only their own part; records a PHQ-9 with item 9 answered, which the on-call clinician finds in
the Alerts inbox and acknowledges; a coordinator refers and enrolls a patient late through the
console, and that patient's past session is marked. Every page is checked with axe-core and
screenshotted into docs/console/. The tests share one platform and run in file order.
"""
from __future__ import annotations

import json
import re

from demo.launch import wait_until
from tests.browser.clinic import SITE, SITE_NAME, WAIT, monday_weeks_ago
from tests.support.browser import TABLET_LANDSCAPE, TABLET_PORTRAIT, assert_accessible, screenshot

FACILITATOR, CLINICIAN, COORDINATOR = "riverside-facilitator", "riverside-clinician", "riverside-coordinator"


def of_session(session_id, patient_id=None):
    return lambda e: e["data"].get("session_id") == session_id and (
        patient_id is None or e["data"].get("patient_id") == patient_id)


def test_sign_in_through_the_provider_lands_on_today(chromium, console_run, clinic):
    page = chromium.context().new_page()
    page.goto(console_run.url + "/")
    assert page.get_by_role("heading", level=1).inner_text() == "Sign in"
    assert_accessible(page)
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
    assert_accessible(page)
    no_sideways_scroll(page)
    screenshot(page, "today")


def test_the_facilitator_marks_the_whole_group_and_session_attended_reaches_a_subscriber(
        people, console_run, clinic, events):
    page = people(FACILITATOR, viewport=TABLET_PORTRAIT)
    page.goto(f"{console_run.url}/today?site={SITE}&date={clinic.start.isoformat()}")
    page.get_by_role("link", name=re.compile(r"^09:00")).first.click()
    page.wait_for_url(f"**/sessions/{clinic.group_session_id}")
    assert_accessible(page)
    no_sideways_scroll(page)

    ada, ben = clinic.patients
    for patient, minutes in ((ada, "180"), (ben, "150")):
        row = page.get_by_role("group", name=patient.name)
        row.get_by_label("Attended").check()
        row.get_by_label("Minutes").fill(minutes)
    page.get_by_role("button", name="Save attendance").click()
    page.wait_for_load_state()

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
    screenshot(page, "session")


def no_sideways_scroll(page) -> None:
    """Usable on a tablet: the page fits the viewport's width (no horizontal scrolling)."""
    width = page.evaluate("() => document.documentElement.scrollWidth")
    viewport = page.viewport_size["width"]
    assert width <= viewport, f"{page.url} is {width}px wide in a {viewport}px viewport"
