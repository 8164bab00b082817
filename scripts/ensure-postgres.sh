#!/usr/bin/env bash
# Makes sure PostgreSQL answers on 127.0.0.1:5432, starting Debian's cluster when it is down.
set -euo pipefail
port_open() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
if ! port_open; then
  if command -v pg_ctlcluster >/dev/null; then
    echo "starting PostgreSQL…"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
    for _ in $(seq 1 30); do port_open && break; sleep 1; done
  fi
fi
port_open || { echo "No PostgreSQL answers on 127.0.0.1:5432; start one or set IOP_TEST_POSTGRES_URL." >&2; exit 1; }
