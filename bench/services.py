"""The services the bench runs in-process: the kit's producer/ledger pair and a plain nameko pair."""
from __future__ import annotations

import time
import uuid

from eventlet.event import Event
from nameko.events import EventDispatcher, event_handler
from nameko.testing.services import dummy
from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import Database, kit_metadata
from shared.inbox import consumes
from shared.service import PlatformService

DISCHARGE = {"track": "depression", "discharged_on": "2026-11-27", "reason": "withdrew"}


class Progress:
    """Counts handled events in memory, so waiting for the last one costs no database reads."""

    def __init__(self):
        self.reset(0)

    def reset(self, target: int) -> None:
        self.target, self.count, self.finished_at = target, 0, None
        self.done = Event()

    def hit(self) -> None:
        self.count += 1
        if self.count == self.target:
            self.finished_at = time.perf_counter()
            self.done.send(True)


PROGRESS = Progress()


class ProducerBase(DeclarativeBase):
    metadata = kit_metadata()


class Discharge(ProducerBase):
    __tablename__ = "discharges"
    enrollment_id: Mapped[str] = mapped_column(String(36), primary_key=True)


class DischargingService(PlatformService):
    """Stands in for intake: each state change commits a row and a PatientDischarged together."""

    name = "intake"
    db = Database(ProducerBase.metadata)

    @dummy
    def discharge_many(self, count: int):
        # One transaction per state change, as one HTTP request would make.
        for _ in range(count):
            enrollment_id = str(uuid.uuid4())
            with self.db.unit_of_work() as uow:
                uow.session.add(Discharge(enrollment_id=enrollment_id))
                uow.raise_event("PatientDischarged", {
                    "enrollment_id": enrollment_id, "patient_id": str(uuid.uuid4()), **DISCHARGE},
                    site_id="riverside", subject=enrollment_id)


class LedgerBase(DeclarativeBase):
    metadata = kit_metadata()


class Effect(LedgerBase):
    __tablename__ = "effects"
    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    enrollment_id: Mapped[str] = mapped_column(String(36))


class LedgerService(PlatformService):
    """Writes one row per event through the inbox (deduplicated, in one transaction)."""

    name = "ledger"
    db = Database(LedgerBase.metadata)

    @consumes("intake", "PatientDischarged")
    def record_discharge(self, event):
        with self.db.unit_of_work() as uow:
            uow.session.add(Effect(event_id=event.id, enrollment_id=event.data["enrollment_id"]))
        PROGRESS.hit()


class NamekoSource:
    """nameko's own EventDispatcher (a confirm round trip per event)."""

    name = "nbench_source"
    dispatch = EventDispatcher()

    @dummy
    def emit_many(self, count: int):
        for index in range(count):
            self.dispatch("Tick", {"index": index})


class NamekoSink:
    name = "nbench_sink"

    @event_handler("nbench_source", "Tick")
    def on_tick(self, payload):
        PROGRESS.hit()
