# PSI — the two commands: `make run` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PACKAGES := contracts chassis services/purchasing services/sales services/inventory services/finance services/reporting gateway
INSTALLED := $(VENV)/.installed
PYPROJECTS := $(foreach p,$(PACKAGES),$(wildcard $(p)/pyproject.toml))

.PHONY: run test lint wheels install clean test-services docs openapi

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(INSTALLED): $(BIN)/python requirements-dev.txt $(PYPROJECTS)
	$(BIN)/pip install --quiet -r requirements-dev.txt $(foreach p,$(PACKAGES),$(if $(wildcard $(p)/pyproject.toml),-e $(p)))
	touch $(INSTALLED)

install: $(INSTALLED)

## make run: the whole system in one process (SQLite under var/, in-process bus); prints the gateway URL.
PORT ?= 8000
VAR ?= var
run: install
	$(BIN)/psi dev --var $(VAR) --port $(PORT)

## make test: every test against real PostgreSQL and RabbitMQ (roles, databases and vhost created here).
test: install
	source deploy/dev/test-services.sh && $(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

## make openapi: rewrite the committed OpenAPI snapshot of every installed service from its code
## (contracts/src/psi_contracts/openapi/<service>.json; tests/test_openapi_snapshots.py checks they match).
openapi: install
	names="$$($(BIN)/psi list)" && [ -n "$$names" ] && \
	rm -f contracts/src/psi_contracts/openapi/*.json && \
	for s in $$(awk '{print $$1}' <<< "$$names"); do \
		$(BIN)/psi openapi $$s contracts/src/psi_contracts/openapi/$$s.json && echo "wrote $$s" || exit 1; \
	done

## make wheels: one wheel per package, each built on its own.
wheels: install
	rm -rf dist && mkdir -p dist
	for p in $(PACKAGES); do [ -f $$p/pyproject.toml ] && $(BIN)/pip wheel --quiet --no-deps --no-build-isolation -w dist $$p || exit 1; done
	ls dist

clean:
	rm -rf $(VENV) var dist .pytest_cache .ruff_cache

## make docs: regenerate the documents that are derived from code (the permission table).
docs: install
	$(BIN)/python -m psi_contracts.permissions > docs/permissions.md
