"""Group notes: a session's shared text once, an individualized part per patient, signed and amended.

Pure rules over plain values: which parts a note may hold, and which state takes which change.
"""
from __future__ import annotations

from datetime import datetime

from shared.errors import InvalidFields
from services.scheduling.domain.errors import SessionNotOpen

DRAFT, SIGNED = "draft", "signed"


class NoteSigned(SessionNotOpen):
    """A signed version is locked: only an amendment (a new version) changes the note."""


class NoteNotSignable(SessionNotOpen):
    """Nothing to sign: no draft, already signed, or the session has not started yet."""


class NoteNotAmendable(SessionNotOpen):
    """An amendment follows a signed version; a draft is edited in place."""


def check_parts(parts: list[dict], booked_patients: set[str]) -> None:
    """Each part names a patient booked on the session, at most once (errors per part)."""
    errors, seen = {}, set()
    for index, part in enumerate(parts):
        patient_id = part["patient_id"]
        if patient_id not in booked_patients:
            errors[f"parts.{index}.patient_id"] = ["Not booked on this session."]
        elif patient_id in seen:
            errors[f"parts.{index}.patient_id"] = ["One part per patient."]
        seen.add(patient_id)
    if errors:
        raise InvalidFields(errors)


def check_writable(session_status: str, latest_status: str | None, is_group: bool = True) -> None:
    if not is_group:
        raise NoteNotSignable("A group note documents a group or education session, not an appointment.")
    if session_status == "cancelled":
        raise NoteNotSignable("The session was cancelled: it takes no note.")
    if latest_status == SIGNED:
        raise NoteSigned("The note is signed; add an amendment instead.")


def check_signable(latest_status: str | None, session_starts_at: datetime, now: datetime) -> None:
    if latest_status is None:
        raise NoteNotSignable("The session has no note to sign.")
    if latest_status == SIGNED:
        raise NoteSigned("The note's current version is already signed.")
    if session_starts_at > now:
        raise NoteNotSignable("The session has not started yet.")


def check_amendable(latest_status: str | None) -> None:
    if latest_status != SIGNED:
        raise NoteNotAmendable("Only a signed note is amended; edit the draft instead.")
