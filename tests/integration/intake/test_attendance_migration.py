"""The attendance projection's stored words follow shared.enums.ATTENDANCE_STATUSES."""
from datetime import datetime, timezone

from sqlalchemy import create_engine, text

from shared.migrations import upgrade

ROW = ("INSERT INTO session_outcomes (booking_id, enrollment_id, patient_id, session_id, kind, "
       "starts_at, status, recorded_at) VALUES (:booking, 'e', 'p', 's', 'group', :at, :status, :at)")


def test_rows_stored_as_missed_become_absent_and_the_others_stay(tmp_path):
    url = f"sqlite:///{tmp_path / 'intake.db'}"
    upgrade("intake", url, "bea1692124cb")  # before the vocabulary changed
    engine = create_engine(url)
    at = datetime(2026, 11, 10, 14, tzinfo=timezone.utc).isoformat()
    with engine.begin() as conn:
        for booking, status in (("b1", "missed"), ("b2", "excused"), ("b3", "attended")):
            conn.execute(text(ROW), {"booking": booking, "at": at, "status": status})

    upgrade("intake", url)

    with engine.connect() as conn:
        stored = dict(conn.execute(text("SELECT booking_id, status FROM session_outcomes")).all())
    engine.dispose()
    assert stored == {"b1": "absent", "b2": "excused", "b3": "attended"}
