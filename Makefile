# First two commands on a fresh machine (Python 3.11, pip, make):  make run  ·  make test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
RAY_STAMP := $(VENV)/.installed-ray

.PHONY: run test test-fast test-reliability bench screenshots install clean

run: $(STAMP)  ## collect the bundled samples, tag, engage, alert and write the digest
	$(BIN)/listenwell run --once

test: $(STAMP) $(RAY_STAMP)  ## the test suite (slow tests included, the long reliability cases not; CI runs this)
	$(BIN)/python -m pytest -q -m "not long"

test-reliability: $(STAMP)  ## the long reliability cases: kill -9 during a 50k-post run, fuzzed runs, the full bomb (about 15 minutes; CI runs this too)
	$(BIN)/python -m pytest -q -s -m long tests/reliability

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow and not long"

screenshots: $(STAMP)  ## refresh docs/screenshots/ from the web tests
	LISTENWELL_SCREENSHOTS=1 $(BIN)/python -m pytest -q tests/test_web.py

bench: $(STAMP)  ## the scale benchmark at 10k, 100k and 1M posts (about 10 minutes; writes docs/benchmarks.md)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python bench/run.py --sizes 10000 100000 1000000 --processes 2

install: $(STAMP)

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,train]'
	touch $(STAMP)

# the optional Ray extra (issue 23): its own stamp, so the base install stays as it is
$(RAY_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[ray]'
	touch $(RAY_STAMP)

clean:
	rm -rf $(VENV) data out .pytest_cache
