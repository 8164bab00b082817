"""Staff members with their weekly availability, and a site's care team."""
from __future__ import annotations

from services.scheduling.commands import CreateStaff, ReadCareTeam, ReadSite
from services.scheduling.domain.sites import require_known_site, require_visible_site
from services.scheduling.models import Availability, Staff
from services.scheduling.usecases import new_id
from shared.clock import utcnow  # wall time: records the creation order, decides nothing
from shared.enums import WEEKDAYS


def create_staff(cmd: CreateStaff, uow) -> tuple[Staff, list[Availability]]:
    require_known_site(cmd.site_id, cmd.zones)
    cmd.caller.require_site(cmd.site_id)
    staff = uow.staff.add(Staff(id=new_id(), site_id=cmd.site_id, name=cmd.name, email=cmd.email,
                                phone=cmd.phone, roles=sorted(set(cmd.roles)),
                                languages=list(dict.fromkeys(cmd.languages)),
                                max_caseload=cmd.max_caseload, created_at=utcnow()))
    uow.staff.flush()  # no ORM relationships: parents are flushed before their rows
    for window in cmd.availability:
        uow.staff.add(Availability(staff_id=staff.id, weekday=WEEKDAYS.index(window["weekday"]),
                                   start_time=window["start_time"], end_time=window["end_time"]))
    uow.staff.flush()
    uow.audit(cmd.caller, "create", "staff", staff.id, site_id=staff.site_id)
    return staff, uow.staff.availability([staff.id])[staff.id]


def site_staff(cmd: ReadSite, uow) -> list[tuple[Staff, list[Availability]]]:
    require_visible_site(cmd.site_id, cmd.zones, cmd.caller)
    staff = uow.staff.at_site(cmd.site_id)
    windows = uow.staff.availability([s.id for s in staff])
    return [(person, windows[person.id]) for person in staff]


def care_team(cmd: ReadCareTeam, uow) -> tuple[list[Staff], Staff | None]:
    """The site's on-call staff and the patient's primary clinician (their individual therapist)."""
    on_call = [s for s in uow.staff.at_site(cmd.site_id) if "on_call" in s.roles]
    enrollment = uow.enrollments.current_of_patient(cmd.patient_id, cmd.site_id)
    therapist = (uow.staff.get(enrollment.therapist_id)
                 if enrollment is not None and enrollment.therapist_id else None)
    uow.audit(cmd.caller, "read", "care_team", cmd.patient_id, patient_id=cmd.patient_id,
              site_id=cmd.site_id)
    return on_call, therapist
