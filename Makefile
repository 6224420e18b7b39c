# `make run` starts the dashboard, `make test` runs every test; each sets up what it needs first.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3

.PHONY: run test bench browser postgres nginx serve-class class-load

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

nginx:
	bash .ci/install-nginx

REPLICAS ?= 2
PORT ?= 8500
STUDENTS ?= 30

# N Streamlit processes on 127.0.0.1:8501.. behind nginx on 127.0.0.1:$(PORT) (deploy/serve_class.py)
serve-class: $(VENV)/.run-installed nginx
	$(PY) deploy/serve_class.py --replicas $(REPLICAS) --port $(PORT)

# simulated students through the server's WebSocket: add URL=http://127.0.0.1:8500 to measure a running one
class-load: $(VENV)/.test-installed
	$(PY) tests/class_load.py --students $(STUDENTS) $(if $(URL),--url $(URL))

run: $(VENV)/.run-installed
	$(VENV)/bin/streamlit run dashboard/app.py --server.address 127.0.0.1

test: $(VENV)/.test-installed browser postgres nginx
	$(PY) -m pytest

bench: $(VENV)/.test-installed browser
	$(PY) tests/benchmark.py
