"""Group and psychoeducation series, with every occurrence created up front."""
from __future__ import annotations

from services.scheduling.commands import CreateSeries, ReadRecord, ReadSite
from services.scheduling.domain.series import (check_capacity, check_facilitator, check_span,
                                               series_occurrences)
from services.scheduling.domain.sites import require_known_site, require_visible_site
from services.scheduling.models import GroupSeries, Session
from services.scheduling.usecases import new_id
from shared.clock import utcnow  # wall time: records the creation order, decides nothing
from shared.enums import WEEKDAYS


def create_series(cmd: CreateSeries, uow) -> tuple[GroupSeries, int]:
    """The series and its occurrences, generated in local time and stored in UTC."""
    check_capacity(cmd.kind, cmd.capacity, cmd.program)  # a body check, as the schema's were
    check_span(cmd.starts_on, cmd.ends_on, cmd.horizon_weeks)
    require_known_site(cmd.site_id, cmd.zones)
    cmd.caller.require_site(cmd.site_id)
    facilitator = uow.staff.get(cmd.facilitator_id)
    check_facilitator(facilitator, cmd.site_id)
    zone = cmd.zones[cmd.site_id]
    series = uow.series.add(GroupSeries(
        id=new_id(), site_id=cmd.site_id, track=cmd.track, modality=cmd.modality, kind=cmd.kind,
        weekdays=sorted(WEEKDAYS.index(d) for d in cmd.weekdays), start_time=cmd.start_time,
        duration_minutes=cmd.duration_minutes, capacity=cmd.capacity, seats_taken=0,
        facilitator_id=facilitator.id, timezone=zone.key, starts_on=cmd.starts_on,
        ends_on=cmd.ends_on, created_at=utcnow()))
    uow.series.flush()
    occurrences = series_occurrences(series.weekdays, series.start_time, series.duration_minutes,
                                     series.starts_on, series.ends_on, zone,
                                     cmd.horizon_weeks)
    for occurrence in occurrences:
        uow.sessions.add(Session(id=new_id(), site_id=series.site_id, series_id=series.id,
                                 kind=series.kind, modality=series.modality, staff_id=facilitator.id,
                                 starts_at=occurrence.starts_at, ends_at=occurrence.ends_at,
                                 timezone=zone.key, status="scheduled"))
    uow.sessions.flush()
    uow.audit(cmd.caller, "create", "group_series", series.id, site_id=series.site_id)
    return series, len(occurrences)


def site_series(cmd: ReadSite, uow) -> list[tuple[GroupSeries, int]]:
    """The site's series, each with how many enrollments wait for a seat."""
    require_visible_site(cmd.site_id, cmd.zones, cmd.caller)
    listed = uow.series.at_site(cmd.site_id)
    waiting = uow.waitlist.waiting_counts([s.id for s in listed])
    return [(s, waiting.get(s.id, 0)) for s in listed]


def get_series(cmd: ReadRecord, uow) -> tuple[GroupSeries, int]:
    found = uow.series.get_visible(cmd.record_id, cmd.caller)
    return found, uow.waitlist.waiting_counts([found.id]).get(found.id, 0)
