"""Each service's own database: engines, the kit's tables, and the unit of work.

A worker changes state inside ``with self.db.unit_of_work() as uow:``. Everything it does there —
its own rows, the events it raises (outbox), the id of the event it is handling (inbox) and the
audit entries — commits in one transaction or not at all.
"""
from __future__ import annotations

import json
from contextlib import contextmanager, nullcontext
from datetime import timezone

from eventlet.semaphore import Semaphore
from nameko.extensions import DependencyProvider
from psycogreen.eventlet import patch_psycopg
from sqlalchemy import (BigInteger, Column, DateTime, Index, Integer, MetaData, String, Table, Text,
                        TypeDecorator, bindparam, create_engine, event, insert, select, text)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from shared.auth import REASON_MAX, Caller
from shared.clock import utcnow
from shared.config import database_url
from shared.events import build_envelope
from shared.logs import correlation_id
from shared.metrics import ServiceMetrics
from shared.names import consumer_name
from shared.outbox import OutboxRelay, published_events

# SQLite allows one writer per file, whichever container of the process writes: these locks
# belong to the database file, so they live as long as the process.
_file_locks: dict[tuple[str, str], Semaphore] = {}


def _file_lock(url: str, purpose: str) -> Semaphore:
    return _file_locks.setdefault((url, purpose), Semaphore(1))


class UtcDateTime(TypeDecorator):
    """Aware UTC datetimes on every backend (SQLite keeps no offset of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime: the platform stores aware UTC times only")
            value = value.astimezone(timezone.utc)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


# Autoincrement BIGINT on PostgreSQL, INTEGER PRIMARY KEY (rowid) on SQLite.
SerialId = BigInteger().with_variant(Integer, "sqlite")


def kit_metadata() -> MetaData:
    """A service's MetaData, holding the kit's tables: outbox, inbox and audit log."""
    metadata = MetaData(naming_convention={
        "ix": "ix_%(column_0_label)s", "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s"})
    Table("outbox", metadata,
          Column("id", SerialId, primary_key=True, autoincrement=True),
          Column("event_id", String(36), nullable=False, unique=True),
          Column("type", String(64), nullable=False),
          Column("site_id", String(64), nullable=False),
          Column("body", Text, nullable=False),
          Column("created_at", UtcDateTime, nullable=False),
          Column("published_at", UtcDateTime, nullable=True),
          Index("ix_outbox_unpublished", "published_at", "id"))
    Table("inbox", metadata,
          Column("consumer", String(200), primary_key=True),
          Column("event_id", String(36), primary_key=True),
          Column("processed_at", UtcDateTime, nullable=False))
    Table("audit_log", metadata,
          Column("id", SerialId, primary_key=True, autoincrement=True),
          Column("at", UtcDateTime, nullable=False),
          Column("actor", String(120), nullable=False),
          Column("action", String(40), nullable=False),
          Column("resource_type", String(40), nullable=False),
          Column("resource_id", String(64), nullable=False),
          Column("patient_id", String(36), nullable=True, index=True),
          Column("site_id", String(64), nullable=True),
          Column("remote_addr", String(64), nullable=True),
          Column("correlation_id", String(64), nullable=True),
          # Who, as the identity provider knows them (a key: its id and name), and why, when the
          # caller stated a reason (X-Access-Reason; break-the-glass).
          Column("actor_subject", String(255), nullable=True),
          Column("actor_name", String(120), nullable=True),
          Column("reason", String(REASON_MAX), nullable=True))
    return metadata


def make_engine(url: str, pool_size: int = 10) -> Engine:
    if url.startswith("postgresql"):
        # psycopg2 waits on the eventlet hub instead of blocking every green thread (setting the
        # same wait callback again is harmless).
        patch_psycopg()
        # No pre-ping (a round trip per transaction): a connection broken by a database restart
        # fails its one transaction — retried by the inbox, or a 500 for a request — and
        # SQLAlchemy then drops every older connection of the pool.
        engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size,
                               pool_recycle=1800, future=True)
        _lazy_savepoints(engine)
        return engine
    engine = create_engine(url, connect_args={"timeout": 30}, future=True)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")  # readers in other processes never block
        # In WAL mode NORMAL cannot corrupt the file; it skips an fsync per commit and risks
        # only the last commits on power loss (not on a crash), fine for the development default.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


# A group commit's connection (shared.inbox) marks itself so: its savepoints cost no round trip
# of their own. SAVEPOINT travels with the next statement; RELEASE is not sent (the COMMIT ends
# every savepoint; a later ROLLBACK TO one undoes only what followed it, this event's work).
_LAZY_SAVEPOINTS, _PENDING_SAVEPOINT = "iop_lazy_savepoints", "iop_pending_savepoint"


def _lazy_savepoints(engine: Engine) -> None:
    dialect = engine.dialect
    do_savepoint = dialect.do_savepoint
    do_release = dialect.do_release_savepoint
    do_rollback_to = dialect.do_rollback_to_savepoint

    def savepoint(connection, name):
        if connection.info.get(_LAZY_SAVEPOINTS):
            connection.info[_PENDING_SAVEPOINT] = name
        else:
            do_savepoint(connection, name)

    def release(connection, name):
        if connection.info.get(_LAZY_SAVEPOINTS):
            if connection.info.get(_PENDING_SAVEPOINT) == name:
                del connection.info[_PENDING_SAVEPOINT]  # nothing ran inside it
        else:
            do_release(connection, name)

    def rollback_to(connection, name):
        if connection.info.get(_LAZY_SAVEPOINTS) and connection.info.get(_PENDING_SAVEPOINT) == name:
            del connection.info[_PENDING_SAVEPOINT]  # never sent: nothing to undo
        else:
            do_rollback_to(connection, name)

    dialect.do_savepoint, dialect.do_release_savepoint = savepoint, release
    dialect.do_rollback_to_savepoint = rollback_to

    @event.listens_for(engine, "before_cursor_execute", retval=True)
    def _send_pending_savepoint(conn, cursor, statement, parameters, context, executemany):
        info = conn.info
        if _PENDING_SAVEPOINT in info:
            name = info.pop(_PENDING_SAVEPOINT)
            if executemany:
                cursor.execute(f"SAVEPOINT {name}")  # once, not once per row
            else:
                statement = f"SAVEPOINT {name}; {statement}"
        return statement, parameters


class AlreadyProcessed(Exception):
    """The event was handled before by this consumer: acknowledge and skip it."""


class UnitOfWork:
    """One transaction of a worker: the session, the events it raises, the audit it writes, and
    the service's repositories (``uow.<name>``), each bound to this transaction's session."""

    def __init__(self, session: Session, service_name: str, correlation: str | None,
                 repositories: dict | None = None):
        self.session = session
        self.service_name = service_name
        self.correlation_id = correlation
        self.events: list[dict] = []
        self._repositories = repositories or {}

    def __getattr__(self, name: str):
        # Only called for names not found normally: a repository, made once per unit of work.
        repositories = self.__dict__.get("_repositories", {})
        if name not in repositories:
            raise AttributeError(name)
        repository = repositories[name](self.session)
        setattr(self, name, repository)
        return repository

    def raise_event(self, event_type: str, data: dict, *, site_id: str, subject: str | None = None) -> dict:
        """Validate the event and store it in the outbox; it is published after commit."""
        envelope = build_envelope(event_type, {"site_id": site_id, **data},
                                  source_service=self.service_name, site_id=site_id,
                                  subject=subject, correlation_id=self.correlation_id)
        # A cached Core statement on the session's connection: compiled once per engine, no ORM
        # execution layer; the envelope is JSON-encoded once, here, and published as stored.
        self.session.connection().execute(_outbox_insert(_table(self.session, "outbox")), {
            "event_id": envelope["id"], "type": event_type, "site_id": site_id,
            "body": json.dumps(envelope), "created_at": utcnow()})
        self.events.append(envelope)
        return envelope

    def audit(self, caller: Caller, action: str, resource_type: str, resource_id, *,
              patient_id: str | None = None, site_id: str | None = None,
              at=None, reason: str | None = None) -> None:
        """Who did what to which record, when, from where and why (the reason the caller stated)
        — never the data itself."""
        self.session.execute(insert(_table(self.session, "audit_log")).values(
            at=at or utcnow(), actor=caller.name, action=action, resource_type=resource_type,
            resource_id=str(resource_id), patient_id=patient_id, site_id=site_id,
            remote_addr=caller.remote_addr, correlation_id=self.correlation_id,
            actor_subject=caller.subject, actor_name=_clip(caller.display_name, 120),
            reason=_clip(reason or caller.access_reason, REASON_MAX)))

    def audit_entries(self, patient_id: str, *, sites, start=None, end=None,
                      limit: int = 1000) -> list[dict]:
        """The accounting of disclosures: every entry about a patient, oldest first, of the given
        sites (None: every site, entries naming no site included)."""
        return audit_entries(self.session, _table(self.session, "audit_log"), patient_id,
                             sites=sites, start=start, end=end, limit=limit)

    def emergency_grant(self, caller: Caller, patient_id: str, since) -> dict | None:
        """The caller's latest break-the-glass grant for the patient made at or after ``since``."""
        table = _table(self.session, "audit_log")
        row = self.session.execute(
            select(table.c.at, table.c.reason).where(
                table.c.patient_id == patient_id, table.c.action == EMERGENCY_ACCESS,
                table.c.actor_subject == caller.subject, table.c.at >= since)
            .order_by(table.c.at.desc()).limit(1)).first()
        return None if row is None else {"at": row.at, "reason": row.reason}


EMERGENCY_ACCESS = "break_glass"  # the audit action of a break-the-glass grant (shared.access)


def _clip(value: str | None, size: int) -> str | None:
    return value if value is None or len(value) <= size else value[:size - 1] + "…"


def audit_entries(session, table: Table, patient_id: str, *, sites, start=None, end=None,
                  limit: int = 1000) -> list[dict]:
    query = select(table).where(table.c.patient_id == patient_id)
    if sites is not None:
        query = query.where(table.c.site_id.in_(sorted(sites)))
    if start is not None:
        query = query.where(table.c.at >= start)
    if end is not None:
        query = query.where(table.c.at < end)
    rows = session.execute(query.order_by(table.c.at, table.c.id).limit(limit)).mappings()
    return [{"at": row["at"], "who": {"subject": row["actor_subject"], "name": row["actor_name"],
                                      "actor": row["actor"]},
             "action": row["action"], "resource_type": row["resource_type"],
             "resource_id": row["resource_id"], "patient_id": row["patient_id"],
             "site_id": row["site_id"], "from": row["remote_addr"], "reason": row["reason"],
             "correlation_id": row["correlation_id"]} for row in rows]


def _table(session: Session, name: str) -> Table:
    return session.info["metadata"].tables[name]


# One statement object per table (and dialect), so SQLAlchemy's compiled cache is hit every time
# instead of building, keying and coercing a new statement per event.
_statements: dict[tuple, object] = {}


def _outbox_insert(outbox: Table):
    key = (outbox, "insert")
    statement = _statements.get(key)
    if statement is None:
        statement = _statements[key] = outbox.insert()
    return statement


class Database(DependencyProvider):
    """The service's database; injects a :class:`WorkerDatabase` into each worker."""

    metrics = ServiceMetrics()

    def __init__(self, metadata: MetaData, repositories: dict | None = None):
        self.metadata = metadata
        self.repositories = dict(repositories or {})  # name → Repository class, as uow.<name>

    def setup(self):
        config = self.container.config
        self.service_name = self.container.service_name
        self.url = database_url(config, self.service_name)
        # Every worker may hold a connection while the relay holds one more.
        self.engine = make_engine(self.url, pool_size=self.container.max_workers + 2)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False,
                                         info={"metadata": self.metadata})
        # SQLite allows one writer; green threads queue here instead of blocking the hub. The
        # locks belong to the file, so instances of a service in one process share them.
        sqlite = self.engine.dialect.name == "sqlite"
        self.write_lock = _file_lock(self.url, "write") if sqlite else None
        self.relay_lock = _file_lock(self.url, "relay") if sqlite else None
        self.relay = OutboxRelay(self)  # the relay is this database's companion

    def start(self):
        self.relay.start(self.container)

    def stop(self):
        self.relay.stop()
        self.engine.dispose()

    def kill(self):
        if hasattr(self, "relay"):  # set up before it was killed
            self.relay.stop()

    def get_dependency(self, worker_ctx):
        return WorkerDatabase(self, worker_ctx)

    # -- group commit (shared.inbox): several handlers' workers in one transaction ----------------

    def open_group(self, savepoints: bool) -> "GroupCommit":
        return GroupCommit(self, savepoints)

    def join_group(self, worker_ctx, group: "GroupCommit | None") -> None:
        """The worker's units of work run inside ``group``'s transaction (None: leave it)."""
        groups = self.__dict__.setdefault("_groups", {})
        if group is None:
            groups.pop(worker_ctx, None)
        else:
            groups[worker_ctx] = group

    def group_of(self, worker_ctx) -> "GroupCommit | None":
        groups = self.__dict__.get("_groups")
        return groups.get(worker_ctx) if groups else None

    def table(self, name: str) -> Table:
        return self.metadata.tables[name]

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))


class WorkerDatabase:
    def __init__(self, provider: Database, worker_ctx):
        self._provider = provider
        self._worker_ctx = worker_ctx
        self._consumed_recorded = False

    def ping(self) -> None:
        self._provider.ping()

    def outbox_backlog(self) -> int:
        return self._provider.relay.backlog()

    def published_events(self, **criteria) -> list[dict] | None:
        with self._provider.engine.connect() as conn:
            return published_events(conn, self._provider.table("outbox"), **criteria)

    @property
    def dialect(self) -> str:
        return self._provider.engine.dialect.name

    @contextmanager
    def unit_of_work(self):
        provider = self._provider
        group = provider.group_of(self._worker_ctx)
        if group is not None:
            with group.unit_of_work(self) as uow:
                yield uow
            return
        with provider.write_lock or nullcontext():
            session = provider.sessionmaker()
            uow = UnitOfWork(session, provider.service_name, correlation_id(),
                             provider.repositories)
            try:
                self._record_consumed_event(session)
                yield uow
                session.commit()
            except BaseException:
                session.rollback()
                raise
            finally:
                session.close()
        if uow.events:
            provider.relay.wake()

    def _record_consumed_event(self, session: Session) -> None:
        """Inbox: the first unit of work of an event handler records the event id, or skips it."""
        entrypoint = self._worker_ctx.entrypoint
        if self._consumed_recorded or not getattr(entrypoint, "deduplicates", False):
            return
        event = self._worker_ctx.args[0]
        consumer = consumer_name(self._provider.service_name, entrypoint.method_name)
        inbox = self._provider.table("inbox")
        # One statement records the id and detects a duplicate (a round trip less per event); a
        # concurrent duplicate waits for the first transaction instead of failing on the key.
        recorded = session.connection().execute(_insert_if_absent(inbox), {
            "consumer": consumer, "event_id": event.id, "processed_at": utcnow()})
        if recorded.rowcount == 0:
            raise AlreadyProcessed(event.id)
        self._consumed_recorded = True


class GroupCommit:
    """One transaction for several event handlers' workers, run one after the other (shared.inbox).

    Each worker's unit of work is a savepoint: a handler that fails rolls back its own work only,
    and the others commit together, once. With ``savepoints=False`` (a group of one event) a
    failure marks the whole transaction for rollback instead.
    """

    def __init__(self, provider: Database, savepoints: bool):
        self.provider = provider
        self.savepoints = savepoints
        self.failed = False  # without savepoints, a failed unit of work spoils the transaction
        self._events_raised = False
        self._lock = provider.write_lock
        if self._lock is not None:
            self._lock.acquire()
        self.session = provider.sessionmaker()
        self._lazy_info = None  # the pooled connection's info while its savepoints are lazy
        if self._lock is not None and savepoints:
            # pysqlite begins a transaction only before DML, so SQLite would take the first
            # SAVEPOINT as the transaction itself and its RELEASE as a COMMIT: begin it here
            # (IMMEDIATE: the write lock now, waited for, instead of a busy snapshot later).
            self.session.connection().exec_driver_sql("BEGIN IMMEDIATE")
        elif savepoints and provider.engine.dialect.name == "postgresql":
            self._lazy_info = self.session.connection().info
            self._lazy_info[_LAZY_SAVEPOINTS] = True

    @contextmanager
    def unit_of_work(self, worker_db: "WorkerDatabase"):
        session = self.session
        provider = self.provider
        uow = UnitOfWork(session, provider.service_name, correlation_id(), provider.repositories)
        savepoint = session.begin_nested() if self.savepoints else None
        try:
            worker_db._record_consumed_event(session)
            yield uow
            session.flush()  # this event's statements fail here, inside its own savepoint
            if savepoint is not None:
                savepoint.commit()
        except BaseException:
            if savepoint is not None and savepoint.is_active:
                savepoint.rollback()
            else:
                self.failed = True
            raise
        if uow.events:
            self._events_raised = True

    def commit(self) -> None:
        self._plain_savepoints()
        try:
            if self.failed:
                self.session.rollback()
            else:
                self.session.commit()
        finally:
            self._close()
        if self._events_raised and not self.failed:
            self.provider.relay.wake()

    def rollback(self) -> None:
        self._plain_savepoints()
        try:
            self.session.rollback()
        finally:
            self._close()

    def _plain_savepoints(self) -> None:
        """Before the transaction ends: the connection goes back to the pool as it came."""
        if self._lazy_info is not None:
            self._lazy_info.pop(_LAZY_SAVEPOINTS, None)
            self._lazy_info.pop(_PENDING_SAVEPOINT, None)
            self._lazy_info = None

    def _close(self) -> None:
        try:
            self.session.close()
        finally:
            if self._lock is not None:
                self._lock.release()
                self._lock = None


def _insert_if_absent(table: Table):
    """INSERT … ON CONFLICT DO NOTHING: the same text on the platform's two backends. Written as
    text because the dialects' own insert() sets inherit_cache = False: SQLAlchemy would compile
    it again for every event, a fifth of the inbox's CPU."""
    key = (table, "insert-if-absent")
    statement = _statements.get(key)
    if statement is None:
        names = [column.name for column in table.columns]
        statement = _statements[key] = text(
            f"INSERT INTO {table.name} ({', '.join(names)}) "
            f"VALUES ({', '.join(':' + name for name in names)}) ON CONFLICT DO NOTHING"
        ).bindparams(*(bindparam(column.name, type_=column.type) for column in table.columns))
    return statement
