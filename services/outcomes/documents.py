"""The discharge summary as a PDF (fpdf2, pure Python; its core fonts, so Latin-1 text).

Layout only: every figure comes from domain.discharge_summary.DischargeSummary.
"""
from __future__ import annotations

from fpdf import FPDF

from services.outcomes.domain.discharge_summary import TITLE, DischargeSummary

BLANK = "-"


_PLAIN = str.maketrans({"\u2014": "-", "\u2013": "-", "\u2018": "'", "\u2019": "'",
                        "\u201c": '"', "\u201d": '"', "\u2026": "..."})


def _latin1(text) -> str:
    """The core fonts cover Latin-1: typographic dashes and quotes become plain ones, anything
    else outside it a "?", never an error."""
    return str(text).translate(_PLAIN).encode("latin-1", "replace").decode("latin-1")


def _number(value) -> str:
    return BLANK if value is None else (f"{value:+d}" if isinstance(value, int) and value else str(value))


class _Document(FPDF):
    def header(self):
        self.set_font("Helvetica", "B", 14)
        self.cell(0, 8, _latin1(TITLE), new_x="LMARGIN", new_y="NEXT")
        self.set_font("Helvetica", "", 8)
        self.cell(0, 5, "LOINC 18842-5 Discharge summary. Confidential health information.",
                  new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def footer(self):
        self.set_y(-12)
        self.set_font("Helvetica", "", 8)
        self.cell(0, 5, f"Page {self.page_no()}", align="C")


def render_pdf(summary: DischargeSummary) -> bytes:
    pdf = _Document(format="Letter")
    pdf.set_title(TITLE)
    pdf.set_creator("IOP platform")
    pdf.add_page()

    def heading(text):
        pdf.ln(2)
        pdf.set_font("Helvetica", "B", 11)
        pdf.cell(0, 7, _latin1(text), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 10)

    def field(label, value):
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(48, 6, _latin1(label))
        pdf.set_font("Helvetica", "", 10)
        pdf.multi_cell(0, 6, _latin1(value), new_x="LMARGIN", new_y="NEXT")

    heading("Patient")
    field("Name", summary.patient_name)
    field("Date of birth", summary.birth_date)
    field("Patient id", summary.patient_id)
    if summary.referrer:
        referrer = summary.referrer
        heading("Referred by")
        field("Provider", referrer["name"])
        if referrer.get("organization"):
            field("Organization", referrer["organization"])
        if referrer.get("npi"):
            field("NPI", referrer["npi"])

    heading("Program")
    field("Program", f"Intensive outpatient program, {summary.track_text} track")
    field("Site", summary.site_name)
    field("Start date", summary.start_date)
    field("Discharge date", summary.ended_on)
    field("Discharge reason", summary.reason_text)
    field("Attendance", summary.attendance_text)

    heading("Measures (baseline to final)")
    widths = (62, 24, 20, 20, 60)
    pdf.set_font("Helvetica", "B", 9)
    for width, title in zip(widths, ("Measure", "Baseline", "Final", "Change", "Reliable change")):
        pdf.cell(width, 6, title, border=1)
    pdf.ln()
    pdf.set_font("Helvetica", "", 9)
    for row in summary.measures:
        cells = (row.name, BLANK if row.baseline is None else str(row.baseline), str(row.final),
                 _number(row.change), row.reliable_change_text)
        for width, value in zip(widths, cells):
            pdf.cell(width, 6, _latin1(value), border=1)
        pdf.ln()
    if not summary.measures:
        pdf.cell(0, 6, "No measure was repeated during the program.", new_x="LMARGIN", new_y="NEXT")

    heading("Aftercare plan")
    aftercare = summary.aftercare
    if aftercare:
        field("Plan", aftercare["plan"])
        if aftercare.get("provider"):
            field("Continuing care", aftercare["provider"])
        if aftercare.get("first_appointment_on"):
            field("First appointment", aftercare["first_appointment_on"])
    else:
        pdf.cell(0, 6, "None recorded at discharge.", new_x="LMARGIN", new_y="NEXT")

    pdf.ln(4)
    pdf.set_font("Helvetica", "", 8)
    pdf.multi_cell(0, 4, _latin1(
        f"Enrollment {summary.enrollment_id}. Figures as computed {summary.computed_at}. "
        "Reliable change uses each instrument's reliable change index; change is final minus "
        "baseline."), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
