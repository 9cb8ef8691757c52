# Set-up is two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

# GC Design System, pinned: fetched from the npm registry at set-up, checked, never committed.
GCDS_VERSION := 1.3.1
GCDS_SHA256 := 791c5d55278dc3bfeb6bb07d27eb9e4b639421a682c70da629b9e3bd93836d4b
GCDS_DIR := frontend/static/gcds
GCDS_STAMP := $(GCDS_DIR)/.version-$(GCDS_VERSION)

.PHONY: run test setup migrate catalogue lint typecheck clean help

help:
	@echo "make run    set up, migrate, load the catalogue and serve on http://$(HOST):$(PORT)"
	@echo "make test   set up and run the whole test suite"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

$(GCDS_STAMP):
	@command -v npm >/dev/null || { echo "npm is needed to fetch the GC Design System (apt-get install npm)"; exit 1; }
	rm -rf $(GCDS_DIR) && mkdir -p $(GCDS_DIR)
	tmp=$$(mktemp -d) && \
	  (cd $$tmp && npm pack --silent @gcds-core/components@$(GCDS_VERSION) >/dev/null) && \
	  echo "$(GCDS_SHA256)  $$tmp/gcds-core-components-$(GCDS_VERSION).tgz" | sha256sum --check --quiet && \
	  tar -xzf $$tmp/gcds-core-components-$(GCDS_VERSION).tgz -C $$tmp && \
	  cp -R $$tmp/package/dist/gcds/. $(GCDS_DIR)/ && rm -rf $$tmp
	touch $@

setup: $(VENV)/.installed $(GCDS_STAMP)

migrate: setup
	$(BIN)/govai db upgrade

catalogue: migrate
	$(BIN)/govai catalogue load

run: catalogue
	GOVAI_BASE_URL=$${GOVAI_BASE_URL:-http://$(HOST):$(PORT)} $(BIN)/govai serve --host $(HOST) --port $(PORT)

test: setup
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check app scoring frontend tests benchmarks

typecheck: setup
	$(BIN)/mypy app scoring frontend

clean:
	rm -rf $(VENV) $(GCDS_DIR) .pytest_cache .mypy_cache .ruff_cache
