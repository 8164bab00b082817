"""The outbox relay: publishes committed outbox rows in order, marks them sent once confirmed.

A broker that is down delays events, never loses them: rows stay unsent and the relay retries
with backoff. Several instances of one service share the outbox; on PostgreSQL an advisory lock
lets one relay at a time publish, which keeps the order of the rows.
"""
from __future__ import annotations

import json
import logging
import zlib
from datetime import timedelta

import eventlet
from eventlet.queue import Empty, LightQueue
from sqlalchemy import delete, func, select, update

from shared.broker import BROKER_ERRORS, ConfirmingPublisher, OutgoingMessage
from shared.clock import utcnow
from shared.config import setting
from shared.names import events_exchange

log = logging.getLogger(__name__)

MAX_BACKOFF_S = 5.0


class OutboxRelay:
    def __init__(self, database):
        self.database = database
        config = database.container.config
        self.batch_size = int(setting(config, "OUTBOX", "batch_size"))
        self.poll_interval = float(setting(config, "OUTBOX", "poll_interval_s"))
        self.retention = timedelta(days=float(setting(config, "OUTBOX", "retention_days")))
        self.exchange = events_exchange(database.service_name)
        self.publisher = ConfirmingPublisher(setting(config, "AMQP_URI"))
        self._wakeups = LightQueue(maxsize=1)
        self._running = False
        self._thread = None

    def start(self, container) -> None:
        self._running = True
        self._thread = container.spawn_managed_thread(self._run, identifier="outbox-relay")

    def stop(self) -> None:
        self._running = False
        self.wake()
        if self._thread is not None and self._thread is not eventlet.getcurrent():
            self._thread.wait()
        self._thread = None
        self.publisher.close()

    def wake(self) -> None:
        try:
            self._wakeups.put_nowait(True)
        except eventlet.queue.Full:
            pass  # a wake-up is already pending

    def _run(self) -> None:
        backoff = 0.1
        while self._running:
            try:
                published = self.publish_pending()
                backoff = 0.1
            except BROKER_ERRORS as exc:
                log.warning("outbox relay: broker unavailable (%s); retrying in %.1fs",
                            type(exc).__name__, backoff, extra={"service": self.database.service_name})
                eventlet.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_S)
                continue
            except Exception:
                log.exception("outbox relay failed; retrying", extra={"service": self.database.service_name})
                eventlet.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_S)
                continue
            if published < self.batch_size:
                try:
                    self._wakeups.get(timeout=self.poll_interval)
                except Empty:
                    pass

    def publish_pending(self) -> int:
        """Publish one batch of unsent rows; returns how many the broker confirmed."""
        db = self.database
        outbox = db.table("outbox")
        pending = (select(outbox.c.id, outbox.c.type, outbox.c.event_id, outbox.c.body)
                   .where(outbox.c.published_at.is_(None))
                   .order_by(outbox.c.id).limit(self.batch_size))
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                # One relay of the service publishes at a time; the others come back later.
                if not conn.scalar(select(func.pg_try_advisory_xact_lock(_lock_key(self.exchange)))):
                    return 0
                rows = conn.execute(pending).all()
                self._publish(rows)
                self._mark_published(conn, rows)
        else:
            # One relay per SQLite file at a time (instances in one process share the lock);
            # the write lock is taken only to mark, so requests are not held up by publishing.
            with db.relay_lock:
                with db.engine.connect() as conn:
                    rows = conn.execute(pending).all()
                self._publish(rows)
                with db.write_lock, db.engine.begin() as conn:
                    self._mark_published(conn, rows)
        return len(rows)

    def _publish(self, rows) -> None:
        if not rows:
            return
        self.publisher.declare_event_exchange(self.exchange)
        self.publisher.publish([
            OutgoingMessage(exchange=self.exchange, routing_key=row.type, body=row.body,
                            message_id=row.event_id) for row in rows])
        for row in rows:
            self.database.metrics.events_published.labels(type=row.type).inc()

    def _mark_published(self, conn, rows) -> None:
        if not rows:
            return
        outbox = self.database.table("outbox")
        now = utcnow()
        conn.execute(update(outbox).where(outbox.c.id.in_([r.id for r in rows]))
                     .values(published_at=now))
        # Published rows serve GET /events replay for a while, then go.
        conn.execute(delete(outbox).where(outbox.c.published_at < now - self.retention))

    def backlog(self) -> int:
        outbox = self.database.table("outbox")
        with self.database.engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(outbox)
                               .where(outbox.c.published_at.is_(None)))


def _lock_key(name: str) -> int:
    return zlib.crc32(name.encode())


def published_events(conn, outbox, *, after_event_id: str | None, event_type: str | None,
                     sites, limit: int) -> list[dict] | None:
    """Published envelopes after the given event, oldest first; None if that event is unknown.

    Serves ``GET /events`` so an integrator who was offline catches up from the outbox.
    """
    query = select(outbox.c.id, outbox.c.body).where(outbox.c.published_at.is_not(None))
    if after_event_id:
        after = conn.scalar(select(outbox.c.id).where(outbox.c.event_id == after_event_id))
        if after is None:
            return None
        query = query.where(outbox.c.id > after)
    if event_type:
        query = query.where(outbox.c.type == event_type)
    if sites is not None:
        query = query.where(outbox.c.site_id.in_(sorted(sites)))
    rows = conn.execute(query.order_by(outbox.c.id).limit(limit)).all()
    return [json.loads(row.body) for row in rows]
