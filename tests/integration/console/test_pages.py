"""The Today, Session and Alerts pages over the running platform, signed in through the real
provider as the clinic's staff: what each page shows, what its forms change in the services, and
that another site's staff see none of it."""
import json
import re
from datetime import datetime, timedelta, timezone
from html import unescape

from tests.integration.console.clinic import RIVERSIDE, WAIT, created, of_patient

ITEM9 = [1, 1, 1, 1, 1, 1, 1, 1, 2]  # item 9 answered 2: a high risk flag


def text_of(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def section(html: str, heading_id: str) -> str:
    start = html.index(f'id="{heading_id}"')
    return html[start:html.index("</section>", start)]


def test_today_shows_the_days_sessions_rosters_census_waitlist_and_open_alerts(clinic, console_run, running):
    people, session = clinic["people"], clinic["session"]
    browser = console_run.browser("riverside-coordinator")
    day = datetime.fromisoformat(session["starts_at"]).astimezone(RIVERSIDE).date()

    page = browser.get(f"/today?site=riverside&date={day.isoformat()}")

    assert page.status_code == 200, page.text
    sessions = section(page.text, "sessions-heading")
    assert f'href="/sessions/{session["session_id"]}"' in sessions
    assert "09:00–12:00 · Group · CBT group" in text_of(sessions)  # in the site's zone
    assert "Ada Okafor" in sessions and "Bea Okafor" in sessions and "Cleo Okafor" not in sessions
    census = text_of(section(page.text, "census-heading"))
    assert "Depression 2 3 0" in census and "Trauma 1 1 1" in census  # enrolled, seats, waiting
    assert "Lena" not in page.text  # lakeside's patient

    # The trauma group's day: its one seat taken, Uma waiting.
    tom = created(console_run.platform["scheduling"].get(
        f"/patients/{people['Tom']['patient_id']}/schedule"), 200)["sessions"]
    trauma = next(s for s in tom if s["modality"] == "trauma_group")
    trauma_day = datetime.fromisoformat(trauma["starts_at"]).astimezone(RIVERSIDE).date()
    page = browser.get(f"/today?site=riverside&date={trauma_day.isoformat()}")
    card = page.text[page.text.index(f'id="session-{trauma["session_id"]}"'):]
    assert "1 of 1 booked · 1 waiting" in text_of(card[:card.index("</article>")])
    assert "Tom Okafor" in card[:card.index("</article>")]


def test_a_facilitator_marks_the_whole_group_in_one_form_and_the_events_go_out(clinic, console_run):
    people, session = clinic["people"], clinic["session"]
    events = clinic["events"]
    browser = console_run.browser("riverside-facilitator")
    path = f"/sessions/{session['session_id']}"
    page = browser.get(path)
    assert page.status_code == 200, page.text
    roster = section(page.text, "roster-heading")
    assert roster.count('<form method="post"') == 1  # one form for the whole group
    assert f'href="{path}?add=1#walk-in"' in roster
    for name in ("Ada Okafor", "Bea Okafor"):
        assert f"<legend>{name}</legend>" in roster
    for label in ("Attended", "Absent", "Excused"):
        assert f"> {label}</label>" in roster
    assert '<button type="submit">Save attendance</button>' in roster
    ada, bea = people["Ada"]["patient_id"], people["Bea"]["patient_id"]

    # Without the CSRF token: refused, nothing recorded.
    refused = browser.post(f"{path}/attendance", {f"status-{ada}": "attended", f"minutes-{ada}": "170"},
                           csrf=False)
    assert refused.status_code == 403
    assert all(b["attendance"] is None for b in running_session(clinic, console_run)["bookings"])

    # Attended without minutes: the page again with the error beside Ada's minutes, nothing saved.
    browser.get(path)
    bad = browser.post(f"{path}/attendance", {f"status-{ada}": "attended", f"minutes-{ada}": "",
                                              f"status-{bea}": "absent", f"minutes-{bea}": "180"})
    assert bad.status_code == 422 and f'id="minutes-{ada}-error"' in bad.text
    assert 'checked' in bad.text  # what was chosen is kept

    saved = browser.post(f"{path}/attendance", {f"status-{ada}": "attended", f"minutes-{ada}": "170",
                                                f"status-{bea}": "absent", f"minutes-{bea}": "180"})
    assert saved.status_code == 200 and saved.url.endswith("?done=attendance#roster")
    assert "Attendance saved." in saved.text
    attended = events.wait_for("SessionAttended", where=of_patient(ada), timeout=WAIT)
    assert attended[0]["data"]["session_id"] == session["session_id"]
    assert "Okafor" not in json.dumps(attended)  # events carry ids only
    events.wait_for("SessionMissed", where=of_patient(bea), timeout=WAIT)
    marks = {b["patient_id"]: b["attendance"] for b in running_session(clinic, console_run)["bookings"]}
    assert (marks[ada]["status"], marks[ada]["attended_minutes"]) == ("attended", 170)
    assert marks[bea]["status"] == "absent" and not marks[bea]["attended_minutes"]


def running_session(clinic, console_run):
    return created(console_run.platform["scheduling"].get(f"/sessions/{clinic['session']['session_id']}"), 200)


def test_a_walk_in_is_added_to_the_roster_and_marked(clinic, console_run):
    session, cleo = clinic["earlier_session"], clinic["people"]["Cleo"]
    browser = console_run.browser("riverside-coordinator")
    path = f"/sessions/{session['session_id']}"
    assert 'name="walk_in"' not in browser.get(path).text  # the site's records only when asked
    page = browser.get(f"{path}?add=1")
    choice = f'{cleo["patient_id"]}:{cleo["enrollment_id"]}'
    assert f'<option value="{choice}">Cleo Okafor (Anxiety)</option>' in page.text
    assert "Lena" not in page.text

    added = browser.post(f"{path}/roster", {"walk_in": choice})
    assert added.status_code == 200 and "Added to the roster." in added.text
    assert "<legend>Cleo Okafor</legend>" in added.text
    marked = browser.post(f"{path}/attendance", {f"status-{cleo['patient_id']}": "attended",
                                                 f"minutes-{cleo['patient_id']}": "180"})
    assert marked.status_code == 200, marked.text
    clinic["events"].wait_for("SessionAttended", where=lambda e: e["data"]["patient_id"] == cleo["patient_id"]
                              and e["data"]["session_id"] == session["session_id"], timeout=WAIT)


def test_the_group_note_is_drafted_signed_and_amended_with_each_attendees_part(clinic, console_run):
    people, session = clinic["people"], clinic["session"]
    ada, bea = people["Ada"]["patient_id"], people["Bea"]["patient_id"]
    browser = console_run.browser("riverside-facilitator")
    path = f"/sessions/{session['session_id']}"
    page = browser.get(path)
    note = section(page.text, "note-heading")
    assert 'for="shared_text">Shared note</label>' in note
    assert f'for="part-{ada}">Note for Ada Okafor</label>' in note
    assert f'for="part-{bea}">Note for Bea Okafor</label>' in note
    assert ">Save draft</button>" in note and ">Sign note</button>" in note

    draft = browser.post(f"{path}/note", {"shared_text": "Thought records; behavioural activation.",
                                          f"part-{ada}": "Ada led the check-in.", f"part-{bea}": ""})
    assert draft.status_code == 200 and "Draft saved." in draft.text
    assert "Thought records; behavioural activation.</textarea>" in draft.text
    signed = browser.post(f"{path}/note/sign", {"shared_text": "Thought records; behavioural activation.",
                                                f"part-{ada}": "Ada led the check-in.",
                                                f"part-{bea}": "Bea was absent; call planned."})
    assert signed.status_code == 200 and "Note signed." in signed.text
    assert ">Amend note</button>" in signed.text and ">Sign note</button>" not in signed.text
    clinic["events"].wait_for("GroupNoteSigned", where=lambda e: e["data"]["session_id"] == session["session_id"],
                              timeout=WAIT)

    scheduling = console_run.platform["scheduling"]
    ada_chart = created(scheduling.get(f"/patients/{ada}/notes"), 200)["notes"]
    bea_chart = created(scheduling.get(f"/patients/{bea}/notes"), 200)["notes"]
    assert [n["own_part"]["text"] for n in ada_chart] == ["Ada led the check-in."]
    assert [n["own_part"]["text"] for n in bea_chart] == ["Bea was absent; call planned."]

    missing_reason = browser.post(f"{path}/note/amend", {"reason": "", "shared_text": "x", f"part-{ada}": "y"})
    assert missing_reason.status_code == 422 and 'id="reason-error"' in missing_reason.text
    amended = browser.post(f"{path}/note/amend", {
        "reason": "Homework added", "shared_text": "Thought records; behavioural activation; homework.",
        f"part-{ada}": "Ada led the check-in.", f"part-{bea}": "Bea was absent; call planned."})
    assert amended.status_code == 200 and "Amendment signed." in amended.text
    assert "Version 2" in amended.text and "Homework added" in amended.text
    assert created(scheduling.get(f"/sessions/{session['session_id']}/note?version=1"), 200)[
        "shared_text"] == "Thought records; behavioural activation."

    # A coordinator reads the signed note but writes none (clinicians write notes).
    coordinator = console_run.browser("riverside-coordinator").get(path)
    assert "Thought records; behavioural activation; homework." in coordinator.text
    assert ">Amend note</button>" not in coordinator.text


def test_a_risk_alert_reaches_the_inbox_by_level_and_is_acknowledged_with_a_note(clinic, console_run):
    ada = clinic["people"]["Ada"]
    outcomes = console_run.platform["outcomes"]
    created(outcomes.post("/assessments", {
        "patient_id": ada["patient_id"], "instrument": "phq9", "responses": ITEM9,
        "administered_at": (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat()}))
    alerted = clinic["events"].wait_for("CareTeamAlerted", where=of_patient(ada["patient_id"]), timeout=WAIT)
    alert_id = alerted[0]["data"]["alert_id"]

    browser = console_run.browser("riverside-clinician")
    inbox = browser.get("/alerts")
    assert inbox.status_code == 200 and "<h1>Alerts</h1>" in inbox.text
    high = section(inbox.text, "level-high")
    assert f'id="alert-{alert_id}"' in high and "Risk · Ada Okafor" in high
    assert f'<textarea id="note-{alert_id}" name="note"' in high
    assert 'Acknowledgement note</label>' in high and ">Acknowledge</button>" in high
    assert re.search(r"High: [1-9]", text_of(browser.get("/today").text))

    lakeside = console_run.browser("lakeside-clinician").get("/alerts")
    assert alert_id not in lakeside.text and "Ada" not in lakeside.text

    done = browser.post(f"/alerts/{alert_id}/acknowledge", {"note": "Called Ada; safety plan reviewed."})
    assert done.status_code == 200 and "Alert acknowledged." in done.text
    assert f'id="alert-{alert_id}"' not in done.text
    assert "Called Ada; safety plan reviewed." in section(done.text, "acknowledged-heading")
    [stored] = [a for a in created(console_run.platform["notifications"].get("/alerts?status=acknowledged"),
                                   200)["alerts"] if a["id"] == alert_id]
    assert stored["acknowledgement_note"] == "Called Ada; safety plan reviewed."
    assert stored["acknowledged_by"].startswith("Riley Clinician")


def test_another_sites_staff_see_none_of_it(clinic, console_run):
    session = clinic["session"]
    browser = console_run.browser("lakeside-clinician")
    today = browser.get("/today?site=riverside")  # not theirs: their own site instead
    assert "<h1>Today at Lakeside Clinic</h1>" in today.text
    assert "Riverside" not in today.text and "Ada" not in today.text
    other = browser.get(f"/sessions/{session['session_id']}")
    assert other.status_code == 404 and "Ada" not in other.text
    blocked = browser.post(f"/sessions/{session['session_id']}/attendance",
                           {f"status-{clinic['people']['Ada']['patient_id']}": "excused"})
    assert blocked.status_code == 404


def test_each_role_lands_on_its_page(clinic, console_run):
    for username, heading in (("riverside-coordinator", "Today at Riverside Clinic"),
                              ("riverside-facilitator", "Today at Riverside Clinic"),
                              ("harbor-clinician", "Today at Harbor Clinic"),
                              ("dev-admin", "Today at Harbor Clinic"),  # every site: the first
                              ("privacy-officer", "Alerts")):
        landed = console_run.browser(username).get("/")
        assert landed.status_code == 200, (username, landed.text)
        assert f"<h1>{heading}</h1>" in landed.text, username
    ops = console_run.browser("dev-ops").get("/today")
    assert ops.status_code == 403 and "<h1>Not allowed</h1>" in ops.text
