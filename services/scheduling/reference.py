"""Reference data: staff with their weekly availability, and group series with their occurrences."""
from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from shared.db import utcnow  # wall time: records the creation order, decides nothing
from shared.enums import WEEKDAYS
from shared.problems import validation_problem
from services.scheduling.reservations import new_id
from services.scheduling.models import Availability, GroupSeries, Session, Staff
from services.scheduling.occurrences import weekly_occurrences

# A series without an end date gets occurrences this far ahead; enrollments book within them.
OPEN_SERIES_WEEKS = 52


def create_staff(uow, body: dict) -> Staff:
    staff = Staff(id=new_id(), site_id=body["site_id"], name=body["name"], email=body["email"],
                  phone=body["phone"], roles=sorted(set(body["roles"])),
                  languages=list(dict.fromkeys(body["languages"])),
                  max_caseload=body["max_caseload"], created_at=utcnow())
    uow.session.add(staff)
    uow.session.flush()  # no ORM relationships: parents are flushed before their rows
    for window in body["availability"]:
        uow.session.add(Availability(staff_id=staff.id, weekday=WEEKDAYS.index(window["weekday"]),
                                     start_time=window["start_time"], end_time=window["end_time"]))
    uow.session.flush()
    return staff


def create_series(uow, body: dict, zone: ZoneInfo) -> tuple[GroupSeries, int]:
    """The series and every occurrence, generated in local time and stored in UTC."""
    facilitator = uow.session.get(Staff, body["facilitator_id"])
    if facilitator is None or facilitator.site_id != body["site_id"]:
        raise validation_problem({"facilitator_id": ["No staff member with this id at this site."]})
    if not {"facilitator", "therapist"} & set(facilitator.roles):
        raise validation_problem({"facilitator_id": ["Needs the facilitator or therapist role."]})
    series = GroupSeries(
        id=new_id(), site_id=body["site_id"], track=body["track"], modality=body["modality"],
        kind=body["kind"], weekdays=sorted(WEEKDAYS.index(d) for d in body["weekdays"]),
        start_time=body["start_time"], duration_minutes=body["duration_minutes"],
        capacity=body["capacity"], seats_taken=0, facilitator_id=facilitator.id, timezone=zone.key,
        starts_on=body["starts_on"], ends_on=body["ends_on"], created_at=utcnow())
    uow.session.add(series)
    uow.session.flush()
    last_day = body["ends_on"] or body["starts_on"] + timedelta(weeks=OPEN_SERIES_WEEKS)
    occurrences = weekly_occurrences(series.weekdays, series.start_time, series.duration_minutes,
                                     series.starts_on, last_day, zone)
    for occurrence in occurrences:
        uow.session.add(Session(id=new_id(), site_id=series.site_id, series_id=series.id,
                                kind=series.kind, modality=series.modality, staff_id=facilitator.id,
                                starts_at=occurrence.starts_at, ends_at=occurrence.ends_at,
                                timezone=zone.key, status="scheduled"))
    uow.session.flush()
    return series, len(occurrences)


def describe_staff(uow, staff: Staff) -> dict:
    windows = uow.session.scalars(select(Availability).where(Availability.staff_id == staff.id)
                                  .order_by(Availability.weekday, Availability.start_time))
    return staff_view(staff, list(windows))


def staff_view(staff: Staff, availability) -> dict:
    return {"staff_id": staff.id, "site_id": staff.site_id, "name": staff.name,
            "roles": staff.roles, "languages": staff.languages, "email": staff.email,
            "phone": staff.phone, "max_caseload": staff.max_caseload,
            "availability": [{"weekday": WEEKDAYS[a.weekday], "start_time": a.start_time,
                              "end_time": a.end_time} for a in availability]}


def series_view(series: GroupSeries, occurrences: int | None = None) -> dict:
    view = {"series_id": series.id, "site_id": series.site_id, "track": series.track,
            "modality": series.modality, "kind": series.kind,
            "weekdays": [WEEKDAYS[d] for d in series.weekdays], "start_time": series.start_time,
            "timezone": series.timezone, "duration_minutes": series.duration_minutes,
            "capacity": series.capacity, "seats_taken": series.seats_taken,
            "facilitator_id": series.facilitator_id, "starts_on": series.starts_on,
            "ends_on": series.ends_on}
    if occurrences is not None:
        view["occurrences"] = occurrences
    return view


def site_staff(uow, site_id: str) -> list[dict]:
    staff = list(uow.session.scalars(select(Staff).where(Staff.site_id == site_id)
                                     .order_by(Staff.name, Staff.id)))
    windows = uow.session.scalars(select(Availability).where(
        Availability.staff_id.in_([s.id for s in staff])).order_by(Availability.weekday, Availability.start_time))
    by_staff: dict[str, list] = {}
    for window in windows:
        by_staff.setdefault(window.staff_id, []).append(window)
    return [staff_view(s, by_staff.get(s.id, [])) for s in staff]


def site_series(uow, site_id: str) -> list[dict]:
    return [series_view(s) for s in uow.session.scalars(
        select(GroupSeries).where(GroupSeries.site_id == site_id)
        .order_by(GroupSeries.created_at, GroupSeries.id))]
