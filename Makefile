# The two commands of the README: `make demo` and `make test`. Both set everything up first,
# on a fresh Debian 12 machine as root with nothing installed by hand.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
# Debian packages the project needs on the host (the Asterisk itself comes from the sandbox).
APT_PACKAGES := python3 python3-venv python3-dev mmdebstrap sip-tester baresip-core ca-certificates ffmpeg espeak-ng chromium fonts-ipafont-gothic postgresql nginx-light systemd
STAMP := $(VENV)/.installed
# The PostgreSQL the tests' database tier and the two-dialer test run on (tests/support/postgres.py
# clones a database per test from a migrated template); a test-only role on loopback, allowed
# to end the sessions on its scratch databases (pg_signal_backend: the server's autovacuum too).
PG_ROLE := dialer
PG_PASSWORD := dialer-test
PG_DB := dialer_test
PG_PORT = $(shell pg_lsclusters -h 2>/dev/null | awk '$$2 == "main" {print $$3; exit}')
export DIALER_TEST_PG_URL ?= postgresql+asyncpg://$(PG_ROLE):$(PG_PASSWORD)@127.0.0.1:$(PG_PORT)/$(PG_DB)

.PHONY: lock setup system venv sandbox-image postgres lint test test-fast demo clean bench

setup: system venv sandbox-image

system:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q "install ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "== installing Debian packages: $$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

venv: $(STAMP)

# Exactly the tested versions, checked against their hashes (requirements-dev.txt: the runtime
# lock requirements.txt plus the test and lint tools); the project itself without dependencies.
$(STAMP): pyproject.toml requirements.txt requirements-dev.txt
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --require-hashes -r requirements-dev.txt 2>&1 | grep -v "^WARNING: Location" || true
	$(PY) -m pip install -q --no-deps -e . 2>&1 | grep -v "^WARNING: Location" || true
	$(PY) -c "import dialer, panoramisk, aiohttp, pytest" && touch $(STAMP)

# Regenerate both locks after a change of pyproject.toml's dependencies (uv resolves, with the
# hashes of every published file of each pinned version).
lock: venv
	$(PY) -m pip install -q uv 2>&1 | grep -v "^WARNING: Location" || true
	$(BIN)/uv pip compile -q pyproject.toml --python-version 3.11 --generate-hashes -o requirements.txt
	$(BIN)/uv pip compile -q pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o requirements-dev.txt

sandbox-image: venv
	$(BIN)/dialer sandbox build

# Debian's cluster started (created first if there is none), the role and database for the
# tests; every step is skipped when already done.
postgres: system
	@set -e; cd /; \
	if [ -z "$$(pg_lsclusters -h | awk '$$2 == "main"')" ]; then \
	  pg_createcluster $$(ls /usr/lib/postgresql | sort -V | tail -1) main >/dev/null; fi; \
	read -r version _name port status _rest < <(pg_lsclusters -h | awk '$$2 == "main"'); \
	if [ "$$status" != online ]; then pg_ctlcluster "$$version" main start; fi; \
	psql() { runuser -u postgres -- psql -qAtX -v ON_ERROR_STOP=1 "$$@"; }; \
	psql -c "DO \$$\$$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$(PG_ROLE)') \
	  THEN CREATE ROLE $(PG_ROLE); END IF; END \$$\$$" \
	  -c "ALTER ROLE $(PG_ROLE) LOGIN CREATEDB PASSWORD '$(PG_PASSWORD)'" \
	  -c "GRANT pg_signal_backend TO $(PG_ROLE)"; \
	if [ -z "$$(psql -c "SELECT 1 FROM pg_database WHERE datname = '$(PG_DB)'")" ]; then \
	  psql -c "CREATE DATABASE $(PG_DB) OWNER $(PG_ROLE)"; fi; \
	echo "== PostgreSQL $$version: database $(PG_DB) on port $$port"

lint: venv
	$(BIN)/ruff check dialer agent_ui recordings_policy tests
	$(BIN)/mypy --strict dialer/domain recordings_policy
	$(BIN)/lint-imports

test: setup postgres lint
	$(BIN)/pytest

# Without the real-Asterisk tier: for a quick loop while editing.
test-fast: venv postgres
	$(BIN)/pytest -m "not asterisk"

# Every benchmark module (tests/bench/bench_*.py); each merges its figures into
# var/bench/results.json, printed as one table at the end (tests/bench/report.py).
bench: setup
	@set -e; start=$$(date +%s); for module in tests/bench/bench_*.py; do \
	  name=$$(basename $$module .py); echo "== $$name"; $(PY) -m tests.bench.$$name; \
	done; \
	$(PY) -m tests.bench.report; echo "== make bench: $$(( $$(date +%s) - start )) s"

demo: setup
	$(BIN)/dialer demo

clean:
	-$(BIN)/dialer sandbox down
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
