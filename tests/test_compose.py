"""docker-compose.yml, the Dockerfile and the broker/database seed files, checked without an engine.

`docker-compose config` (Debian package `docker-compose`) or `docker compose config` validates and
resolves the file; neither needs a running Docker engine. Missing both is a failure, not a skip:
CI must install one.
"""
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SERVICES = {"intake": 8001, "scheduling": 8002, "notifications": 8003, "outcomes": 8004}


def compose_command() -> list[str]:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True)
        if probe.returncode == 0:
            return ["docker", "compose"]
    pytest.fail("neither `docker-compose` nor `docker compose` is installed: "
                "apt-get install -y docker-compose")


@pytest.fixture(scope="module")
def resolved() -> dict:
    """The file as compose itself reads it: anchors merged, variables substituted."""
    result = subprocess.run([*compose_command(), "-f", "docker-compose.yml", "config"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


@pytest.fixture(scope="module")
def raw() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_config_is_valid(resolved):
    expected = {"rabbitmq", "postgres", "mail", "setup", *SERVICES}
    assert expected <= set(resolved["services"])


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_is_healthchecked_restarted_and_waits_for_its_dependencies(resolved, name):
    service = resolved["services"][name]
    assert service["restart"] == "unless-stopped"
    assert "/health" in " ".join(service["healthcheck"]["test"])
    depends = service["depends_on"]
    assert depends["rabbitmq"]["condition"] == "service_healthy"
    assert depends["postgres"]["condition"] == "service_healthy"
    assert depends["setup"]["condition"] == "service_completed_successfully"
    env = service["environment"]
    assert env["AMQP_URI"].startswith("amqp://")
    assert env[f"{name.upper()}_DATABASE_URL"].endswith(f"/{name}")
    assert env["WEB_SERVER_ADDRESS"] == f"0.0.0.0:{SERVICES[name]}"
    command = " ".join(service["command"])
    assert command.startswith("nameko run --config config/config.yaml")
    assert f"services.{name}.service" in command


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_scales_on_its_own(raw, resolved, name):
    assert "container_name" not in raw["services"][name]
    for port in resolved["services"][name].get("ports", []):
        # A fixed host port would let only one replica start under --scale.
        assert fixed_host_port(port) in ("", "0"), f"{name} publishes a fixed host port: {port}"


def fixed_host_port(port) -> str:
    """The host side of a port mapping, in compose v1's short form or compose v2's long form."""
    if isinstance(port, dict):
        return str(port.get("published") or "")
    parts = str(port).split("/")[0].split(":")
    return parts[-2] if len(parts) >= 2 else ""


def test_no_service_has_a_fixed_container_name(raw):
    assert [n for n, s in raw["services"].items() if "container_name" in s] == []


def test_every_dependency_is_healthchecked(resolved):
    services = resolved["services"]
    for name in ("rabbitmq", "postgres", "mail"):
        assert services[name]["healthcheck"]["test"], name
    assert services["notifications"]["depends_on"]["mail"]["condition"] == "service_healthy"
    env = services["notifications"]["environment"]
    assert env["SMTP_HOST"] == "mail" and str(env["SMTP_PORT"]) == "1025"


def test_setup_declares_the_topology_then_migrates(resolved):
    setup = resolved["services"]["setup"]
    command = " ".join(setup["command"])
    assert "python -m shared.topology" in command
    assert "python -m shared.migrations upgrade" in command
    assert setup["depends_on"]["rabbitmq"]["condition"] == "service_healthy"
    for name in SERVICES:
        assert setup["environment"][f"{name.upper()}_DATABASE_URL"].endswith(f"/{name}")


def test_the_image_runs_as_a_non_root_user_from_the_lock():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim\b", dockerfile, re.M)
    assert "requirements.lock" in dockerfile
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.M)
    assert users and users[-1] not in ("root", "0", "0:0")


def test_broker_definitions_hold_the_unroutable_policy(resolved):
    definitions = json.loads((ROOT / "config/rabbitmq/definitions.json").read_text())
    policy = next(p for p in definitions["policies"] if p["name"] == "iop-unroutable")
    assert policy["pattern"] == r"^[a-z_]+\.events$"
    assert policy["apply-to"] == "exchanges"
    assert policy["definition"] == {"alternate-exchange": "iop.unroutable"}
    assert "load_definitions = /etc/rabbitmq/definitions.json" in (
        ROOT / "config/rabbitmq/rabbitmq.conf").read_text()
    volumes = " ".join(str(v) for v in resolved["services"]["rabbitmq"]["volumes"])
    assert "definitions.json" in volumes and "rabbitmq.conf" in volumes


def test_the_policy_is_the_one_the_topology_step_sets(monkeypatch):
    """The seeded policy must equal what `python -m shared.topology` PUTs, or the two would fight."""
    import urllib.request

    from shared import topology

    sent = []

    class Opener:
        def open(self, request, timeout=None):
            sent.append(json.loads(request.data))
            return type("Answer", (), {"close": lambda self: None})()

    monkeypatch.setattr(urllib.request, "build_opener", lambda *handlers: Opener())
    topology.set_unroutable_policy("amqp://guest:guest@rabbitmq:5672/", "http://guest:guest@rabbitmq:15672")
    definitions = json.loads((ROOT / "config/rabbitmq/definitions.json").read_text())
    seeded = next(p for p in definitions["policies"] if p["name"] == "iop-unroutable")
    assert {k: v for k, v in seeded.items() if k not in ("vhost", "name")} == sent[0]


def test_postgres_creates_a_database_per_service():
    sql = "\n".join(p.read_text() for p in sorted((ROOT / "config/postgres").glob("*.sql")))
    for name in SERVICES:
        assert re.search(rf"CREATE DATABASE {name}\b", sql), name


def test_the_fhir_gateway_reaches_the_services_by_their_container_names_on_port_8006(resolved):
    gateway = resolved["services"]["interop"]
    env = gateway["environment"]
    assert env["WEB_SERVER_ADDRESS"] == "0.0.0.0:8006"
    for name, port in SERVICES.items():
        assert env[f"{name.upper()}_URL"] == f"http://{name}:{port}"
    (port,) = gateway["ports"]
    assert (str(port["target"]), port["host_ip"], str(port["published"])) == ("8006", "127.0.0.1", "8006") \
        if isinstance(port, dict) else port.removesuffix("/tcp") == "127.0.0.1:8006:8006", port
    assert gateway["command"][-1] == "services.interop.service:InteropService"


def test_the_console_reaches_the_services_and_the_provider_and_serves_port_8000(resolved):
    console = resolved["services"]["console"]
    env = console["environment"]
    assert env["WEB_SERVER_ADDRESS"] == "0.0.0.0:8000"
    assert env["CONSOLE_PUBLIC_URL"] == "http://127.0.0.1:8000"
    assert env["IOP_OIDC_ISSUER"] == "http://keycloak:8080/realms/iop"
    for name, port in SERVICES.items():
        assert env[f"{name.upper()}_URL"] == f"http://{name}:{port}"
    assert console["depends_on"]["keycloak"]["condition"] == "service_healthy"
    (port,) = console["ports"]
    assert (str(port["target"]), port["host_ip"], str(port["published"])) == ("8000", "127.0.0.1", "8000") \
        if isinstance(port, dict) else port.removesuffix("/tcp") == "127.0.0.1:8000:8000", port
    assert console["command"][-1] == "services.console.service:ConsoleService"
