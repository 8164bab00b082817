"""docker-compose's `cluster` profile: three RabbitMQ nodes that form one cluster, off by default."""
import subprocess

import yaml

from tests.test_compose import ROOT, compose_command


def config(*profile) -> dict:
    result = subprocess.run([*compose_command(), "-f", "docker-compose.yml", *profile, "config"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def test_the_cluster_profile_adds_two_nodes_that_join_the_first():
    cluster = config("--profile", "cluster")
    raw = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert raw["rabbitmq-2"]["profiles"] == raw["rabbitmq-3"]["profiles"] == ["cluster"]
    assert "profiles" not in raw["rabbitmq"]  # the single node stays the default
    nodes = {name: cluster["services"][name] for name in ("rabbitmq", "rabbitmq-2", "rabbitmq-3")}
    assert {node["hostname"] for node in nodes.values()} == {"rabbitmq", "rabbitmq-2", "rabbitmq-3"}
    cookies = {node["environment"]["RABBITMQ_ERLANG_COOKIE"] for node in nodes.values()}
    assert len(cookies) == 1  # one Erlang cookie, or the nodes cannot talk
    conf = (ROOT / "config" / "rabbitmq" / "cluster.conf").read_text()
    assert "classic_config.nodes.1 = rabbit@rabbitmq\n" in conf
    for name in ("rabbitmq-2", "rabbitmq-3"):
        targets = {v["target"] if isinstance(v, dict) else v.split(":")[1]  # long or short form
                   for v in nodes[name]["volumes"]}
        assert "/etc/rabbitmq/conf.d/30-cluster.conf" in targets


def test_services_take_the_queue_type_and_a_uri_list_from_the_environment():
    services = config("--profile", "cluster")["services"]
    assert services["intake"]["environment"]["AMQP_QUEUE_TYPE"] == "classic"  # the default
    assert services["intake"]["environment"]["AMQP_URI"] == "amqp://iop:iop@rabbitmq:5672/"
