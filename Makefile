# IMR Academy: `make run` starts the app with the demo LMS; `make test` runs the whole suite.
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run test lint fmt install bench

$(INSTALLED): pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(INSTALLED)

# A server started without IMR_PROFILE runs the production profile; these name theirs.
PORT ?= 5000
DEV := IMR_PROFILE=development PORT=$(PORT)

run: $(INSTALLED)
	$(DEV) $(BIN)/flask --app wsgi db upgrade
	$(DEV) $(BIN)/flask --app wsgi demo seed
	@echo "IMR Academy: open http://127.0.0.1:$(PORT)/demo-lms/ to launch it as a practitioner, trainer or director."
	$(DEV) $(BIN)/flask --app wsgi run --host 127.0.0.1 --port $(PORT) --debug

# SQLite always; then PostgreSQL as well when TEST_DATABASE_URL names one.
test: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	env -u TEST_DATABASE_URL $(BIN)/pytest
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== the same suite on $$TEST_DATABASE_URL =="; \
		$(BIN)/pytest; \
	fi

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Timings reported in the README; not part of the test suite. SQLite always; PostgreSQL as well
# when BENCH_DATABASE_URL names a database the benchmarks may empty.
bench: $(INSTALLED)
	env -u DATABASE_URL $(BIN)/python bench/launch.py
	env -u DATABASE_URL $(BIN)/python bench/dashboard.py
	@if [ -n "$$BENCH_DATABASE_URL" ]; then \
		DATABASE_URL="$$BENCH_DATABASE_URL" $(BIN)/python bench/launch.py; \
		DATABASE_URL="$$BENCH_DATABASE_URL" $(BIN)/python bench/dashboard.py; \
	fi
