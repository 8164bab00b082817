"""Standardised instruments: validation, scoring, change over time and screening triage.

The pure code lives in ``shared.scoring`` (an ``Instruments`` object holds the clinical rules it
was given; domain code imports it from there). This module keeps its names, and the transitional
module-level calls below on the default rules (config/clinical.yaml, read by ``shared.clinical``).
"""
from __future__ import annotations

from shared.clinical import clinical_rules
from shared.scoring import (DETERIORATED, HIGHER_LEVEL_OF_CARE, IMPROVED, INSTRUMENTS, IOP,
                            NO_CHANGE, STANDARD_OUTPATIENT, Instruments, InvalidResponses, Score,
                            Triage, change_from_baseline)

__all__ = [
    "DETERIORATED", "HIGHER_LEVEL_OF_CARE", "IMPROVED", "INSTRUMENTS", "IOP", "NO_CHANGE",
    "STANDARD_OUTPATIENT", "Instruments", "InvalidResponses", "Score", "Triage",
    "change_from_baseline", "item9_risk_level", "reliable_change", "remission", "response",
    "score", "severity", "triage", "validate_responses",
]


# -- transitional: module-level calls on the default rules, until every caller holds an
# -- Instruments from the ClinicalRules dependency. Removed once services/ no longer use them.

def _default() -> Instruments:
    return Instruments(clinical_rules())


def validate_responses(instrument, responses, *, field="responses"):
    return _default().validate_responses(instrument, responses, field=field)


def severity(instrument, total):
    return _default().severity(instrument, total)


def score(instrument, responses):
    return _default().score(instrument, responses)


def reliable_change(instrument, baseline, latest):
    return _default().reliable_change(instrument, baseline, latest)


def response(instrument, baseline, final):
    return _default().response(instrument, baseline, final)


def remission(instrument, baseline, final):
    return _default().remission(instrument, baseline, final)


def item9_risk_level(responses_or_item9):
    return _default().item9_risk_level(responses_or_item9)


def triage(phq9, gad7, pcl5=None):
    return _default().triage(phq9, gad7, pcl5)
