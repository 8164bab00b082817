"""Small services that exercise the kit: a producer standing in for intake, and ledgers."""
from marshmallow import Schema, fields
from sqlalchemy import Integer, String, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import Database, kit_metadata
from shared.errors import RetryLater
from shared.fields import text as note_text
from shared.http import api
from shared.inbox import consumes
from shared.problems import Conflict
from shared.service import PlatformService


class ProducerBase(DeclarativeBase):
    metadata = kit_metadata()


class Discharge(ProducerBase):
    __tablename__ = "discharges"
    enrollment_id: Mapped[str] = mapped_column(String(36), primary_key=True)


class DischargeIn(Schema):
    enrollment_id = fields.UUID(required=True)
    patient_id = fields.UUID(required=True)
    roll_back = fields.Boolean(load_default=False)
    note = note_text(200, load_default=None)


class DischargingService(PlatformService):
    """Stands in for intake: each request commits a row and a PatientDischarged together."""

    name = "intake"
    db = Database(ProducerBase.metadata)

    @api("POST", "/discharges", body=DischargeIn, roles=["admin", "coordinator"], status=201)
    def discharge(self, request):
        body = request.body
        with self.db.unit_of_work() as uow:
            uow.session.add(Discharge(enrollment_id=str(body["enrollment_id"])))
            envelope = uow.raise_event("PatientDischarged", {
                "enrollment_id": str(body["enrollment_id"]), "patient_id": str(body["patient_id"]),
                "track": "depression", "discharged_on": "2026-11-27", "reason": "withdrew"},
                site_id="riverside", subject=str(body["enrollment_id"]))
            if body["roll_back"]:
                raise Conflict("Rolled back on purpose.")
        return {"event_id": envelope["id"]}


class LedgerBase(DeclarativeBase):
    metadata = kit_metadata()


class Effect(LedgerBase):
    """One row per handled event: a duplicated effect would show as an extra row."""

    __tablename__ = "effects"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36))
    enrollment_id: Mapped[str] = mapped_column(String(36))


class Poison(LedgerBase):
    """Enrollments whose events the ledger fails on, until the row is removed."""

    __tablename__ = "poison"
    enrollment_id: Mapped[str] = mapped_column(String(36), primary_key=True)


class LedgerService(PlatformService):
    name = "ledger"
    db = Database(LedgerBase.metadata)

    @consumes("intake", "PatientDischarged")
    def record_discharge(self, event):
        with self.db.unit_of_work() as uow:
            if uow.session.get(Poison, event.data["enrollment_id"]):
                raise RuntimeError(f"enrollment {event.data['enrollment_id']} is poisoned")
            uow.session.add(Effect(event_id=event.id, enrollment_id=event.data["enrollment_id"]))


class WaitingLedgerService(PlatformService):
    """A ledger whose events may come before what they need: a poisoned enrollment is not known
    yet, so its event is retried later rather than failed."""

    name = "waiting"
    db = Database(LedgerBase.metadata)

    @consumes("intake", "PatientDischarged")
    def record_known_discharge(self, event):
        with self.db.unit_of_work() as uow:
            if uow.session.get(Poison, event.data["enrollment_id"]):
                raise RetryLater(f"enrollment {event.data['enrollment_id']} not known yet")
            uow.session.add(Effect(event_id=event.id, enrollment_id=event.data["enrollment_id"]))


class QueryService(PlatformService):
    """Runs a slow and a fast query, to show one worker's wait does not stall another."""

    name = "intake"
    db = Database(ProducerBase.metadata)

    @api("GET", "/slow", roles=["admin"])
    def slow(self, request):
        with self.db.unit_of_work() as uow:
            uow.session.execute(text("SELECT pg_sleep(3)"))
        return {"done": "slow"}

    @api("GET", "/fast", roles=["admin"])
    def fast(self, request):
        with self.db.unit_of_work() as uow:
            return {"done": "fast", "one": uow.session.execute(text("SELECT 1")).scalar()}


class SlowLedgerService(PlatformService):
    """A ledger whose handler takes a while after its write, so a group of events is nearly always
    open (written, not yet committed) when the process is killed."""

    name = "ledger"
    db = Database(LedgerBase.metadata)

    @consumes("intake", "PatientDischarged")
    def record_discharge(self, event):
        import eventlet

        with self.db.unit_of_work() as uow:
            uow.session.add(Effect(event_id=event.id, enrollment_id=event.data["enrollment_id"]))
        eventlet.sleep(0.02)


SEEN_COMMITTED: list[int] = []  # ProbingLedgerService: committed effects seen from outside, per event


class ProbingLedgerService(PlatformService):
    """A ledger that looks, from a connection of its own, at what is committed while it handles."""

    name = "ledger"
    db = Database(LedgerBase.metadata)

    @consumes("intake", "PatientDischarged")
    def record_discharge(self, event):
        from sqlalchemy import create_engine, func, select

        with self.db.unit_of_work() as uow:
            uow.session.add(Effect(event_id=event.id, enrollment_id=event.data["enrollment_id"]))
        outside = create_engine(self.config["DATABASE_URLS"]["ledger"])
        with outside.connect() as conn:
            SEEN_COMMITTED.append(conn.scalar(select(func.count()).select_from(Effect.__table__)))
        outside.dispose()
