# The two commands: `make run` (set up and run the platform) and `make test` (set up and test).
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= $(shell command -v python3.11 || command -v python3)
POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432

.PHONY: install run migrate topology test test-unit test-postgres bench bench-http load demo chaos clean help

help:
	@echo "make run            set up and run the staff console (:8000), the four services (ports 8001-8004) and the FHIR gateway (:8006/fhir)"
	@echo "make test           set up and run the whole suite against RabbitMQ (SQLite databases)"
	@echo "make test-unit      only tests/unit: no broker or database server needed, under 30 s"
	@echo "make test-postgres  the same suite with every service on PostgreSQL"
	@echo "make demo           a seeded three-site network through a program, with the outcomes report"
	@echo "make bench          throughput of the reliable event path against raw kombu"
	@echo "make bench-http     requests/s and p50/p99 of scheduling's attendance and schedule routes, item-9 answer to alert"
	@echo "make load           a fixed request rate (locust) for 3 minutes on PostgreSQL: p50/p99, errors, backlog"
	@echo "make chaos          40 programs under ≥10 faults on its own broker node and PostgreSQL"

$(VENV)/.installed: requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	touch $@

# The development OpenID provider's packages, exactly as package-lock.json pins them.
identity/node_modules/.installed: identity/package.json identity/package-lock.json
	cd identity && npm ci --omit=dev --no-audit --no-fund
	touch $@

# axe-core for the browser tests, exactly as tests/browser/package-lock.json pins it.
tests/browser/node_modules/.installed: tests/browser/package.json tests/browser/package-lock.json
	cd tests/browser && npm ci --no-audit --no-fund
	touch $@

install: $(VENV)/.installed identity/node_modules/.installed tests/browser/node_modules/.installed

migrate: install
	$(PY) -m shared.migrations upgrade

topology: install
	bash scripts/ensure-broker.sh
	$(PY) -m shared.topology

run: install topology migrate
	@echo "console http://127.0.0.1:8000  intake :8001  scheduling :8002  notifications :8003  outcomes :8004  FHIR :8006/fhir  (Ctrl-C stops all)"
	$(VENV)/bin/circusd config/circus.ini

test: install
	bash scripts/ensure-broker.sh
	bash scripts/ensure-compose.sh
	bash scripts/ensure-postgres.sh
	bash scripts/ensure-chromium.sh
	$(VENV)/bin/lint-imports
	$(PY) -m pytest $(PYTEST_ARGS)

test-unit: install
	$(PY) -m pytest tests/unit -q

# The chaos round and the cluster test bring their own PostgreSQL and RabbitMQ nodes: the same in
# both runs, so `make test` runs them and the PostgreSQL run does not repeat them.
OWN_SERVERS := --ignore=tests/chaos --deselect tests/kit/test_cluster.py

test-postgres: install
	bash scripts/ensure-broker.sh
	bash scripts/ensure-compose.sh
	bash scripts/ensure-postgres.sh
	bash scripts/ensure-chromium.sh
	IOP_TEST_POSTGRES_URL=$(POSTGRES_URL) $(PY) -m pytest $(PYTEST_ARGS) $(OWN_SERVERS)

bench: install
	bash scripts/ensure-broker.sh
	bash scripts/ensure-postgres.sh
	$(PY) -m bench

bench-http: install
	bash scripts/ensure-broker.sh
	$(PY) -m tests.bench_http

# `make load`: attendance posts, schedule reads and assessments at a fixed rate from locust (its own
# process) against the four services on PostgreSQL; the figures printed and in var/load/*.json.
# LOAD_ARGS="--rate 40 --duration 60" (also --mix attendance:schedule:assessment, --interval).
load: install
	bash scripts/ensure-broker.sh
	bash scripts/ensure-postgres.sh
	POSTGRES_URL=$(POSTGRES_URL) $(PY) -m load $(LOAD_ARGS)

# `make chaos`: the clinic workload under faults (kills, broker and PostgreSQL restarts, a cut
# broker link, poison), on a RabbitMQ node and a PostgreSQL cluster of its own; ends with
# `faults <n> lost <n> duplicated <n>` and fails unless both are 0. CHAOS_ARGS="--programs 10".
chaos: install
	$(PY) -m chaos $(CHAOS_ARGS)

clean:
	rm -rf var .pytest_cache

# `make demo`: a seeded three-site network through a compressed program, then the outcomes report
# (printed, and as HTML under var/reports/). DEMO_ARGS="--patients 20 --seed 3" to vary it.
demo: install
	bash scripts/ensure-broker.sh
	$(PY) -m demo $(DEMO_ARGS)
