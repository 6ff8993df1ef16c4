# PeerFund — the two commands that matter are `make run` and `make test`.
# Each sets up everything it needs on a fresh machine (Python venv with pinned
# packages, npm assets, translations, database) and is safe to run again.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
# Parallel test workers: one per core (2 on CI).
TEST_WORKERS ?= auto

PY_STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed
ASSETS_STAMP := static/vendor/.copied
MO_FILES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/django.po))

.PHONY: run test test-postgres bench bench-hot-loan bench-cob bench-hall lint setup migrate demo messages clean help

help:
	@echo "make run    set up, load the demo platform and serve it on http://$(HOST):$(PORT)/"
	@echo "make test   set up and run the whole test suite (SQLite; DATABASE_URL=postgres://… for PostgreSQL)"
	@echo "make bench  run the benchmarks (figures as ratios against a baseline from the same run)"
	@echo "make bench-hot-loan  64 bidders racing on one loan, on PostgreSQL, against the database's own ceiling"
	@echo "make bench-cob  the daily close over a large book on PostgreSQL (BENCH_LOANS, default 100,000)"
	@echo "make lint   ruff and a check that no migration is missing"

$(PY_STAMP): requirements/base.txt requirements/dev.txt requirements/constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt -c requirements/constraints.txt
	touch $@

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(ASSETS_STAMP): $(NPM_STAMP) scripts/copy_assets.sh
	bash scripts/copy_assets.sh
	touch $@

locale/%/LC_MESSAGES/django.mo: locale/%/LC_MESSAGES/django.po
	msgfmt --check-format -o $@ $<

messages: $(MO_FILES)

setup: $(PY_STAMP) $(ASSETS_STAMP) messages

migrate: setup
	$(MANAGE) migrate --noinput

demo: migrate
	$(MANAGE) demo_load

run: demo
	bash scripts/serve.sh $(HOST) $(PORT)

test: setup
	$(BIN)/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

bench: setup
	$(PY) -m bench

# 64 bidders on one hot loan, on the local PostgreSQL (BENCH_DATABASE_URL to change).
bench-hot-loan: setup
	$(PY) -m bench.hot_loan

# The daily close over a 100,000-loan book (BENCH_LOANS to change), on the local PostgreSQL.
bench-cob: setup
	$(PY) -m bench.cob

# The investment hall with 10,000 open loans.
bench-hall: setup
	$(PY) -m bench.hall

lint: setup
	$(BIN)/ruff check .
	$(MANAGE) makemigrations --check --dry-run

clean:
	rm -rf $(VENV) node_modules static/vendor staticfiles var test-artifacts
