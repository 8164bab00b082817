"""Rules for series, attendance entries, cancelling and moving sessions, and site access."""
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest

from shared.errors import ActionForbidden, InvalidFields, RecordNotFound
from services.scheduling.domain.attendance import check_entries, check_recordable
from services.scheduling.domain.errors import SeriesKeepsItsTime, SessionNotOpen, TimeClash
from services.scheduling.domain.occurrences import Occurrence
from services.scheduling.domain.series import check_capacity, check_facilitator
from services.scheduling.domain.session_changes import check_cancellable, check_movable, moved_occurrence
from services.scheduling.domain.sites import require_visible_site
from shared.auth import Caller as KitCaller

NOW = datetime(2026, 3, 4, 12, tzinfo=timezone.utc)
PROGRAM = {"group_capacity_max": 12}


@dataclass
class Record:  # a session, booking, staff member or caller, by attribute as the rules read them
    status: str = "scheduled"
    starts_at: datetime = NOW + timedelta(days=1)
    ends_at: datetime = NOW + timedelta(days=1, minutes=50)
    series_id: str | None = None
    site_id: str = "riverside"
    roles: tuple = ("therapist",)


class Caller:
    def __init__(self, *sites):
        self.sites = set(sites)

    def sees(self, site_id):
        return site_id in self.sites


def errors_of(excinfo):
    return excinfo.value.errors


def test_group_psychotherapy_over_the_configured_maximum_names_the_capacity():
    with pytest.raises(InvalidFields) as refused:
        check_capacity("group", 13, PROGRAM)
    assert errors_of(refused) == {"capacity": ["Group psychotherapy holds at most 12 participants."]}


def test_education_may_exceed_the_group_maximum():
    assert check_capacity("education", 30, PROGRAM) is None and check_capacity("group", 12, PROGRAM) is None


@pytest.mark.parametrize("staff, message", [
    (None, "No staff member with this id at this site."),
    (Record(site_id="lakeside"), "No staff member with this id at this site."),
    (Record(roles=("on_call",)), "Needs the facilitator or therapist role.")])
def test_a_series_is_led_by_a_facilitator_or_therapist_of_its_site(staff, message):
    with pytest.raises(InvalidFields) as refused:
        check_facilitator(staff, "riverside")
    assert errors_of(refused) == {"facilitator_id": [message]}


def test_attendance_waits_for_the_session_to_start_and_not_for_a_cancelled_one():
    with pytest.raises(SessionNotOpen, match="has not started yet"):
        check_recordable(Record(), NOW)
    with pytest.raises(SessionNotOpen, match="was cancelled"):
        check_recordable(Record(status="cancelled", starts_at=NOW - timedelta(hours=1)), NOW)


def test_every_bad_attendance_entry_is_named_by_its_index():
    entries = [{"patient_id": "a", "attended_minutes": 60}, {"patient_id": "z"},
               {"patient_id": "a", "attended_minutes": 10}]
    with pytest.raises(InvalidFields) as refused:
        check_entries(entries, {"a"}, 50)
    assert errors_of(refused) == {"0.attended_minutes": ["The session lasts 50 minutes."],
                                  "1.patient_id": ["This patient is not booked on this session."],
                                  "2.patient_id": ["Listed more than once."]}


def test_a_started_or_cancelled_session_cannot_be_cancelled():
    with pytest.raises(SessionNotOpen, match="already cancelled"):
        check_cancellable(Record(status="cancelled"), NOW)
    with pytest.raises(SessionNotOpen, match="already started"):
        check_cancellable(Record(starts_at=NOW), NOW)


def test_a_group_booking_keeps_its_series_time_and_a_move_goes_to_the_future():
    with pytest.raises(SeriesKeepsItsTime):
        check_movable(Record(status="booked"), Record(series_id="s"), NOW + timedelta(days=2), NOW)
    with pytest.raises(InvalidFields) as refused:
        check_movable(Record(status="booked"), Record(), NOW - timedelta(hours=1), NOW)
    assert errors_of(refused) == {"starts_at": ["Must be in the future."]}


def test_a_moved_appointment_keeps_its_length_and_clashes_with_nobody():
    session = Record()
    later = NOW + timedelta(days=2)
    own = Occurrence(session.starts_at, session.ends_at)
    assert moved_occurrence(session, later, [own], []) == Occurrence(later, later + timedelta(minutes=50))
    with pytest.raises(TimeClash, match="patient"):
        moved_occurrence(session, later, [Occurrence(later, later + timedelta(hours=3))], [])
    with pytest.raises(TimeClash, match="therapist"):
        moved_occurrence(session, later, [], [Occurrence(later - timedelta(minutes=10), later + timedelta(minutes=5))])


def test_another_sites_key_may_neither_see_nor_act_for_the_site():
    with pytest.raises(RecordNotFound, match="Site not found."):
        require_visible_site("riverside", {"riverside"}, Caller("lakeside"))
    with pytest.raises(RecordNotFound):
        require_visible_site("atlantis", {"riverside"}, Caller("atlantis"))
    with pytest.raises(ActionForbidden) as refused:
        KitCaller("dev-lakeside", frozenset({"clinician"}), frozenset({"lakeside"})).require_site("riverside")
    assert errors_of(refused) == {"site_id": ["Not one of this key's sites."]}
