#!/usr/bin/env bash
# A three-node RabbitMQ cluster on this one machine, beside (never instead of) its usual broker:
#
#   scripts/rabbit-cluster.sh start    # nodes iop-c1..3@localhost, AMQP 5701-5703, management 15701-15703
#   scripts/rabbit-cluster.sh uris     # the AMQP_URI list for the platform (';'-separated)
#   scripts/rabbit-cluster.sh stop     # stop the three nodes and remove their data
#
# RABBIT_CLUSTER_DIR (default /tmp/iop-rabbit-cluster), RABBIT_CLUSTER_PORT (default 5701: AMQP
# ports from it, management +10000, Erlang distribution +20000) and RABBIT_CLUSTER_PREFIX (node
# names, default iop-c) let several clusters live side by side. Run the platform on it with
# AMQP_QUEUE_TYPE=quorum and AMQP_URI="$(scripts/rabbit-cluster.sh uris)".
set -euo pipefail
dir=${RABBIT_CLUSTER_DIR:-/tmp/iop-rabbit-cluster}
base=${RABBIT_CLUSTER_PORT:-5701}
prefix=${RABBIT_CLUSTER_PREFIX:-iop-c}
vhost=${RABBIT_CLUSTER_VHOST:-}

node() { echo "$prefix$1@localhost"; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

node_env() {  # the environment of node $1 (1..3)
  local n=$1 home="$dir/node$1"
  export RABBITMQ_NODENAME="$(node "$n")" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
  export RABBITMQ_NODE_PORT=$((base + n - 1)) RABBITMQ_DIST_PORT=$((base + 20000 + n - 1))
  export RABBITMQ_CONF_ENV_FILE="$home/rabbitmq-env.conf" RABBITMQ_CONFIG_FILE="$home/rabbitmq.conf"
  export RABBITMQ_ENABLED_PLUGINS_FILE="$home/enabled_plugins" RABBITMQ_MNESIA_BASE="$home/mnesia"
  export RABBITMQ_LOG_BASE="$home/log" RABBITMQ_PID_FILE="$home/rabbit.pid"
  export RABBITMQ_ADVANCED_CONFIG_FILE="$home/advanced.config"
  export RABBITMQ_PLUGINS_EXPAND_DIR="$home/plugins-expand"
}

start_node() {
  local n=$1 home="$dir/node$1"
  mkdir -p "$home"
  cat >"$home/rabbitmq.conf" <<CONF
listeners.tcp.local = 127.0.0.1:$((base + n - 1))
management.tcp.ip = 127.0.0.1
management.tcp.port = $((base + 10000 + n - 1))
loopback_users = none
CONF
  echo "[rabbitmq_management]." >"$home/enabled_plugins"
  printf 'ERL_EPMD_ADDRESS=127.0.0.1\nexport ERL_FLAGS="-kernel inet_dist_use_interface {127,0,0,1}"\n' \
    >"$home/rabbitmq-env.conf"
  if [ "$(id -u)" = 0 ] && id rabbitmq >/dev/null 2>&1; then chown -R rabbitmq:rabbitmq "$dir"; fi
  ( node_env "$n"; setsid rabbitmq-server >"$home/server.out" 2>&1 < /dev/null & )
}

wait_node() {
  local n=$1
  for _ in $(seq 1 120); do
    port_open $((base + n - 1)) && port_open $((base + 10000 + n - 1)) && return 0
    sleep 1
  done
  echo "node $(node "$n") did not start (see $dir/node$n/log)" >&2
  return 1
}

ctl() { local n=$1; shift; ( node_env "$n"; rabbitmqctl -n "$(node "$n")" "$@" ); }

case "${1:-}" in
  start)
    for n in 1 2 3; do start_node "$n"; done
    for n in 1 2 3; do wait_node "$n"; done
    for n in 2 3; do
      ctl "$n" stop_app >/dev/null
      ctl "$n" join_cluster "$(node 1)" >/dev/null
      ctl "$n" start_app >/dev/null
    done
    ctl 1 await_startup >/dev/null
    echo "cluster of $(node 1), $(node 2), $(node 3): AMQP $base-$((base + 2))"
    ;;
  uris)
    echo "amqp://guest:guest@127.0.0.1:$base/$vhost;amqp://guest:guest@127.0.0.1:$((base + 1))/$vhost;amqp://guest:guest@127.0.0.1:$((base + 2))/$vhost"
    ;;
  stop-node)  # stop one node's broker (its VM stays): scripts/rabbit-cluster.sh stop-node 2
    ctl "$2" stop_app >/dev/null ;;
  start-node)
    ctl "$2" start_app >/dev/null ;;
  status)
    ctl 1 cluster_status ;;
  stop)
    for n in 3 2 1; do ctl "$n" stop >/dev/null 2>&1 || true; done
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|uris|status|stop-node N|start-node N|stop" >&2; exit 2 ;;
esac
