# `make run` starts the dashboard, `make test` runs every test; each sets up what it needs first.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3

.PHONY: run test bench browser postgres

$(VENV)/.run-installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.test-installed: requirements-test.txt $(VENV)/.run-installed
	$(PY) -m pip install -q -r requirements-test.txt
	touch $@

browser:
	bash .ci/install-chromium

postgres:
	bash .ci/install-postgresql

run: $(VENV)/.run-installed
	$(VENV)/bin/streamlit run dashboard/app.py --server.address 127.0.0.1

test: $(VENV)/.test-installed browser postgres
	$(PY) -m pytest

bench: $(VENV)/.test-installed browser
	$(PY) tests/benchmark.py
