# Tierdesk: `make demo` runs the demo, `make test` runs every check CI runs.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
TIERDESK := $(VENV)/bin/tierdesk
# Reinstall only when pyproject.toml changed since the last install.
STAMP := $(VENV)/.tierdesk-installed
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/postgres
PYTEST_ARGS ?= -q
# Tests keep their files (secret key, SQLite file for checks) away from the demo's var/.
TEST_ENV := TIERDESK_VAR_DIR=var/test

.PHONY: help install demo serve worker test test-sqlite test-postgres lint migrations-check docs bench clean

help:
	@echo "make demo    install, migrate, load the demo data, serve on http://127.0.0.1:8000 with a worker"
	@echo "make test    ruff, makemigrations --check, pytest on SQLite, then on PostgreSQL"
	@echo "make bench   benchmarks over HTTP on PostgreSQL (BENCH_SIZES=\"10000 100000 1000000\")"
	@echo "make lint | docs | clean"

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: export TIERDESK_PLATFORM_URL ?= https://app.integra.example
# Every demo login works with the password alone; set the roles to see the enrolment.
demo: export TIERDESK_SECOND_FACTOR_ROLES ?=
demo: install
	$(TIERDESK) migrate
	$(TIERDESK) demo
	@echo "Tierdesk demo on http://127.0.0.1:8000 (logins in README.md); Ctrl-C stops it."
	$(TIERDESK) worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null || true; wait $$worker 2>/dev/null || true' EXIT INT TERM; \
	$(TIERDESK) serve

lint: install
	$(VENV)/bin/ruff check .

migrations-check: install
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run

# pytest exits 5 when it collected no tests: that is a failure here, and said so.
define run_pytest
	$(1) $(PY) -m pytest $(PYTEST_ARGS) || { rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "error: pytest collected no tests" >&2; fi; exit $$rc; }
endef

test-sqlite: install
	@echo "== pytest on SQLite"
	$(call run_pytest,$(TEST_ENV) DATABASE_URL=)

test-postgres: install
	@echo "== pytest on PostgreSQL ($(POSTGRES_URL)) $(TEST_ENV)"
	$(call run_pytest,$(TEST_ENV) DATABASE_URL=$(POSTGRES_URL))

# Each database's run in three parts by file (every test file is in exactly one part).
PART_A = tests/browser $(sort $(wildcard tests/test_a*.py))
PART_B = $(sort $(wildcard tests/test_[b-m]*.py))
PART_C = $(sort $(wildcard tests/test_[n-z]*.py))

# Both databases side by side on the two cores, each in three parts (six runs that end
# about together), each run with its own var folder (and PostgreSQL test database); each
# log is printed whole once all have finished, and any failing fails the target.
test: lint migrations-check install
	@mkdir -p var
	@echo "== pytest on SQLite and on PostgreSQL ($(POSTGRES_URL)), each in three parts, side by side"
	@pids=""; \
	for part in a b c; do \
	  case $$part in a) files="$(PART_A)";; b) files="$(PART_B)";; c) files="$(PART_C)";; esac; \
	  $(MAKE) --no-print-directory test-sqlite PYTEST_ARGS="$(PYTEST_ARGS) $$files" \
	    TEST_ENV=TIERDESK_VAR_DIR=var/test-sqlite-$$part > var/test-sqlite-$$part.log 2>&1 & \
	  pids="$$pids $$!"; \
	  $(MAKE) --no-print-directory test-postgres PYTEST_ARGS="$(PYTEST_ARGS) $$files" \
	    TEST_ENV="TIERDESK_VAR_DIR=var/test-postgres-$$part TIERDESK_TEST_DB_NAME=test_tierdesk_$$part" \
	    > var/test-postgres-$$part.log 2>&1 & \
	  pids="$$pids $$!"; \
	done; \
	failed=0; for pid in $$pids; do wait $$pid || failed=$$((failed + 1)); done; \
	for part in a b c; do cat var/test-sqlite-$$part.log var/test-postgres-$$part.log; done; \
	echo "== $$failed of 6 runs failed"; \
	test $$failed -eq 0

docs: install
	$(TIERDESK) docs

# For each size: the database tierdesk_bench_<N> (filled by `tierdesk bench-load`, reused
# when it holds N tickets), served with gunicorn, measured over HTTP; the figures go to
# bench/results/<date>.json and .md (bench/README.md).
BENCH_SIZES ?= 10000 100000 1000000
bench: install
	$(PY) bench/run.py --sizes "$(BENCH_SIZES)" --postgres $(POSTGRES_URL)

clean:
	rm -rf var/test var/test-sqlite* var/test-postgres* var/test-*.log build dist .pytest_cache .ruff_cache .mypy_cache .hypothesis *.egg-info
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
