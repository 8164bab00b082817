"""An episode: one enrollment from PatientEnrolled until completion or discharge."""
from __future__ import annotations

from datetime import date

from shared.errors import InvalidFields

ACTIVE, COMPLETED, DISCHARGED = "active", "completed", "discharged"
# The instruments a PatientEnrolled screening may carry a total for (the episode's baselines).
SCREENED_INSTRUMENTS = ("phq9", "gad7", "pcl5", "audit_c", "dast10")
# A screen with a positive cut point: the flag PatientEnrolled carries for it, if any (AUDIT-C's
# cut point depends on sex, which outcomes does not hold; intake decides it).
POSITIVE_FLAGS = {"audit_c": "audit_c_positive"}


def screened_positive(instruments, screening) -> list[str]:
    """The screens of PatientEnrolled that were positive: by the flag intake sent, else by the
    instrument's positive cut point (config `instruments.<name>.positive`, sex not recorded)."""
    found = []
    for name in SCREENED_INSTRUMENTS:
        total = screening.get(name)
        if total is None:
            continue
        flag = screening.get(POSITIVE_FLAGS.get(name, ""))
        positive = flag if flag is not None else instruments.positive(name, total)
        if positive:
            found.append(name)
    return found


def discharge_status(reason: str) -> str:
    """A discharge for completion ends the episode as a completion."""
    return COMPLETED if reason == "completed" else DISCHARGED


def within_episode(ended_on: date | None, day: date) -> bool:
    """Whether a score or session on `day` (site time) counts for the episode's summary."""
    return ended_on is None or day <= ended_on


def is_late_entry(ended_on: date | None, day: date) -> bool:
    """A record dated within an episode that has already ended (and been summarised)."""
    return ended_on is not None and day <= ended_on


def check_administered_on(local_day, screened_on) -> None:
    """An assessment belongs to its episode: not before the referral's screening day."""
    if local_day < screened_on:
        raise InvalidFields({"administered_at": [
            f"Must not be before the referral's screening day ({screened_on.isoformat()})."]})
