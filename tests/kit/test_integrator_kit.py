"""The integrator's kit: docs/asyncapi.yaml, examples/subscriber.py and `bin/iop events tail`."""
import ast
import json
import os
import subprocess
import sys
import urllib.parse
import uuid

import pytest
import requests
import yaml
from kombu import Connection, Exchange, Producer

from demo.launch import wait_until
from shared.config import ROOT, load_config
from shared.events import CATALOG, EventType
from shared import asyncapi
from shared.events.catalog import EventData, Id
from shared.events.envelope import EnvelopeSchema
from shared.openapi import json_schema
from shared.registry import service_class, service_names
from shared.topology import subscriptions
from tests.support.events import publish_event
from tests.support.proxy import TcpProxy
from tests.unit.event_examples import example

SUBSCRIBER = ROOT / "examples" / "subscriber.py"
IOP = ROOT / "bin" / "iop"


# -- docs/asyncapi.yaml ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def document():
    return yaml.safe_load(asyncapi.DOCUMENT.read_text(encoding="utf-8"))


def resolve(document, reference: dict) -> dict:
    assert set(reference) == {"$ref"}, reference
    pointer = reference["$ref"]
    assert pointer.startswith("#/"), pointer
    node = document
    for part in pointer[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def data_schema(document, message: dict) -> dict:
    """The schema of `data` inside a message's envelope payload."""
    payload = resolve(document, message["payload"])
    envelope_ref, narrowed = payload["allOf"]
    assert resolve(document, envelope_ref) is document["components"]["schemas"][asyncapi.ENVELOPE]
    return resolve(document, narrowed["properties"]["data"])


def field_names(schema) -> set[str]:
    return {field.data_key or name for name, field in schema().fields.items()}


def test_checked_in_document_is_the_generated_one():
    assert asyncapi.DOCUMENT.read_text(encoding="utf-8") == asyncapi.render(), (
        "docs/asyncapi.yaml is stale: run python -m shared.asyncapi")
    assert asyncapi.main(["--check"]) == 0


def test_document_is_asyncapi_3_shaped(document):
    assert document["asyncapi"] == "3.0.0"
    assert document["info"]["title"] and document["info"]["version"]
    assert document["defaultContentType"] == "application/json"
    assert document["servers"]["development"]["protocol"] == "amqp"
    for channel in document["channels"].values():
        assert channel["address"]
        for reference in channel["messages"].values():
            resolve(document, reference)
        resolve(document, channel["bindings"])
    for operation in document["operations"].values():
        assert operation["action"] in ("send", "receive")
        channel = resolve(document, operation["channel"])
        for reference in operation["messages"]:
            assert resolve(document, reference) in channel["messages"].values()
    for name, message in document["components"]["messages"].items():
        assert message["contentType"] == "application/json"
        assert message["payload"] == {"$ref": f"#/components/schemas/{name}"}
        resolve(document, message["payload"])


def test_delivery_guarantees_are_stated(document):
    description = " ".join(document["info"]["description"].split()).lower()
    for promise in ("at least once", "deduplicate on the envelope `id`", "persistent",
                    "publisher confirms", "order they were committed", "retention_days"):
        assert promise in description, promise


def test_every_exchange_is_a_durable_topic_exchange_binding(document):
    bindings = document["components"]["channelBindings"]
    assert set(bindings) == {event.exchange for event in CATALOG.values()}
    for name, binding in bindings.items():
        amqp = binding["amqp"]
        assert amqp["is"] == "routingKey"
        assert amqp["exchange"] == {"name": name, "type": "topic", "durable": True,
                                    "autoDelete": False, "vhost": "/"}


def test_messages_and_channels_are_exactly_the_catalog(document):
    assert set(document["components"]["messages"]) == set(CATALOG)
    assert len(document["channels"]) == len(CATALOG)
    for name, event in CATALOG.items():
        channel = document["channels"][f"{event.exchange}.{name}"]
        assert channel["address"] == event.routing_key
        assert resolve(document, channel["bindings"])["amqp"]["exchange"]["name"] == event.exchange
        assert resolve(document, channel["messages"][name]) is document["components"]["messages"][name]


def test_each_payload_is_the_envelope_with_the_catalog_data(document):
    envelope = document["components"]["schemas"][asyncapi.ENVELOPE]
    assert set(envelope["properties"]) == field_names(EnvelopeSchema)
    published = json.loads((ROOT / "docs" / "events" / "envelope.json").read_text(encoding="utf-8"))
    del published["$schema"], published["$id"]
    assert envelope == published
    for name, event in CATALOG.items():
        message = document["components"]["messages"][name]
        narrowed = resolve(document, message["payload"])["allOf"][1]["properties"]
        assert narrowed["type"] == {"const": name}
        assert narrowed["dataschema"] == {"enum": [f"urn:iop:event:{name}:v{n}" for n in range(1, event.version + 1)]}
        data = data_schema(document, message)
        assert set(data["properties"]) == field_names(event.schema), name
        assert data == json_schema(event.schema), name


def test_operations_are_the_producers_sends_and_the_services_receives(document):
    operations = document["operations"]
    sends = {(op["channel"]["$ref"], key.split(".")[0]) for key, op in operations.items()
             if op["action"] == "send"}
    assert sends == {(f"#/channels/{event.exchange}.{name}", event.producer)
                     for name, event in CATALOG.items()}
    receives = {(key.split(".")[0], key.rsplit(".", 1)[1]) for key, op in operations.items()
                if op["action"] == "receive"}
    config = load_config()
    expected = {(service, event_type) for service in service_names(config)
                for _, event_type, _ in subscriptions(service_class(config, service))}
    assert receives == expected


class AddedEvent(EventData):
    added_id = Id(required=True)


class PatientDischargedWithMore(EventData):
    enrollment_id = Id(required=True)


@pytest.mark.parametrize("change", ["added", "removed", "changed"])
def test_check_fails_when_the_catalog_changes_without_regenerating(monkeypatch, capsys, change):
    catalog = dict(CATALOG)
    if change == "added":
        catalog["AddedEvent"] = EventType(type="AddedEvent", producer="intake", schema=AddedEvent,
                                          summary="Added without regenerating.")
    elif change == "removed":
        del catalog["PatientDischarged"]
    else:
        catalog["PatientDischarged"] = EventType(type="PatientDischarged", producer="intake",
                                                 schema=PatientDischargedWithMore,
                                                 summary=CATALOG["PatientDischarged"].summary)
    monkeypatch.setattr(asyncapi, "CATALOG", catalog)

    assert asyncapi.main(["--check"]) == 1
    assert "python -m shared.asyncapi" in capsys.readouterr().err


def test_generate_writes_what_check_accepts(tmp_path):
    output = tmp_path / "asyncapi.yaml"
    assert asyncapi.main(["--check", "--output", str(output)]) == 1  # missing
    assert asyncapi.main(["--output", str(output)]) == 0
    assert asyncapi.main(["--check", "--output", str(output)]) == 0


# -- examples/subscriber.py --------------------------------------------------------------------


class Subscriber:
    """examples/subscriber.py as a separate, isolated process (no project imports possible)."""

    def __init__(self, amqp_uri, workdir, queue, binds, max_events):
        self.stdout = workdir / f"{queue}.{uuid.uuid4().hex[:6]}.out"
        self.stderr = self.stdout.with_suffix(".err")
        args = [sys.executable, "-I", str(SUBSCRIBER), "--amqp-uri", amqp_uri, "--queue", queue,
                "--seen-db", str(workdir / f"{queue}.seen.sqlite"), "--prefetch", "5",
                "--max", str(max_events)]
        for bind in binds:
            args += ["--bind", bind]
        self.queue = queue
        with open(self.stdout, "wb") as out, open(self.stderr, "wb") as err:
            self.process = subprocess.Popen(args, cwd=workdir, stdout=out, stderr=err)

    def wait_until_consuming(self):
        wait_until(lambda: f"consuming {self.queue}" in self.stderr.read_text()
                   or self.process.poll() is not None,
                   timeout=20, message="the subscriber did not start consuming")
        assert self.process.poll() is None, self.stderr.read_text()

    def finish(self, timeout=30) -> list[dict]:
        """What it printed, once it stopped by itself after --max events."""
        assert self.process.wait(timeout=timeout) == 0, self.stderr.read_text()
        return [json.loads(line) for line in self.stdout.read_text().splitlines()]


@pytest.fixture
def start_subscriber(tmp_path):
    """Starts examples/subscriber.py; whatever a failed test left running is killed."""
    started = []

    def start(amqp_uri, queue, binds, max_events):
        started.append(Subscriber(amqp_uri, tmp_path, queue, binds, max_events))
        started[-1].wait_until_consuming()
        return started[-1]

    yield start
    for subscriber in started:
        if subscriber.process.poll() is None:
            subscriber.process.kill()
            subscriber.process.wait()


def republish(amqp_uri, envelope):
    """The same envelope again, as a relay restarted before marking it sent would."""
    producer = CATALOG[envelope["type"]].producer
    with Connection(amqp_uri) as conn:
        Producer(conn).publish(json.dumps(envelope), exchange=Exchange(f"{producer}.events", "topic"),
                               routing_key=envelope["type"], content_type="application/json",
                               message_id=envelope["id"], delivery_mode=2)


def message_count(amqp_uri, queue) -> int:
    with Connection(amqp_uri) as conn:
        return conn.default_channel.queue_declare(queue, passive=True).message_count


def enrolled(amqp_uri, site="riverside"):
    return publish_event(amqp_uri, "PatientEnrolled",
                         example("PatientEnrolled", site_id=site, enrollment_id=str(uuid.uuid4())),
                         site_id=site)


def attended(amqp_uri, site="riverside"):
    return publish_event(amqp_uri, "SessionAttended",
                         example("SessionAttended", site_id=site, booking_id=str(uuid.uuid4())),
                         site_id=site)


def missed(amqp_uri, site="riverside"):
    return publish_event(amqp_uri, "SessionMissed",
                         example("SessionMissed", site_id=site, booking_id=str(uuid.uuid4())),
                         site_id=site)


def test_subscriber_processes_each_event_once_and_acks_everything(amqp_uri, broker, start_subscriber):
    queue = "my-integration"
    binds = ["intake:PatientEnrolled", "scheduling:SessionAttended"]
    subscriber = start_subscriber(amqp_uri, queue, binds, max_events=3)

    first = enrolled(amqp_uri)
    second = attended(amqp_uri)
    republish(amqp_uri, first)
    with Connection(amqp_uri) as conn:  # not an envelope: rejected to the queue's dead letters
        Producer(conn).publish(b'{"hello": "world"}', exchange=Exchange("scheduling.events", "topic"),
                               routing_key="SessionAttended", content_type="application/json")
    missed(amqp_uri)  # a type it did not bind
    third = attended(amqp_uri, site="lakeside")

    printed = subscriber.finish()

    assert [event["id"] for event in printed] == [first["id"], second["id"], third["id"]]
    assert printed[0] == first
    # The process has exited: anything unacked would be back in the queue by now.
    assert message_count(amqp_uri, queue) == 0
    assert message_count(amqp_uri, f"{queue}.dead-letters") == 1
    vhost = urllib.parse.unquote(amqp_uri.rsplit("/", 1)[1])
    details = broker.queue(vhost, queue)
    assert details["durable"] and not details["auto_delete"]
    wait_until(lambda: broker.queue(vhost, queue).get("messages_unacknowledged") == 0
               and broker.queue(vhost, queue).get("messages") == 0, timeout=15)

    # Restarted with the same seen-id file: an event seen before the restart is not reprocessed.
    subscriber = start_subscriber(amqp_uri, queue, binds, max_events=1)
    republish(amqp_uri, second)
    fourth = enrolled(amqp_uri)
    assert [event["id"] for event in subscriber.finish()] == [fourth["id"]]
    assert message_count(amqp_uri, queue) == 0


def test_subscriber_reconnects_and_gets_what_was_published_while_it_was_cut_off(amqp_uri, start_subscriber):
    proxy = TcpProxy(5672)
    try:
        subscriber = start_subscriber(proxy.uri(amqp_uri), "my-integration",
                                      ["scheduling:SessionAttended"], max_events=2)
        first = attended(amqp_uri)
        wait_until(lambda: subscriber.stdout.read_text().count("\n") == 1)

        proxy.cut()
        wait_until(lambda: "Connection to broker lost" in subscriber.stderr.read_text(),
                   message="the subscriber did not notice the lost connection")
        second = attended(amqp_uri)  # kept by its durable queue meanwhile
        proxy.restore()

        printed = subscriber.finish()
    finally:
        proxy.cut()
    assert [event["id"] for event in printed] == [first["id"], second["id"]]
    assert subscriber.stderr.read_text().count("consuming my-integration") == 2
    assert message_count(amqp_uri, "my-integration") == 0


def test_subscriber_needs_only_kombu_and_the_standard_library():
    tree = ast.parse(SUBSCRIBER.read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module and node.level == 0}
    assert imported - sys.stdlib_module_names == {"kombu"}


# -- bin/iop ----------------------------------------------------------------------------------


def iop_environment(amqp_uri):
    return {**os.environ, "AMQP_URI": amqp_uri, "PYTHONPATH": ""}


def bound_queues(broker, amqp_uri, exchange) -> set[tuple[str, str]]:
    """(queue, routing key) bound to an exchange, from the management API."""
    vhost = amqp_uri.rsplit("/", 1)[1]  # already quoted
    parts = urllib.parse.urlsplit(broker.management_url)
    response = requests.get(
        f"{parts.scheme}://{parts.hostname}:{parts.port}/api/exchanges/{vhost}/{exchange}/bindings/source",
        auth=(parts.username or "guest", parts.password or "guest"), timeout=10)
    if response.status_code == 404:  # the exchange is not declared yet
        return set()
    response.raise_for_status()
    return {(b["destination"], b["routing_key"]) for b in response.json()}


def test_iop_is_an_executable_script():
    assert os.access(IOP, os.X_OK)


def test_iop_events_tail_prints_the_chosen_type_and_site_published_after_it_bound(amqp_uri, broker, tmp_path):
    before = attended(amqp_uri)  # nobody bound yet: not shown
    output = tmp_path / "tail.out"
    with open(output, "wb") as out:
        tail = subprocess.Popen([str(IOP), "events", "tail", "--type", "SessionAttended",
                                 "--site", "riverside"],
                                cwd=tmp_path, env=iop_environment(amqp_uri), stdout=out,
                                stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: any(queue.startswith("tail-") and key == "SessionAttended"
                               for queue, key in bound_queues(broker, amqp_uri, "scheduling.events")),
                   timeout=20, message="the tail did not bind its queue")
        attended(amqp_uri, site="lakeside")  # another site
        missed(amqp_uri)  # another type
        enrolled(amqp_uri)  # another type, from another producer
        wanted = [attended(amqp_uri), attended(amqp_uri)]

        # One queue, in order: once the last wanted event is shown, the others were filtered.
        wait_until(lambda: len(output.read_text().splitlines()) >= 2, timeout=15,
                   message=f"tail printed: {output.read_text()!r}")
        shown = [json.loads(line) for line in output.read_text().splitlines()]
        assert [event["id"] for event in shown] == [event["id"] for event in wanted]
        assert before["id"] not in {event["id"] for event in shown}
        assert shown[0] == wanted[0]
    finally:
        tail.terminate()
        tail.wait(timeout=10)


def test_iop_dead_letters_list_runs_from_anywhere(amqp_uri, tmp_path):
    result = subprocess.run([str(IOP), "dead-letters", "list", "intake"], cwd=tmp_path,
                            env=iop_environment(amqp_uri), capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
