"""The discharge summary assembled from the stored figures and intake's details, and its PDF."""
import io
from datetime import date
from types import SimpleNamespace

import pytest
from pypdf import PdfReader

from services.outcomes.documents import render_pdf
from services.outcomes.domain.discharge_summary import NotReady, assemble
from services.outcomes.domain.outcome_summary import Attendance, Measure

EPISODE = SimpleNamespace(enrollment_id="e-1", patient_id="p-1", site_id="riverside",
                          track="depression", status="completed", start_date=date(2026, 6, 1),
                          ended_on=date(2026, 7, 10))
DETAILS = {"given_name": "Ada", "family_name": "Okafor", "birth_date": "1988-02-11",
           "discharge": {"reason": "completed", "on": "2026-07-10"},
           "aftercare": {"plan": "Weekly CBT \u2014 eight weeks", "provider": "Northside",
                         "first_appointment_on": "2026-07-17"},
           "referrer": {"name": "Dr. Imani Cole", "organization": None, "npi": None}}
MEASURES = [Measure("phq9", 14, 5, -9, "improved", True, False),
            Measure("who5", None, 52, None, None, None, None)]


def text_of(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)


def test_the_pdf_shows_the_program_attendance_each_measure_and_the_aftercare():
    summary = assemble(EPISODE, Attendance(28 / 30, "sessions", 28, 30), MEASURES,
                       "2026-07-10T18:00:00+00:00", DETAILS, "Riverside Clinic")
    text = text_of(render_pdf(summary))
    for expected in ("Ada Okafor", "Depression track", "Riverside Clinic", "Start date 2026-06-01",
                     "Discharge date 2026-07-10", "Discharge reason Program completed",
                     "28 of 30 sessions attended, rate 0.93",
                     "PHQ-9 (depression) 14 5 -9 Reliably improved",
                     "WHO-5 (well-being) - 52 - Not defined / not measured",
                     "Weekly CBT - eight weeks", "First appointment 2026-07-17", "Dr. Imani Cole"):
        assert expected in text, (expected, text)


def test_no_summary_before_the_end_or_without_intakes_discharge():
    attendance = Attendance(1.0, "sessions", 1, 1)
    with pytest.raises(NotReady):
        assemble(SimpleNamespace(**{**vars(EPISODE), "ended_on": None}), attendance, [], "", DETAILS, "")
    with pytest.raises(NotReady):
        assemble(EPISODE, attendance, [], "", None, "")
