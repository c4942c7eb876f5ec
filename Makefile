# mttq — the two quick-start commands and the usual chores.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test test-programs test-quick lint bench clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/mttq demo

# The tests open what we write with LibreOffice, pdftotext and Chromium (Debian packages).
test-programs:
	@bash scripts/install_test_programs.sh

test: $(STAMP) test-programs
	$(BIN)/pytest -q

# Without the end-to-end operations tests (real Prefect server, subprocess runs, kill -9).
test-quick: $(STAMP)
	$(BIN)/pytest -q -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check flows transforms warehouse tests

BENCH_STAMP := $(VENV)/.installed-bench

$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	@touch $(BENCH_STAMP)

# national inbox (10,603 wards x 1 quarter), cached in bench/out/; SIZES="1000 3000 all allx4",
# REPEAT=3 keeps the median of 3 measurements of every figure
bench: $(BENCH_STAMP)
	$(BIN)/python -m bench.run $(if $(SIZES),--sizes $(SIZES),) $(if $(REPEAT),--repeat $(REPEAT),)

clean:
	rm -rf data/demo bench/out .pytest_cache
