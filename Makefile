# Two entry points for a fresh machine: `make demo` and `make test` (see README).
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_PG_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/test

.PHONY: setup demo example test lint bench clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

# The main job on the embedded defaults (SQLite, embedded search, scripted model): no keys needed.
# Plays a whole simulated call, then keeps the service and the dispatchers' console running (Ctrl-C stops).
demo: $(STAMP)
	$(BIN)/ivr db upgrade
	$(BIN)/ivr demo --serve

# Load the shipped example schedule and list what drivers will hear.
example: $(STAMP)
	$(BIN)/ivr db upgrade
	$(BIN)/ivr schedules load examples/schedule-2026-12-01.csv
	$(BIN)/ivr schedules review --date 2026-12-01 | head -40

# The whole suite against PostgreSQL and SQLite, then lint and types.
test: $(STAMP)
	IVR_TEST_PG_URL=$(TEST_PG_URL) $(BIN)/pytest -q
	$(BIN)/ruff check .
	$(BIN)/mypy

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) ivr.db
