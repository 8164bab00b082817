"""Which substance-use screens of PatientEnrolled were positive (config `instruments`)."""
import pytest

from services.outcomes.domain.episodes import screened_positive
from shared.clinical import load_clinical_rules

INSTRUMENTS = load_clinical_rules().instruments


@pytest.mark.parametrize("screening, expected", [
    ({"phq9": 12, "gad7": 9}, []),
    ({"audit_c": 5, "audit_c_positive": True}, ["audit_c"]),
    # Intake decided by the sex-specific cut point: its word stands over the total.
    ({"audit_c": 3, "audit_c_positive": False}, []),
    ({"audit_c": 4, "audit_c_positive": True}, ["audit_c"]),
    # No flag: the cut point for sex not recorded, 3 (Bradley 2007).
    ({"audit_c": 3, "audit_c_positive": None}, ["audit_c"]),
    ({"audit_c": 2}, []),
    # DAST-10 positive from 3 (Skinner 1982 moderate band).
    ({"dast10": 2}, []),
    ({"dast10": 3}, ["dast10"]),
    ({"audit_c": 6, "audit_c_positive": True, "dast10": 9}, ["audit_c", "dast10"]),
    ({"audit_c": None, "dast10": None}, []),
])
def test_screened_positive(screening, expected):
    assert screened_positive(INSTRUMENTS, screening) == expected
