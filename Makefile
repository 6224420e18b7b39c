# `make run` starts the dashboard, `make test` runs every test; each sets up what it needs first.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3

.PHONY: run test test-fast bench browser postgres redis nginx serve-class class-load

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

redis:
	bash .ci/install-redis

nginx:
	bash .ci/install-nginx

REPLICAS ?= 2
PORT ?= 8500
STUDENTS ?= 30

# N Streamlit processes on 127.0.0.1:8501.. behind nginx on 127.0.0.1:$(PORT), and the job workers once for
# all of them (WORKERS=n; default one less than the cores) (deploy/serve_class.py)
serve-class: $(VENV)/.run-installed nginx
	$(PY) deploy/serve_class.py --replicas $(REPLICAS) --port $(PORT) $(if $(WORKERS),--workers $(WORKERS))

# simulated students through the server's WebSocket; TRAIN=1 adds the Train action; FOLLOW=1 measures instead
# a class sent to an experiment by its instructor (with URL=..., DATABASE=<the server's database URL>); URL=http://127.0.0.1:8500
# (and PID=<its pid>) measures a running server, e.g. make serve-class
class-load: $(VENV)/.test-installed
	$(PY) tests/class_load.py --students $(STUDENTS) $(if $(IDLE),--idle $(IDLE)) $(if $(TRAIN),--train) $(if $(WHILE_TRAINING),--while-training) $(if $(FOLLOW),--follow $(if $(DATABASE),--database $(DATABASE))) $(if $(URL),--url $(URL)) $(if $(PID),--pid $(PID))

run: $(VENV)/.run-installed
	$(VENV)/bin/streamlit run dashboard/app.py --server.address 127.0.0.1

# Two workers (pytest-xdist), a test file each at a time (tests/conftest.py groups the files; the three that
# drive a class of browsers share one group, so they never run at once): the suite is CPU-bound Python, so it
# uses both cores; module fixtures stay in one worker.
test: $(VENV)/.test-installed browser postgres redis nginx
	$(PY) -m pytest -n 2 --dist loadgroup

# The inner loop: no browser, no training, no servers; on both cores, as `make test`.
test-fast: $(VENV)/.test-installed postgres
	$(PY) -m pytest -n 2 --dist loadgroup -m "not browser and not slow" --ignore=tests/browser

bench: $(VENV)/.test-installed browser
	$(PY) tests/benchmark.py
