# The two commands of the README: `make demo` and `make test`. Both set everything up first,
# on a fresh Debian 12 machine as root with nothing installed by hand.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
# Debian packages the project needs on the host (the Asterisk itself comes from the sandbox).
APT_PACKAGES := python3 python3-venv python3-dev mmdebstrap sip-tester ca-certificates ffmpeg espeak-ng chromium fonts-ipafont-gothic
STAMP := $(VENV)/.installed

.PHONY: setup system venv sandbox-image lint test test-fast demo clean bench

setup: system venv sandbox-image

system:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q "install ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "== installing Debian packages: $$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
	$(PY) -m pip install -q -e '.[dev]' 2>&1 | grep -v "^WARNING: Location" || true
	$(PY) -c "import dialer, panoramisk, aiohttp" && touch $(STAMP)

sandbox-image: venv
	$(BIN)/dialer sandbox build

lint: venv
	$(BIN)/ruff check dialer agent_ui recordings_policy tests
	$(BIN)/mypy --strict dialer/domain recordings_policy

test: setup lint
	$(BIN)/pytest

# Without the real-Asterisk tier: for a quick loop while editing.
test-fast: venv
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
