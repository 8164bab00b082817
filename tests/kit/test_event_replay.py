"""GET /events: an integrator who was offline catches up from the producer's outbox."""
import uuid

from demo.launch import wait_until
from tests.kit.kit_services import DischargingService, ProducerBase


def test_integrator_catches_up_after_the_last_event_it_saw(platform):
    producer = platform.start(DischargingService, ProducerBase.metadata)
    sent = [producer.post("/discharges", {"enrollment_id": str(uuid.uuid4()),
                                          "patient_id": str(uuid.uuid4())}).json()["event_id"]
            for _ in range(4)]
    replay = lambda **q: producer.get("/events", key="integrator", params=q)  # noqa: E731
    wait_until(lambda: len(replay().json()["events"]) == 4, message="events never published")

    page = replay(after=sent[0], limit=2).json()
    assert [e["id"] for e in page["events"]] == sent[1:3]
    assert page["last"] == sent[2]
    assert [e["id"] for e in replay(after=page["last"]).json()["events"]] == sent[3:]
    assert replay(type="PatientEnrolled").json()["events"] == []


def test_replay_is_for_integrators_and_refuses_bad_parameters(platform):
    producer = platform.start(DischargingService, ProducerBase.metadata)
    assert producer.get("/events", key="riverside").status_code == 403
    bad = producer.get("/events", key="integrator", params={"type": "Nope", "limit": 0})
    assert bad.status_code == 422 and set(bad.json()["errors"]) == {"type", "limit"}
    unknown = producer.get("/events", key="integrator", params={"after": str(uuid.uuid4())})
    assert unknown.status_code == 404
