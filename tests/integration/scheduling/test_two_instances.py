"""Two scheduling containers on one queue and one database book each patient exactly once."""
from collections import Counter

from tests.integration.scheduling.clinic import BOOKINGS_PER_ENROLLMENT, enroll, open_clinic, start_scheduling
from tests.support.events import publish_event
from tests.unit.event_examples import example

PATIENTS = 6
SEATS = 4


def test_two_instances_book_each_patient_once(platform, events):
    first = start_scheduling(platform)
    start_scheduling(platform)
    clinic = open_clinic(first, capacity=SEATS)

    enrolled = [enroll(platform) for _ in range(PATIENTS)]
    for data in enrolled:
        # Intake publishing again (another event id), and a redelivery of that very event.
        again = example("PatientEnrolled", **data)
        envelope = publish_event(platform.amqp_uri, "PatientEnrolled", again, site_id="riverside")
        publish_event(platform.amqp_uri, "PatientEnrolled", again, site_id="riverside",
                      event_id=envelope["id"])

    # Four patients get the group's seats, two wait; everyone gets education and therapy.
    expected = SEATS * BOOKINGS_PER_ENROLLMENT + (PATIENTS - SEATS) * (BOOKINGS_PER_ENROLLMENT - 6)
    events.wait_for("SessionScheduled", count=expected, timeout=30)
    events.wait_for("PatientWaitlisted", count=PATIENTS - SEATS)
    received = events.drain(quiet_for=1.0)

    # Delivery is at least once (the two relays may both send a row on SQLite), so count facts
    # by event id; the bookings themselves must be unique per patient and session.
    scheduled = {e["id"]: e["data"] for e in received if e["type"] == "SessionScheduled"}
    assert len(scheduled) == expected
    assert max(Counter((d["patient_id"], d["session_id"]) for d in scheduled.values()).values()) == 1
    waitlisted = {e["id"]: e["data"]["position"] for e in received if e["type"] == "PatientWaitlisted"}
    assert sorted(waitlisted.values()) == [1, 2]
    assert first.get(f"/group-series/{clinic['group']['series_id']}").json()["seats_taken"] == SEATS
    for data in enrolled:
        sessions = first.get(f"/patients/{data['patient_id']}/schedule").json()["sessions"]
        assert len(sessions) in (BOOKINGS_PER_ENROLLMENT, BOOKINGS_PER_ENROLLMENT - 6)
        assert len({s["session_id"] for s in sessions}) == len(sessions)
