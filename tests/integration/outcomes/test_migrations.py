"""The attendance migration: rows stored as 'missed' before it read 'absent' after it."""
from sqlalchemy import create_engine, text

from shared.migrations import upgrade

BEFORE_ABSENT = "30aa2510bf4c"
ROW = ("INSERT INTO attendance (booking_id, enrollment_id, patient_id, site_id, status, starts_at) "
       "VALUES (:booking, :booking, :booking, 'riverside', :status, '2026-01-06 14:00:00+00:00')")


def test_upgrade_rewrites_missed_attendance_as_absent(tmp_path):
    url = f"sqlite:///{tmp_path / 'outcomes.db'}"
    upgrade("outcomes", url, BEFORE_ABSENT)
    engine = create_engine(url)
    with engine.begin() as conn:
        for booking, status in (("b-missed", "missed"), ("b-attended", "attended"),
                                ("b-excused", "excused")):
            conn.execute(text(ROW), {"booking": booking, "status": status})

    upgrade("outcomes", url)

    with engine.connect() as conn:
        stored = dict(conn.execute(text("SELECT booking_id, status FROM attendance")).all())
    engine.dispose()
    assert stored == {"b-missed": "absent", "b-attended": "attended", "b-excused": "excused"}
