# imageapp: `make run` serves the app, `make test` runs every check. Both install what is missing.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := run

PYTHON ?= python3
PORT ?= 3000
BACKEND_PORT ?= 8000
# Tests that build and serve the whole app share ONE server and browser: one process for
# those; everything else runs on TEST_WORKERS processes (pytest-xdist).
SERVER_TESTS := tests/browser tests/test_make_run.py
TEST_WORKERS ?= 2
HOST ?= 0.0.0.0
BUN_VERSION := 1.4.4
AXE_VERSION := 4.14.1

VENV := .venv
BIN := $(VENV)/bin
TOOLS := .tools
INSTALL_STAMP := $(VENV)/.installed
NPM_TOOLS_STAMP := $(TOOLS)/.bun-$(BUN_VERSION)-axe-core-$(AXE_VERSION)

# Reflex finds bun (installed from npm, its own installer needs the internet) and the
# venv's tools on PATH; it must neither phone home nor look for a newer version.
export PATH := $(CURDIR)/$(BIN):$(CURDIR)/$(TOOLS)/node_modules/.bin:$(PATH)
export REFLEX_USE_SYSTEM_BUN := 1
export REFLEX_TELEMETRY_ENABLED := false
export REFLEX_CHECK_LATEST_VERSION := false

.PHONY: install bun axe chromium nginx migrate run dev lint test

install: $(INSTALL_STAMP)

# Reinstalls whenever a requirements file or the package metadata changes.
$(INSTALL_STAMP): requirements.txt requirements-dev.txt pyproject.toml
	@test -x $(BIN)/python || { \
	  $(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	    || { echo "imageapp needs Python >= 3.11: run make PYTHON=python3.11 ..." >&2; exit 1; }; \
	  $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt -e .
	@touch $@

# bun (for Reflex) and axe-core (the accessibility checker the browser tests inject) from the
# npm registry, in ONE install: `npm install --no-save` removes every package it was not given.
bun axe: $(NPM_TOOLS_STAMP)

$(NPM_TOOLS_STAMP):
	@command -v npm >/dev/null || { echo "make bun: npm is missing (apt-get install npm)" >&2; exit 1; }
	npm install --prefix $(TOOLS) --no-save --no-audit --no-fund \
	  bun@$(BUN_VERSION) axe-core@$(AXE_VERSION)
	@$(TOOLS)/node_modules/.bin/bun --version | grep -qx '$(BUN_VERSION)'
	@grep -q '"version": "$(AXE_VERSION)"' $(TOOLS)/node_modules/axe-core/package.json
	@rm -f $(TOOLS)/.bun-* && touch $@

chromium:
	@scripts/ensure-chromium

# Debian's nginx, for the test that runs deploy/nginx/imageapp.conf in front of the app.
nginx:
	@scripts/ensure-nginx

migrate: install
	@if [ -f alembic.ini ]; then $(BIN)/alembic upgrade head; \
	else echo "make migrate: no alembic.ini yet, nothing to migrate"; fi

# Production mode: the compiled UI, the Reflex backend and the no-JS fallback on ONE port.
run: install bun migrate
	$(BIN)/reflex run --env prod --frontend-port $(PORT) --backend-host $(HOST)

# Reflex's dev server (hot reload): Vite on PORT, the backend on BACKEND_PORT (loopback only).
# The browser uses PORT alone: Reflex's api_url points there and Vite proxies the backend's
# paths (imageapp/dev_server.py), so logins, /nojs pages and the websocket share one origin.
# Its own build dirs, so `make dev` and `make run` in one checkout never overwrite each other.
dev: install bun migrate
	REFLEX_API_URL=http://localhost:$(PORT) REFLEX_WEB_WORKDIR=.web-dev \
	  REFLEX_STATES_WORKDIR=.states-dev $(BIN)/reflex run --env dev \
	  --frontend-port $(PORT) --backend-port $(BACKEND_PORT) --backend-host 127.0.0.1

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy imageapp

test: install bun axe chromium nginx lint
	$(BIN)/pytest -q -n $(TEST_WORKERS) tests $(addprefix --ignore=,$(SERVER_TESTS))
	$(BIN)/pytest -q $(SERVER_TESTS)
