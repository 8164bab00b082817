"""A test-only service for the chaos run: a ledger whose handler is slow after its commit.

Every handled event adds one row; after the unit of work commits, the handler waits before it
returns (and so before the inbox acks), which opens a window between commit and ack wide enough
for the run's kills to land in: the broker redelivers, the inbox skips and counts the duplicate.
"""
from __future__ import annotations

import os
import time

from sqlalchemy import Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import Database, kit_metadata
from shared.inbox import consumes
from shared.service import PlatformService

SLOW_AFTER_COMMIT_S = float(os.environ.get("IOP_CHAOS_SLOW_AFTER_COMMIT_S", "0.5"))


class LedgerBase(DeclarativeBase):
    metadata = kit_metadata()


class Entry(LedgerBase):
    """One row per handled event: a duplicated effect would show as a second row of an event."""

    __tablename__ = "entries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36))
    event_type: Mapped[str] = mapped_column(String(64))


class SlowLedger(PlatformService):
    name = "ledger"
    db = Database(LedgerBase.metadata)

    def _record(self, event):
        with self.db.unit_of_work() as uow:
            uow.session.add(Entry(event_id=event.id, event_type=event.type))
        time.sleep(SLOW_AFTER_COMMIT_S)  # committed, not yet acked: the window under test

    @consumes("intake", "PatientEnrolled")
    def record_enrollment(self, event):
        self._record(event)

    @consumes("scheduling", "SessionScheduled")
    def record_booking(self, event):
        self._record(event)

    @consumes("scheduling", "SessionAttended")
    def record_attendance(self, event):
        self._record(event)
