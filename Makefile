# IMR Academy: `make run` starts the app with the demo LMS; `make test` runs the whole suite;
# `make stack` runs the production process list (Procfile) on this machine's PostgreSQL and Redis.
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run stack test lint fmt install bench bench-load

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

# The Procfile through honcho, as production runs it but in the development profile (plain http,
# the demo LMS): the release step (migrations) first, then web, worker and beat; Ctrl-C stops all.
STACK_DB ?= imr_stack
STACK_REDIS ?= redis://127.0.0.1:6379/1
STACK := PATH=$(CURDIR)/$(BIN):$$PATH IMR_PROFILE=development PORT=$(PORT) GUNICORN_HOST=127.0.0.1 \
	DATABASE_URL=postgresql://postgres@127.0.0.1:5432/$(STACK_DB) REDIS_URL=$(STACK_REDIS)

stack: $(INSTALLED)
	@createdb -h 127.0.0.1 -U postgres $(STACK_DB) 2>/dev/null || true
	$(STACK) $(BIN)/honcho start release
	$(STACK) $(BIN)/flask --app wsgi demo seed
	@echo "IMR Academy's production stack: http://127.0.0.1:$(PORT)/ (web, worker and beat; Ctrl-C stops them)."
	$(STACK) $(BIN)/honcho start web worker beat

# SQLite always; with TEST_DATABASE_URL, PostgreSQL as well, both at once (one per core), each on
# a Redis database of its own. The production stack test runs on PostgreSQL and Redis whichever
# database the rest of the suite uses, so the PostgreSQL pass alone runs it; the unit tests
# touch no database, so the SQLite pass alone runs them.
LOGS := .test-logs
test: lint
	@if [ -z "$$TEST_DATABASE_URL" ]; then exec $(BIN)/pytest; fi; \
	mkdir -p $(LOGS); \
	env -u TEST_DATABASE_URL TEST_REDIS_URL=redis://127.0.0.1:6379/14 \
		$(BIN)/pytest -m "not stack" --basetemp=$(LOGS)/sqlite > $(LOGS)/sqlite.log 2>&1 & sqlite=$$!; \
	$(BIN)/pytest --ignore=tests/unit --basetemp=$(LOGS)/postgresql > $(LOGS)/postgresql.log 2>&1 & postgresql=$$!; \
	wait $$sqlite; sqlite_status=$$?; wait $$postgresql; postgresql_status=$$?; \
	echo "== the suite on SQLite =="; cat $(LOGS)/sqlite.log; \
	echo "== the same suite on $$TEST_DATABASE_URL =="; cat $(LOGS)/postgresql.log; \
	[ $$sqlite_status -eq 0 ] && [ $$postgresql_status -eq 0 ]

# Style, the import contracts, and types: strictly for the domain, content and services, mypy's
# default for the rest of app/.
STRICT := app/domain app/content app/services
lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy --follow-imports=silent $(STRICT)
	$(BIN)/mypy app

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
		$(BIN)/python bench/load.py "$$BENCH_DATABASE_URL"; \
	fi

# gunicorn (4 workers) on PostgreSQL under 100 practitioners taking quizzes at about 40 requests
# a second for BENCH_SECONDS (default 60); it needs BENCH_DATABASE_URL, a database it may empty.
bench-load: $(INSTALLED)
	@if [ -z "$$BENCH_DATABASE_URL" ]; then \
		echo "bench-load needs BENCH_DATABASE_URL=postgresql://… (a database it may empty)"; exit 2; \
	fi
	$(BIN)/python bench/load.py "$$BENCH_DATABASE_URL" --seconds $${BENCH_SECONDS:-60}
