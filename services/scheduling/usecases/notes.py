"""Group notes: written once per session, a part per patient, signed, amended; filed to charts.

The text never leaves in events (GroupNoteSigned carries ids) and every read is audited, one row
per patient whose part was shown.
"""
from __future__ import annotations

from dataclasses import dataclass

from shared.errors import RecordNotFound
from services.scheduling.commands import ReadNote, ReadRecord, SignNote, WriteNote
from services.scheduling.domain.notes import (DRAFT, SIGNED, check_amendable, check_parts,
                                              check_signable, check_writable)
from services.scheduling.models import GroupNote, GroupNoteVersion, Session
from services.scheduling.usecases import new_id


@dataclass
class NoteVersionView:
    """What the views need: the note, the version shown, its parts and every version."""
    note: GroupNote
    version: GroupNoteVersion
    parts: list
    versions: list
    session: Session | None = None
    # Patients marked attended who have no part in this version (the note is not on their chart).
    attendees_without_part: list | None = None


def write_draft(cmd: WriteNote, uow) -> NoteVersionView:
    """Create the draft, or replace the unsigned draft as a whole."""
    session = writable_session(cmd, uow)
    note = uow.notes.of_session(session.id)
    latest = uow.notes.versions(note.id)[-1] if note else None
    check_writable(session.status, latest.status if latest else None, session.series_id is not None)
    check_parts(cmd.parts, {b.patient_id for b in uow.bookings.booked_on(session.id)})
    if note is None:
        note = uow.notes.add(GroupNote(id=new_id(), session_id=session.id, site_id=session.site_id,
                                       created_at=cmd.now))
        uow.notes.flush()
    if latest is None:
        latest = new_version(uow, note, 1, cmd)
    latest.shared_text, latest.written_by, latest.written_at = cmd.shared_text, cmd.caller.name, cmd.now
    uow.notes.flush()
    uow.notes.replace_parts(latest.id, cmd.parts)
    audit_note(uow, cmd.caller, "write", note, [p["patient_id"] for p in cmd.parts])
    return view_of(uow, note, latest)


def sign(cmd: SignNote, uow) -> NoteVersionView:
    session = writable_session(cmd, uow)
    note = uow.notes.of_session(session.id)
    latest = uow.notes.versions(note.id)[-1] if note else None
    check_signable(latest.status if latest else None, session.starts_at, cmd.now)
    return signed(uow, cmd, note, latest)


def amend(cmd: WriteNote, uow) -> NoteVersionView:
    """A new version, signed at once; the earlier ones stay as they were."""
    session = writable_session(cmd, uow)
    note = uow.notes.of_session(session.id)
    latest = uow.notes.versions(note.id)[-1] if note else None
    check_amendable(latest.status if latest else None)
    check_parts(cmd.parts, {b.patient_id for b in uow.bookings.booked_on(session.id)})
    version = new_version(uow, note, latest.version + 1, cmd)
    version.amendment_reason = cmd.reason
    uow.notes.flush()
    uow.notes.replace_parts(version.id, cmd.parts)
    return signed(uow, cmd, note, version)


def read_session_note(cmd: ReadNote, uow) -> NoteVersionView:
    session = uow.sessions.get_visible(cmd.session_id, cmd.caller, "Session")
    note = uow.notes.of_session(session.id)
    versions = uow.notes.versions(note.id) if note else []
    chosen = [v for v in versions if cmd.version in (None, v.version)]
    if not chosen:
        raise RecordNotFound("Note not found.")
    view = view_of(uow, note, chosen[-1], versions)
    audit_note(uow, cmd.caller, "read", note, [p.patient_id for p in view.parts])
    return view


def patient_notes(cmd: ReadRecord, uow) -> list[NoteVersionView]:
    """The patient's chart: each signed note filed to it, with only this patient's own part."""
    uow.enrollments.current_visible(cmd.record_id, cmd.caller)  # 404 for a patient not visible
    chart = []
    for note, version, session in uow.notes.signed_for_patient(cmd.record_id):
        if not cmd.caller.sees(note.site_id):
            continue
        own = uow.notes.part_of(version.id, cmd.record_id)
        chart.append(NoteVersionView(note, version, [own], uow.notes.versions(note.id), session))
        audit_note(uow, cmd.caller, "read", note, [cmd.record_id])
    return chart


# -- helpers ------------------------------------------------------------------------------------

def writable_session(cmd, uow) -> Session:
    session = uow.sessions.get_visible(cmd.session_id, cmd.caller, "Session")
    cmd.caller.require_site(session.site_id)
    return session


def new_version(uow, note: GroupNote, number: int, cmd: WriteNote) -> GroupNoteVersion:
    return uow.notes.add_version(GroupNoteVersion(
        id=new_id(), note_id=note.id, version=number, status=DRAFT, shared_text=cmd.shared_text,
        written_by=cmd.caller.name, written_at=cmd.now))


def signed(uow, cmd, note: GroupNote, version: GroupNoteVersion) -> NoteVersionView:
    version.status, version.signed_by, version.signed_at = SIGNED, cmd.caller.name, cmd.now
    uow.notes.flush()
    parts = uow.notes.parts(version.id)
    uow.raise_event("GroupNoteSigned", {"note_id": note.id, "session_id": note.session_id,
                                        "version": version.version,
                                        "patient_ids": [p.patient_id for p in parts]},
                    site_id=note.site_id, subject=note.id)
    audit_note(uow, cmd.caller, "amend" if version.amendment_reason else "sign", note,
               [p.patient_id for p in parts])
    return NoteVersionView(note, version, parts, uow.notes.versions(note.id),
                           attendees_without_part=without_part(uow, note, parts))


def view_of(uow, note: GroupNote, version: GroupNoteVersion, versions=None) -> NoteVersionView:
    parts = uow.notes.parts(version.id)
    return NoteVersionView(note, version, parts,
                           versions if versions is not None else uow.notes.versions(note.id),
                           attendees_without_part=without_part(uow, note, parts))


def without_part(uow, note: GroupNote, parts) -> list[str]:
    written = {p.patient_id for p in parts}
    return [b.patient_id for b, record in uow.bookings.on_session_with_attendance(note.session_id)
            if b.status == "booked" and record is not None and record.status == "attended"
            and b.patient_id not in written]


def audit_note(uow, caller, action: str, note: GroupNote, patient_ids: list[str]) -> None:
    """One row per patient concerned (the note's own row when it names nobody)."""
    for patient_id in patient_ids or [None]:
        uow.audit(caller, action, "group_note", note.id, patient_id=patient_id, site_id=note.site_id)
