#!/usr/bin/env bash
# The browser tests (tests/browser) drive Debian's Chromium with Playwright's executable_path:
# install the Debian package where it is missing and we may; nothing downloads a browser build.
set -euo pipefail
CHROMIUM=${IOP_CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] && exit 0
if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  echo "installing chromium (for tests/browser)…"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
  echo "Chromium is missing at $CHROMIUM: install it (apt-get install chromium) for tests/browser" >&2
  exit 1
fi
