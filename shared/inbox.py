"""The inbox: ``@consumes(source, type)``, nameko's event handler made reliable.

- The message is parsed and validated as a CloudEvents envelope; the handler gets an ``Event``.
- The handler's first unit of work records the event id (see ``shared.db``): a duplicate is
  acknowledged and skipped.
- A handler that raises is retried with backoff through a per-queue retry queue whose messages
  expire back into the handler's queue; after ``INBOX.max_attempts`` the message goes to the
  service's dead-letter queue with its error and attempt count. ``shared.errors.RetryLater`` (the
  event came before one it needs) is an expected retry: a warning, no traceback. A message is acknowledged only
  after its retry or dead-letter copy was confirmed by the broker: nothing is acked away.
- A message that cannot even be decoded (a body that is not JSON, a content type that is not
  JSON) goes to the dead letters too, raw body and headers as they came, counted ``invalid``:
  nameko's queue consumer sets no decode-error handler, and kombu's default logs and acks it away.
- An ack that fails because the connection dropped is logged, not raised: the broker redelivers
  and the inbox skips what was done (nameko lets a builtin ``ConnectionResetError`` kill the
  service there).
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from functools import partial

from eventlet.event import Event as EventletEvent
from eventlet.queue import Empty, LightQueue
from nameko.events import EventHandler
from nameko.exceptions import ContainerBeingKilled
from nameko.messaging import QueueConsumer

from shared.broker import BROKER_ERRORS, ConfirmingPublisher, OutgoingMessage
from shared.config import setting
from shared.db import AlreadyProcessed, Database
from shared.errors import RetryLater
from shared.events import InvalidEvent, parse_envelope
from shared.logs import set_correlation_id
from shared.metrics import ServiceMetrics
from shared.names import (consumer_name, dead_letter_queue_name, handler_queue_name,
                          retry_queue_name)
from shared.queues import declare_handler_queues, delivery_limit, handler_queue_arguments, queue_type

log = logging.getLogger(__name__)

ATTEMPTS_HEADER = "x-iop-attempts"


# Logged by nameko as warnings, not crashes: a duplicate, and an event that arrived too early.
EXPECTED = (AlreadyProcessed, RetryLater)

__all__ = ["ATTEMPTS_HEADER", "InboxHandler", "consumes", "dead_letter_summary",
           "handler_queue_name"]


class InboxQueueConsumer(QueueConsumer):
    """nameko's queue consumer, with a decode-error handler for each inbox handler's consumer.

    kombu calls ``on_decode_error`` for a body it cannot decode or a content type it does not
    accept; the default (``ConsumerMixin.on_decode_error``) logs and acks the message away.
    """

    def get_consumers(self, consumer_cls, channel):
        consumers = super().get_consumers(consumer_cls, channel)
        for provider, consumer in self._consumers.items():
            if isinstance(provider, InboxHandler):
                consumer.on_decode_error = partial(self.handle_undecodable, provider)
        return consumers

    def handle_undecodable(self, provider, message, exc):
        # Off the consumer's thread, as nameko hands over every message it decoded.
        self.container.spawn_managed_thread(
            partial(provider.handle_undecodable, message, exc),
            identifier=f"{type(provider).__name__}.handle_undecodable")


class InboxHandler(EventHandler):
    deduplicates = True  # read by shared.db's unit of work
    metrics = ServiceMetrics()
    queue_consumer = InboxQueueConsumer()

    def __init__(self, source_service: str, event_type: str, *, group_commit: bool | None = None,
                 **kwargs):
        # group_commit: None follows INBOX.group_commit; False for a handler whose work leaves the
        # database (it sends, or calls other services), so its transaction stays its own.
        self.group_commit = group_commit
        kwargs["expected_exceptions"] = EXPECTED + _as_tuple(kwargs.get("expected_exceptions", ()))
        super().__init__(source_service, event_type, reliable_delivery=True, **kwargs)

    def setup(self):
        super().setup()
        config = self.container.config
        self.max_attempts = int(setting(config, "INBOX", "max_attempts"))
        self.backoff_ms = [int(ms) for ms in setting(config, "INBOX", "backoff_ms")]
        self.service_name = self.container.service_name
        self.retry_queue = retry_queue_name(self.queue.name)
        self.dead_letter_queue = dead_letter_queue_name(self.service_name)
        self.publisher = ConfirmingPublisher(setting(config, "AMQP_URI"))
        self.queue_type = queue_type(config)
        # nameko's queue, declared with the same arguments as `python -m shared.topology`'s.
        self.queue.queue_arguments = handler_queue_arguments(
            self.service_name, self.queue_type, delivery_limit(config)) or None
        self._setup_group_commit(config)

    def _setup_group_commit(self, config):
        enabled = setting(config, "INBOX", "group_commit")
        if self.group_commit is not None:  # the handler's own choice wins
            enabled = self.group_commit
        self.group_max_events = int(setting(config, "INBOX", "group_max_events"))
        self.database = next((ext for ext in self.container.dependencies
                              if isinstance(ext, Database)), None)
        enabled = enabled and self.database is not None and self.group_max_events > 1
        self._groups = LightQueue() if enabled else None
        self._group_runners = []

    def start(self):
        # The same declarations as `python -m shared.topology`.
        declare_handler_queues(self.container.config["AMQP_URI"], self.queue.name,
                               self.service_name, self.queue_type)
        if self._groups is not None:
            for index in range(int(setting(self.container.config, "INBOX", "groups_in_flight"))):
                self._group_runners.append(self.container.spawn_managed_thread(
                    self._run_groups, identifier=f"inbox-groups-{self.method_name}-{index}"))
        super().start()

    def stop(self):
        super().stop()  # no more deliveries; those already taken are handled, then we stop
        for _ in self._group_runners:
            self._groups.put(None)
        for runner in self._group_runners:
            runner.wait()
        self._group_runners = []
        self.publisher.close()

    def handle_message(self, body, message):
        attempts = int((message.headers or {}).get(ATTEMPTS_HEADER, 0))
        try:
            event = parse_envelope(body)
        except InvalidEvent as exc:
            # A malformed message will never succeed: straight to the dead letters.
            self._settle(message, "unknown", "invalid", self._dead_letter, message, exc, attempts + 1)
            return
        self._dispatch(event, message, attempts)

    # -- handling: one event alone, or a group of delivered events in one transaction ------------

    def _dispatch(self, event, message, attempts):
        if self._groups is not None:
            self._groups.put((event, message, attempts))  # taken by _run_groups
            return
        self._handle_alone(event, message, attempts)

    def _handle_alone(self, event, message, attempts):
        try:
            self.container.spawn_worker(
                self, (event,), {}, context_data=self._context_data(event, message),
                handle_result=partial(self._handle_outcome, message, event, attempts))
        except ContainerBeingKilled:
            self._requeue(message)

    def _context_data(self, event, message) -> dict:
        context_data = self.unpack_message_headers(message)
        context_data["correlation_id"] = event.correlation_id
        return context_data

    def _run_groups(self):
        """Takes what the broker delivered (up to the prefetch) as one group, handles it, repeats."""
        while True:
            item = self._groups.get()
            if item is None:
                return  # stopping: everything put before was handled
            group = [item]
            while len(group) < self.group_max_events:
                try:
                    item = self._groups.get_nowait()
                except Empty:
                    break
                if item is None:
                    self._groups.put(None)  # for this runner's next turn, after this group
                    break
                group.append(item)
            self._handle_group(group)

    def _handle_group(self, group):
        """Each event's worker in turn inside one transaction (a savepoint each), then one commit;
        the messages are settled after it: acked, or a failed one retried or dead-lettered alone."""
        transaction = self.database.open_group(savepoints=len(group) > 1)
        outcomes = []
        try:
            for event, message, attempts in group:
                outcomes.append(self._run_in_group(transaction, event, message))
        except BaseException:
            transaction.rollback()
            raise
        try:
            transaction.commit()
        except Exception as exc:
            # Nothing of the group was kept: each event is handled again on its own, as usual.
            log.warning("group commit failed (%s); handling its %d events one by one",
                        type(exc).__name__, len(group), extra={"service": self.service_name})
            for event, message, attempts in group:
                self._handle_alone(event, message, attempts)
            return
        for (event, message, attempts), (worker_ctx, result, exc_info) in zip(group, outcomes):
            if transaction.failed and exc_info is None:
                # No savepoints (one event) and its transaction rolled back: nothing was kept.
                exc_info = (RuntimeError, RuntimeError("the group's transaction rolled back"), None)
            self._handle_outcome(message, event, attempts, worker_ctx, result, exc_info)

    def _run_in_group(self, transaction, event, message):
        """Run one worker to its end inside the group's transaction; its outcome, not yet settled."""
        finished = EventletEvent()

        def handle_result(worker_ctx, result, exc_info):
            finished.send((worker_ctx, result, exc_info))
            return result, exc_info

        worker_ctx = self.container.spawn_worker(
            self, (event,), {}, context_data=self._context_data(event, message),
            handle_result=handle_result)
        self.database.join_group(worker_ctx, transaction)  # before the worker first runs
        try:
            return finished.wait()
        finally:
            self.database.join_group(worker_ctx, None)

    def handle_undecodable(self, message, error):
        """A message kombu could not decode: dead-lettered as it came, never acked away."""
        attempts = int((message.headers or {}).get(ATTEMPTS_HEADER, 0) or 0)
        log.warning("undecodable message on %s (%s); dead-lettered", self.queue.name,
                    type(error).__name__, extra={"service": self.service_name})
        self._settle(message, "unknown", "invalid", self._dead_letter, message, error, attempts + 1)

    def _handle_outcome(self, message, event, attempts, worker_ctx, result, exc_info):
        """Settle one message by its worker's outcome (after its commit, alone or in a group)."""
        set_correlation_id(event.correlation_id)
        if exc_info is None:
            self._settle(message, event.type, "processed", None)
            return result, None
        if issubclass(exc_info[0], AlreadyProcessed):
            self._settle(message, event.type, "duplicate", None)
            return None, None
        attempt = attempts + 1
        error = exc_info[1]
        extra = {"event_type": event.type, "event_id": event.id, "attempt": attempt,
                 "service": self.service_name}
        if attempt < self.max_attempts:
            if isinstance(error, RetryLater):  # expected: what this event needs is not here yet
                log.warning("handler %s: %s; retrying later", self.method_name, error, extra=extra)
            else:
                log.warning("handler %s failed (%s); retrying", self.method_name,
                            type(error).__name__, extra=extra)
            self._settle(message, event.type, "retried", self._retry, message, error, attempt)
        else:
            log.error("handler %s failed %d times (%s); dead-lettered", self.method_name,
                      attempt, type(error).__name__, extra=extra)
            self._settle(message, event.type, "dead_lettered", self._dead_letter, message, error, attempt)
        return result, exc_info

    def _settle(self, message, event_type, outcome, forward, *args):
        """Forward a copy if needed (confirmed), then ack; on broker trouble, leave it unacked."""
        try:
            if forward is not None:
                forward(*args)
        except BROKER_ERRORS:
            log.warning("could not forward failed message; it will be redelivered")
            self._requeue(message)
            return
        self.metrics.events_consumed.labels(type=event_type, outcome=outcome).inc()
        self._ack(message)

    def _retry(self, message, error, attempt):
        delay = self.backoff_ms[min(attempt - 1, len(self.backoff_ms) - 1)]
        self.publisher.publish([OutgoingMessage(
            exchange="", routing_key=self.retry_queue, body=message.body,
            message_id=message.properties.get("message_id"),
            headers={**(message.headers or {}), ATTEMPTS_HEADER: attempt,
                     "x-iop-last-error": _describe(error)},
            content_type=message.content_type, content_encoding=message.content_encoding,
            expiration=str(delay))])

    def _dead_letter(self, message, error, attempt):
        self.publisher.publish([OutgoingMessage(
            exchange="", routing_key=self.dead_letter_queue, body=message.body,
            message_id=message.properties.get("message_id"),
            headers={**(message.headers or {}), ATTEMPTS_HEADER: attempt,
                     "x-iop-error": _describe(error), "x-iop-queue": self.queue.name,
                     "x-iop-handler": consumer_name(self.service_name, self.method_name),
                     "x-iop-failed-at": datetime.now(timezone.utc).isoformat()},
            content_type=message.content_type, content_encoding=message.content_encoding)])

    def _ack(self, message):
        try:
            self.queue_consumer.ack_message(message)
        except (ConnectionError, OSError) as exc:
            log.warning("ack lost with the connection (%s); the broker will redeliver",
                        type(exc).__name__)

    def _requeue(self, message):
        try:
            self.queue_consumer.requeue_message(message)
        except (ConnectionError, OSError):
            pass  # the connection is gone, so the broker requeues it anyway


def _as_tuple(exceptions) -> tuple:
    return tuple(exceptions) if isinstance(exceptions, (tuple, list)) else (exceptions,)


def _describe(error: BaseException) -> str:
    # The exception type and message: handlers raise ids and rule names, not patient data.
    return f"{type(error).__name__}: {error}"[:2000]


consumes = InboxHandler.decorator


def dead_letter_summary(message_body: bytes, headers: dict) -> dict:
    try:
        envelope = json.loads(message_body)
    except ValueError:  # not JSON (an undecodable message is dead-lettered as it came)
        envelope = {}
    if not isinstance(envelope, dict):
        envelope = {}
    return {"id": envelope.get("id"), "type": envelope.get("type"),
            "handler": headers.get("x-iop-handler"), "attempts": headers.get(ATTEMPTS_HEADER),
            "error": headers.get("x-iop-error"), "failed_at": headers.get("x-iop-failed-at"),
            "queue": headers.get("x-iop-queue")}
