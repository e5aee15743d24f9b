# Two commands: `make run` and `make test`. Everything else is what they need.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: setup run test lint fmt messages clean-data bench services

setup: $(VENV)/.installed node_modules/.installed .system-deps

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,embedded]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Debian packages: Chromium for the browser tests, gettext for the translation catalogues.
.system-deps:
	@./.ci/system-deps
	@touch $@

run: setup
	$(PY) -m crm.launcher run

# Two pytest-xdist workers (a file stays on one worker), each with its own database, cache
# prefix, Celery worker and browser: the suite is mostly single-threaded Python.
# --durations lists the 25 slowest tests at the end (the suite must stay under 20 minutes).
PYTEST_ARGS ?= -n 2 --dist loadfile --durations=25

test: setup
	$(PY) -m crm.launcher test $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check . && CRM_TESTING=1 $(VENV)/bin/mypy crm contacts sales support

fmt: setup
	$(VENV)/bin/ruff format . && $(VENV)/bin/ruff check --fix .

messages: setup
	CRM_TESTING=1 $(PY) manage.py makemessages -l ja -l en --no-obsolete --no-location --ignore=node_modules --ignore=.venv --ignore=.data --ignore=tests --ignore=bench --ignore=staticfiles
	$(PY) -m crm.i18n_fill_en
	CRM_TESTING=1 $(PY) manage.py compilemessages --ignore=node_modules --ignore=.venv

services: setup
	$(PY) -m crm.launcher services

clean-data:
	rm -rf .data
