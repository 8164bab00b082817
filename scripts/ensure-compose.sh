#!/usr/bin/env bash
# The compose test validates docker-compose.yml with `docker-compose config` (no engine needed);
# install Debian's docker-compose where it is missing and we may.
set -euo pipefail
command -v docker-compose >/dev/null && exit 0
docker compose version >/dev/null 2>&1 && exit 0
if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  echo "installing docker-compose (to validate docker-compose.yml)…"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null
else
  echo "docker-compose is missing: install it (apt-get install docker-compose) for tests/test_compose.py" >&2
fi
