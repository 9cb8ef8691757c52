# Set-up is two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
# Every package and version the tests ran with, hashes included; `make lock` remakes it.
LOCK := requirements.lock
UV_VERSION := 0.13.9
LOCK_ARGS ?=

# GC Design System, pinned: fetched from the npm registry at set-up, checked, never committed.
GCDS_VERSION := 1.3.1
GCDS_SHA256 := 791c5d55278dc3bfeb6bb07d27eb9e4b639421a682c70da629b9e3bd93836d4b
GCDS_DIR := frontend/static/gcds
GCDS_STAMP := $(GCDS_DIR)/.version-$(GCDS_VERSION)
# Swagger UI for /docs, the same way: served by the platform itself, so it works offline.
SWAGGER_UI_VERSION := 5.35.0
SWAGGER_UI_SHA256 := 1b8e891893404ea4c3558b6a87e2a3e494e7eedba41168c2ece5800a391a6ea6
SWAGGER_UI_DIR := frontend/static/swagger-ui
SWAGGER_UI_STAMP := $(SWAGGER_UI_DIR)/.version-$(SWAGGER_UI_VERSION)
SWAGGER_UI_FILES := swagger-ui-bundle.js swagger-ui.css favicon-32x32.png LICENSE NOTICE

.PHONY: run test setup swagger-ui migrate catalogue lint typecheck lock clean help

help:
	@echo "make run    set up, migrate, load the catalogue and serve on http://$(HOST):$(PORT)"
	@echo "make test   set up and run the whole test suite"
	@echo "make lock   pin the dependencies of pyproject.toml anew in $(LOCK)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(LOCK) pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

# The runtime and test dependencies for Python 3.11+ on Linux, resolved as on CI's python3.
# Keeps the pins that still fit pyproject.toml; LOCK_ARGS=--upgrade takes the newest of all.
lock:
	tmp=$$(mktemp -d) && $(PYTHON) -m venv $$tmp && \
	  $$tmp/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION) && \
	  $$tmp/bin/uv pip compile pyproject.toml --extra test --generate-hashes $(LOCK_ARGS) \
	    --python-version 3.11 --python-platform x86_64-unknown-linux-gnu \
	    --custom-compile-command "make lock" --quiet -o $(LOCK); \
	  status=$$?; rm -rf $$tmp; exit $$status

$(GCDS_STAMP):
	@command -v npm >/dev/null || { echo "npm is needed to fetch the GC Design System (apt-get install npm)"; exit 1; }
	rm -rf $(GCDS_DIR) && mkdir -p $(GCDS_DIR)
	tmp=$$(mktemp -d) && \
	  (cd $$tmp && npm pack --silent @gcds-core/components@$(GCDS_VERSION) >/dev/null) && \
	  echo "$(GCDS_SHA256)  $$tmp/gcds-core-components-$(GCDS_VERSION).tgz" | sha256sum --check --quiet && \
	  tar -xzf $$tmp/gcds-core-components-$(GCDS_VERSION).tgz -C $$tmp && \
	  cp -R $$tmp/package/dist/gcds/. $(GCDS_DIR)/ && rm -rf $$tmp
	touch $@

$(SWAGGER_UI_STAMP):
	@command -v npm >/dev/null || { echo "npm is needed to fetch Swagger UI (apt-get install npm)"; exit 1; }
	rm -rf $(SWAGGER_UI_DIR) && mkdir -p $(SWAGGER_UI_DIR)
	tmp=$$(mktemp -d) && \
	  (cd $$tmp && npm pack --silent swagger-ui-dist@$(SWAGGER_UI_VERSION) >/dev/null) && \
	  echo "$(SWAGGER_UI_SHA256)  $$tmp/swagger-ui-dist-$(SWAGGER_UI_VERSION).tgz" | sha256sum --check --quiet && \
	  tar -xzf $$tmp/swagger-ui-dist-$(SWAGGER_UI_VERSION).tgz -C $$tmp && \
	  (cd $$tmp/package && cp $(SWAGGER_UI_FILES) $(CURDIR)/$(SWAGGER_UI_DIR)/) && rm -rf $$tmp
	touch $@

swagger-ui: $(SWAGGER_UI_STAMP)

setup: $(VENV)/.installed $(GCDS_STAMP) $(SWAGGER_UI_STAMP)

migrate: setup
	$(BIN)/govai db upgrade

catalogue: migrate
	$(BIN)/govai catalogue load

run: catalogue
	GOVAI_BASE_URL=$${GOVAI_BASE_URL:-http://$(HOST):$(PORT)} $(BIN)/govai serve --host $(HOST) --port $(PORT)

test: setup
	$(BIN)/lint-imports --no-logo
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check app scoring frontend tests benchmarks

typecheck: setup
	$(BIN)/mypy app scoring frontend

clean:
	rm -rf $(VENV) $(GCDS_DIR) $(SWAGGER_UI_DIR) .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
