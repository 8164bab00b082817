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


BEFORE_INCOMPLETE = "5c1e7a9d2b40"
EPISODE = ("INSERT INTO episodes (enrollment_id, patient_id, site_id, track, age_band, start_date, "
           "planned_weeks, status, enrolled_at) VALUES ('e-1', 'p-1', 'riverside', 'depression', 'adult', "
           "'2026-01-05', 8, 'active', '2026-01-05 14:00:00+00:00')")
ASSESSMENT = ("INSERT INTO assessments (assessment_id, enrollment_id, patient_id, site_id, instrument, "
              "responses, total_score, severity, administered_at, recorded_at, recorded_by) VALUES "
              "('a-1', 'e-1', 'p-1', 'riverside', 'phq9', '[1,1,1,1,1,1,1,1,0]', 8, 'mild', "
              "'2026-01-12 15:00:00+00:00', '2026-01-12 15:00:00+00:00', 'admin')")


def test_upgrade_keeps_earlier_assessments_complete(tmp_path):
    url = f"sqlite:///{tmp_path / 'outcomes.db'}"
    upgrade("outcomes", url, BEFORE_INCOMPLETE)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(EPISODE))
        conn.execute(text(ASSESSMENT))

    upgrade("outcomes", url)

    with engine.connect() as conn:
        stored = conn.execute(text(
            "SELECT complete, total_score, referral_id, q6_within_3_months FROM assessments")).one()
    engine.dispose()
    assert tuple(stored) == (1, 8, None, None)
