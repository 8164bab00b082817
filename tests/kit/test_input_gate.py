"""The input gate: a malformed, oversized or mistyped request is a problem document and changes
nothing; so are the answers the web server gives before any route runs."""
import json
import socket
import uuid

import pytest

from shared.config import load_config
from tests.kit.kit_services import DischargingService, ProducerBase
from tests.kit.test_http import rows

PROBLEM = "application/problem+json"


@pytest.fixture
def producer(platform):
    service = platform.start(DischargingService, ProducerBase.metadata)
    service.platform = platform  # for counting rows after a refusal
    return service


def body(**extra):
    return {"enrollment_id": str(uuid.uuid4()), "patient_id": str(uuid.uuid4()), **extra}


def post_raw(producer, data, content_type="application/json"):
    headers = {"Content-Type": content_type} if content_type else {}
    return producer.request("POST", "/discharges", data=data, headers=headers)


def assert_refused(producer, response, status):
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["status"] == status
    assert rows(producer.platform, "discharges") == 0 and rows(producer.platform, "outbox") == 0
    return response.json()


@pytest.mark.parametrize("content_type", [
    "text/plain", "application/x-www-form-urlencoded", "application/xml", None])
def test_a_json_body_under_another_content_type_is_415(producer, content_type):
    problem = assert_refused(producer, post_raw(producer, json.dumps(body()), content_type), 415)
    assert "application/json" in problem["detail"]


def test_a_plus_json_content_type_is_accepted(producer):
    response = post_raw(producer, json.dumps(body()), "application/merge-patch+json")
    assert response.status_code == 201


def test_a_body_over_the_configured_size_is_413(producer):
    limit = load_config()["HTTP"]["max_body_bytes"]
    problem = assert_refused(producer, post_raw(producer, json.dumps(body(note="x" * (10 * limit)))), 413)
    assert problem["max_bytes"] == limit


def test_json_nested_100000_deep_is_400_not_a_crash(producer):
    problem = assert_refused(producer, post_raw(producer, "[" * 100_000 + "]" * 100_000), 400)
    assert "100000 levels" in problem["detail"]


def test_brackets_inside_strings_do_not_count_as_nesting(producer):
    response = producer.post("/discharges", body(note="[[[[{{{{" * 20))
    assert response.status_code == 201


@pytest.mark.parametrize("raw_note", ['"a\\u0000b"', '"\\udfff"', '"bell\\u0007"'])
def test_control_characters_and_lone_surrogates_are_422_naming_the_field(producer, raw_note):
    raw = json.dumps(body())[:-1] + f', "note": {raw_note}}}'
    problem = assert_refused(producer, post_raw(producer, raw), 422)
    assert list(problem["errors"]) == ["note"]


def test_a_name_of_zero_width_spaces_only_is_blank(producer):
    problem = assert_refused(producer, producer.post("/discharges", body(note="\u200b\u200b \u2060")), 422)
    assert problem["errors"] == {"note": ["Must not be blank."]}


def test_a_repeated_key_is_refused_rather_than_the_last_one_winning(producer):
    raw = json.dumps(body())[:-1] + ', "roll_back": false, "roll_back": true}'
    problem = assert_refused(producer, post_raw(producer, raw), 422)
    assert list(problem["errors"]) == ["roll_back"]


def test_an_unknown_method_is_405_problem_with_allow(producer):
    response = producer.request("DELETE", "/discharges")
    assert response.status_code == 405 and response.headers["content-type"] == PROBLEM
    assert response.headers["Allow"] == "POST"


def test_an_unknown_route_is_404_problem(producer):
    response = producer.get("/no-such-route")
    assert response.status_code == 404 and response.headers["content-type"] == PROBLEM


def raw_http(producer, request: bytes) -> tuple[int, dict, dict]:
    host, port = producer.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, payload = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, json.loads(payload)


def test_an_overlong_request_line_is_414_problem(producer):
    status, headers, problem = raw_http(
        producer, b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status == 414 and headers["Content-Type"] == PROBLEM and problem["status"] == 414


def test_an_oversized_header_is_431_problem(producer):
    status, headers, problem = raw_http(
        producer, b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n")
    assert status == 431 and headers["Content-Type"] == PROBLEM and problem["status"] == 431


def test_401_says_bearer_in_www_authenticate(producer):
    response = producer.post("/discharges", body(), key=None)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("value", ["prod", "Production", "staging", ""])
def test_an_unknown_iop_env_refuses_to_start(platform, value):
    with pytest.raises(ValueError, match="IOP_ENV"):
        platform.start(DischargingService, ProducerBase.metadata, IOP_ENV=value)
