"""Family sessions' participants: the projection of the patient's related persons, and the
participants of each family session (services/scheduling/domain/family.py says who)."""
from __future__ import annotations

from services.scheduling.commands import FamilyMemberEvent, ReadRecord
from services.scheduling.domain.family import is_newer, takes_part
from services.scheduling.models import FamilyMember, Session


def record_family_member(cmd: FamilyMemberEvent, uow) -> FamilyMember:
    """Keep the latest word about a related person; bring the sessions to come in line."""
    data = cmd.event.data
    member = uow.family.member(data["related_person_id"])
    if not is_newer(member, data["version"]):
        return member  # a redelivered or overtaken event
    if member is None:
        member = uow.family.add(FamilyMember(related_person_id=data["related_person_id"],
                                             patient_id=data["patient_id"], version=0))
    member.active, member.consent_to_contact = data["active"], data["consent_given"]
    member.version = data["version"]
    uow.family.flush()
    for session in uow.family.sessions_to_come(member.patient_id, cmd.now):
        if takes_part(member):
            uow.family.seat(session.id, member.related_person_id)
        else:
            uow.family.unseat(session.id, member.related_person_id)
    uow.audit(cmd.caller, "update", "family_participants", member.related_person_id,
              patient_id=member.patient_id, site_id=cmd.event.site_id)
    return member


def seat_family(uow, patient_id: str, session: Session) -> None:
    """A family session just booked: every related person taking part now."""
    for member in uow.family.members_of(patient_id):
        if takes_part(member):
            uow.family.seat(session.id, member.related_person_id)


def participants_of(uow, session_ids: list[str]) -> dict[str, list[str]]:
    return uow.family.participants(session_ids)


def session_participants(cmd: ReadRecord, uow) -> list[str]:
    """The related person ids of one family session (RPC: notifications' reminders)."""
    session = uow.sessions.get(cmd.record_id)
    if session is None or session.kind != "family":
        return []
    return uow.family.participants([session.id]).get(session.id, [])
