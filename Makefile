# The README's quick start: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
SANDBOX_PORT ?= 8010
export PBXPORTAL_HOST := $(HOST)
export PBXPORTAL_PORT := $(PORT)
export PBXPORTAL_SANDBOX_PORT := $(SANDBOX_PORT)
# The PBX (here the sandbox) calls us back at this address; the demo data points at the sandbox.
export PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)
export SANDBOX_PBX_URL ?= http://127.0.0.1:$(SANDBOX_PORT)

.PHONY: run test lint screenshots bench clean

$(BIN)/python:
	@$(PYTHON) -m venv $(VENV) || { \
	  echo "Could not create a virtualenv. On Debian/Ubuntu: apt-get install python3-venv"; \
	  rm -rf $(VENV); exit 1; }
	@$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	@touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	@touch $@ $(VENV)/.runtime

## run: the whole product on embedded defaults at http://$(HOST):$(PORT)
run: $(VENV)/.runtime
	$(BIN)/python manage.py migrate --noinput
	@mkdir -p var
	@umask 077; { $(BIN)/python manage.py load_demo; \
	  echo "pbxportal: http://$(HOST):$(PORT)/   sandbox PBX: http://127.0.0.1:$(SANDBOX_PORT)/"; \
	} > var/demo-logins.txt
	@cat var/demo-logins.txt
	@# every Procfile process, restarted when it dies; the logins again once they are up
	$(BIN)/python -m pbxportal.processes -f Procfile --banner var/demo-logins.txt

## test: lint and format check, then the whole pytest suite (SQLite, or DATABASE_URL / CELERY_BROKER_URL)
##       in PYTEST_WORKERS processes (pytest-xdist; 0: in this one), with PYTEST_ARGS
PYTEST_WORKERS ?= 2
test: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

## screenshots: the browser tests, saving what they see into docs/screenshots/
screenshots: $(VENV)/.dev
	SCREENSHOTS=1 $(BIN)/python -m pytest -q tests/e2e

## bench: every benchmark in full, one after the other (PostgreSQL, Redis, wrk: bench/README.md);
##        BENCH_ARGS=--smoke for seconds each, BENCHES="webhooks lookup" for some
BENCHES ?= click_to_pbx webhooks lookup history stats_board contacts_import
bench: $(VENV)/.dev
	@for b in $(BENCHES); do \
	  echo "== bench/$$b.py $(BENCH_ARGS)"; $(BIN)/python bench/$$b.py $(BENCH_ARGS) || exit 1; \
	done

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) var
