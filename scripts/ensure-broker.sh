#!/usr/bin/env bash
# Makes sure a RabbitMQ with its management API answers on this machine, starting a local one
# (Debian's rabbitmq-server) when it is installed but down. Used by `make run/test` and CI.
set -euo pipefail
host=${AMQP_HOST:-127.0.0.1}
port_open() { (exec 3<>"/dev/tcp/$host/$1") 2>/dev/null; }
wait_for() { for _ in $(seq 1 60); do port_open "$1" && return 0; sleep 1; done; return 1; }

if ! port_open 5672; then
  if command -v rabbitmq-server >/dev/null; then
    echo "starting RabbitMQ…"
    rabbitmq-server -detached
    wait_for 5672 || { echo "RabbitMQ did not start" >&2; exit 1; }
  else
    cat >&2 <<MSG
No RabbitMQ answers on $host:5672.
Start one, for example:
  docker run -d -p 5672:5672 -p 15672:15672 rabbitmq:3-management
  # or: apt-get install rabbitmq-server && rabbitmq-server -detached
or point AMQP_URI at yours.
MSG
    exit 1
  fi
fi
if ! port_open 15672 && command -v rabbitmq-plugins >/dev/null; then
  echo "enabling RabbitMQ's management plugin…"
  rabbitmq-plugins enable rabbitmq_management >/dev/null
  wait_for 15672 || { echo "the management API did not come up" >&2; exit 1; }
fi
