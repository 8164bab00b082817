"""Bulk export of a site (FHIR Bulk Data, asynchronous pattern), kept in this process's memory.

A kick-off starts a job in the background and answers 202 with its status URL; the job reads every
patient of the site through the services with the caller's credential and keeps the NDJSON until
it is deleted or ``INTEROP.export_retention_s`` has passed. Only the caller who started a job may
poll it or fetch its files. Jobs live in one gateway process: behind several instances, route a
client's export requests to one (docs in README).
"""
from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import eventlet
from nameko.extensions import DependencyProvider

from shared.clock import utcnow

# The order of the files in the manifest.
EXPORT_TYPES = ("Patient", "RelatedPerson", "EpisodeOfCare", "CarePlan", "Goal", "Appointment", "Encounter",
                "QuestionnaireResponse", "Observation", "Flag")


@dataclass
class ExportJob:
    job_id: str
    owner: tuple
    site_id: str
    request_url: str
    types: tuple[str, ...]
    started: datetime
    status: str = "in-progress"  # in-progress, completed, failed
    done_patients: int = 0
    total_patients: int | None = None
    files: dict[str, list[str]] = field(default_factory=dict)
    error: str | None = None
    finished: datetime | None = None


def run_export(job: ExportJob, reader, patient_ids: list[str]) -> None:
    """Every resource of every patient, one NDJSON line each, deduplicated by id per type."""
    seen: dict[str, set] = {kind: set() for kind in job.types}
    lines: dict[str, list[str]] = {kind: [] for kind in job.types}
    job.total_patients = len(patient_ids)
    for patient_id in patient_ids:
        for kind in job.types:
            found = reader.of_patient(kind, patient_id)
            if kind == "Encounter":
                found = reader.group_encounters(patient_id) + found
            for resource in found:
                if resource["id"] not in seen[kind]:
                    seen[kind].add(resource["id"])
                    lines[kind].append(json.dumps(resource, separators=(",", ":")))
        job.done_patients += 1
    job.files = {kind: rows for kind, rows in lines.items() if rows}
    job.status, job.finished = "completed", utcnow()


class ExportJobs(DependencyProvider):
    """The container's export jobs (shared by its workers)."""

    def setup(self):
        self.jobs: dict[str, ExportJob] = {}
        self.lock = threading.Lock()
        self.retention = timedelta(seconds=float(self.container.config["INTEROP"]["export_retention_s"]))

    def get_dependency(self, worker_ctx):
        return self

    def begin(self, owner, site_id, request_url, types, reader, patient_ids) -> ExportJob:
        self.expire()
        job = ExportJob(str(uuid.uuid4()), owner, site_id, request_url, tuple(types), utcnow())
        with self.lock:
            self.jobs[job.job_id] = job

        def work():
            try:
                run_export(job, reader, patient_ids)
            except Exception as exc:  # reported in the job's status, never the data
                job.status, job.error, job.finished = "failed", str(exc) or type(exc).__name__, utcnow()

        eventlet.spawn_n(work)
        return job

    def find(self, job_id: str, owner) -> ExportJob | None:
        self.expire()
        job = self.jobs.get(job_id)
        return job if job is not None and job.owner == owner else None

    def delete(self, job_id: str) -> None:
        with self.lock:
            self.jobs.pop(job_id, None)

    def expire(self) -> None:
        cutoff = utcnow() - self.retention
        with self.lock:
            for job_id in [j.job_id for j in self.jobs.values() if j.finished and j.finished < cutoff]:
                del self.jobs[job_id]
