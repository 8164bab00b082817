"""The HTTP edge of every service: keys, roles, problem documents, health, metrics, OpenAPI."""
import uuid

import pytest
from sqlalchemy import create_engine, func, select

from tests.kit.kit_services import DischargingService, ProducerBase

PROBLEM = "application/problem+json"


@pytest.fixture
def producer(platform):
    return platform.start(DischargingService, ProducerBase.metadata)


def rows(platform, table):
    engine = create_engine(platform.database_urls["intake"])
    with engine.connect() as conn:
        value = conn.scalar(select(func.count()).select_from(ProducerBase.metadata.tables[table]))
    engine.dispose()
    return value


def valid_body():
    return {"enrollment_id": str(uuid.uuid4()), "patient_id": str(uuid.uuid4())}


def test_health_ready_metrics_and_openapi_need_no_key(producer):
    assert producer.get("/health", key=None).json() == {"status": "ok", "service": "intake"}
    ready = producer.get("/ready", key=None)
    assert ready.status_code == 200 and ready.json()["checks"] == {"database": "ok", "broker": "ok"}
    producer.post("/discharges", valid_body())
    metrics = producer.get("/metrics", key=None).text
    assert 'iop_http_requests_total{method="POST",route="/discharges",status="201"} 1.0' in metrics
    assert "iop_outbox_backlog" in metrics
    document = producer.get("/openapi.json", key=None).json()
    operation = document["paths"]["/discharges"]["post"]
    assert document["openapi"].startswith("3.")
    assert operation["requestBody"]["content"]["application/json"]["schema"]["required"] == [
        "enrollment_id", "patient_id"]
    assert operation["security"] == [{"bearer": []}]


def test_missing_or_unknown_key_is_401_problem(producer):
    for key in (None, "not-a-key"):
        response = producer.post("/discharges", valid_body(), key=key)
        assert response.status_code == 401
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["status"] == 401 and response.json()["title"] == "Unauthorized"


def test_role_without_the_right_is_403(producer, platform):
    response = producer.post("/discharges", valid_body(), key="riverside")
    assert response.status_code == 403 and response.headers["content-type"] == PROBLEM
    assert rows(platform, "discharges") == 0


def test_malformed_json_is_400_and_changes_nothing(producer, platform):
    response = producer.request("POST", "/discharges", data="{not json",
                                headers={"content-type": "application/json"})
    assert response.status_code == 400 and response.headers["content-type"] == PROBLEM
    assert "not valid JSON" in response.json()["detail"]
    assert rows(platform, "discharges") == 0 and rows(platform, "outbox") == 0


def test_invalid_fields_are_422_naming_each_field_and_change_nothing(producer, platform):
    response = producer.post("/discharges", {"enrollment_id": "nope", "roll_back": "maybe",
                                             "surprise": 1})
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM
    errors = response.json()["errors"]
    assert set(errors) == {"enrollment_id", "patient_id", "roll_back", "surprise"}
    assert rows(platform, "discharges") == 0 and rows(platform, "outbox") == 0


def test_correlation_id_follows_the_request_into_its_event(producer, subscriber):
    watcher = subscriber(("intake", "PatientDischarged"))
    response = producer.post("/discharges", valid_body(),
                             headers={"X-Correlation-ID": "req-42"})
    assert response.headers["X-Correlation-ID"] == "req-42"
    assert watcher.wait_for("PatientDischarged")[0]["correlationid"] == "req-42"


def test_development_keys_are_refused_in_production(platform):
    with pytest.raises(RuntimeError, match="development key"):
        platform.start(DischargingService, ProducerBase.metadata, IOP_ENV="production")
