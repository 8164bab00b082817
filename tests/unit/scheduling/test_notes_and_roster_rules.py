"""Rules of group notes, roster additions (make-up / walk-in) and late entry, as plain functions."""
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from shared.errors import InvalidFields
from services.scheduling.domain.errors import NotOnThisRoster, SessionNotOpen
from services.scheduling.domain.notes import (NoteNotAmendable, NoteNotSignable, NoteSigned,
                                              check_amendable, check_parts, check_signable,
                                              check_writable)
from services.scheduling.domain.program import bookable_from
from services.scheduling.domain.session_changes import check_roster_addition

NOW = datetime(2026, 3, 4, 18, tzinfo=timezone.utc)
NEW_YORK = ZoneInfo("America/New_York")
A, B, C = "a" * 8, "b" * 8, "c" * 8


@dataclass
class Record:
    status: str = "scheduled"
    starts_at: datetime = NOW - timedelta(hours=6)
    series_id: str | None = "series-1"
    site_id: str = "riverside"
    patient_id: str = A
    start_date: date = date(2026, 3, 2)


PERIOD = (datetime(2026, 3, 2, 5, tzinfo=timezone.utc), datetime(2026, 3, 16, 4, tzinfo=timezone.utc))


def test_each_part_names_a_booked_patient_once():
    check_parts([{"patient_id": A}, {"patient_id": B}], {A, B})
    with pytest.raises(InvalidFields) as refused:
        check_parts([{"patient_id": A}, {"patient_id": C}, {"patient_id": A}], {A, B})
    assert refused.value.errors == {"parts.1.patient_id": ["Not booked on this session."],
                                    "parts.2.patient_id": ["One part per patient."]}


def test_a_signed_note_is_locked_and_a_cancelled_session_takes_none():
    check_writable("scheduled", None)
    check_writable("scheduled", "draft")
    with pytest.raises(NoteSigned):
        check_writable("scheduled", "signed")
    with pytest.raises(SessionNotOpen, match="cancelled"):
        check_writable("cancelled", None)
    with pytest.raises(NoteNotSignable, match="appointment"):
        check_writable("scheduled", None, is_group=False)


def test_signing_needs_a_draft_of_a_session_that_has_started():
    check_signable("draft", NOW, NOW)
    for status, starts_at, error in ((None, NOW, NoteNotSignable), ("signed", NOW, NoteSigned),
                                     ("draft", NOW + timedelta(minutes=1), NoteNotSignable)):
        with pytest.raises(error):
            check_signable(status, starts_at, NOW)


def test_only_a_signed_note_is_amended():
    check_amendable("signed")
    for status in (None, "draft"):
        with pytest.raises(NoteNotAmendable):
            check_amendable(status)


def add(session=None, enrollment=None, patient_id=A, booked=3, capacity=12, already=False):
    check_roster_addition(session or Record(), enrollment if enrollment is not None else Record(status="active"),
                          patient_id, booked, capacity, already, PERIOD)


def test_a_roster_addition_takes_an_active_enrollment_of_the_patient_and_site():
    add()
    for enrollment, message in ((Record(status="active", patient_id=B), "Not this patient's"),
                                (Record(status="active", site_id="lakeside"), "another site"),
                                (Record(status="discharged"), "ended")):
        with pytest.raises(InvalidFields) as refused:
            add(enrollment=enrollment)
        assert message in refused.value.errors["enrollment_id"][0]
    with pytest.raises(InvalidFields):
        check_roster_addition(Record(), None, A, 0, 12, False, PERIOD)


def test_a_roster_addition_needs_a_held_group_session_with_room_in_the_program():
    with pytest.raises(SessionNotOpen):
        add(session=Record(status="cancelled"))
    with pytest.raises(NotOnThisRoster, match="appointment"):
        add(session=Record(series_id=None))
    with pytest.raises(NotOnThisRoster, match="already booked"):
        add(already=True)
    with pytest.raises(NotOnThisRoster, match="full"):
        add(booked=12)
    with pytest.raises(NotOnThisRoster, match="outside"):
        add(session=Record(starts_at=PERIOD[1]))
    add(booked=11)  # the last place


def test_a_late_enrollment_is_booked_from_its_first_day_otherwise_from_now():
    enrollment = Record()
    first_day = datetime(2026, 3, 2, 5, tzinfo=timezone.utc)  # local midnight in New York (EST)
    assert bookable_from(enrollment, NOW, NEW_YORK, book_past=True) == first_day
    assert bookable_from(enrollment, NOW, NEW_YORK) == NOW
    assert bookable_from(enrollment, first_day - timedelta(days=3), NEW_YORK) == first_day
