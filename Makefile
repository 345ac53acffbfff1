# First two commands on a fresh machine (Python 3.11, pip, make):  make run  ·  make test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
RAY_STAMP := $(VENV)/.installed-ray
PIP    := $(BIN)/python -m pip install --quiet --disable-pip-version-check

.PHONY: run test test-fast test-reliability bench screenshots install wheel-check service-check clean

run: $(STAMP)  ## collect the bundled samples, tag, engage, alert and write the digest
	$(BIN)/listenwell run --once

test: $(TEST_STAMP) $(RAY_STAMP)  ## the test suite (slow tests included, the long reliability cases not; CI runs this)
	$(BIN)/python -m pytest -q -m "not long"

test-reliability: $(TEST_STAMP)  ## the long reliability cases: kill -9 during a 50k-post run, fuzzed runs, the full bomb (about 15 minutes; CI runs this too)
	$(BIN)/python -m pytest -q -s -m long tests/reliability

test-fast: $(TEST_STAMP)
	$(BIN)/python -m pytest -q -m "not slow and not long"

screenshots: $(TEST_STAMP)  ## refresh docs/screenshots/ from the web tests
	LISTENWELL_SCREENSHOTS=1 $(BIN)/python -m pytest -q tests/test_web.py

bench: $(STAMP)  ## the scale benchmark at 10k, 100k and 1M posts (about 10 minutes; writes docs/benchmarks.md)
	$(PIP) -e '.[bench]'
	$(BIN)/python bench/run.py --sizes 10000 100000 1000000 --processes 2

install: $(STAMP)

# What running needs only: no test tools, no training libraries, no LLM client (the `test`, `train` and
# `llm` extras in pyproject.toml).
$(STAMP): pyproject.toml
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	@echo "installing listenwell and what it needs to run into $(VENV) (once; about half a minute)"
	@$(PIP) --no-compile -e .
	@touch $(STAMP)

# The tests add pytest and friends, the training libraries and the LLM client.
$(TEST_STAMP): $(STAMP)
	@echo "installing the test tools (the test extra) into $(VENV)"
	@$(PIP) -e '.[test]'
	@touch $(TEST_STAMP)

# The built wheel, installed into a fresh venv outside the checkout, runs the bundled samples end to end.
wheel-check:
	PYTHON=$(PYTHON) .ci/wheel-check

# The systemd unit, checked by systemd-analyze where it exists.
service-check:
	.ci/service-check

# the optional Ray extra (issue 23): its own stamp, so the base install stays as it is
$(RAY_STAMP): $(STAMP)
	@echo "installing the optional Ray extra into $(VENV) (for the backfill tests)"
	@$(PIP) -e '.[ray]'
	@touch $(RAY_STAMP)

clean:
	rm -rf $(VENV) data out .pytest_cache build dist
