"""The discharge summary of an ended episode: announced once at its end (ids only), read by
staff over HTTP and by the notifications service over RPC.

The figures are the stored final summary's; intake's part (name, discharge, aftercare,
referrer) is asked by the caller of these functions, outside the transaction (service.py).
"""
from __future__ import annotations

from shared.access import open_patient
from shared.db import UnitOfWork
from shared.errors import RecordNotFound

from services.outcomes.commands import ReadDischargeSummary
from services.outcomes.models import Episode
from services.outcomes.usecases.summaries import EpisodeSummary, stored_summary


def announce_discharge_summary(uow: UnitOfWork, episode: Episode) -> None:
    """DischargeSummaryReady, with the end of the episode (end_episode runs once per episode)."""
    uow.raise_event("DischargeSummaryReady", {
        "enrollment_id": episode.enrollment_id, "patient_id": episode.patient_id,
        "document_id": episode.enrollment_id}, site_id=episode.site_id,
        subject=episode.enrollment_id)


def final_summary(command: ReadDischargeSummary, uow: UnitOfWork) -> EpisodeSummary:
    """The ended episode's stored summary; not found while it is active, as for a missing one
    or another site's. Audited (a service's RPC read as that service's)."""
    episode = uow.episodes.get(command.enrollment_id)
    caller = open_patient(uow, command.caller, episode and episode.patient_id,
                          episode and episode.site_id, command.access, "Discharge summary").caller
    found = stored_summary(uow, episode) if episode.ended_on is not None else None
    if found is None:
        raise RecordNotFound("This enrollment has no discharge summary yet.")
    uow.audit(caller, "read", "discharge_summary", episode.enrollment_id,
              patient_id=episode.patient_id, site_id=episode.site_id)
    return found
