# Front door of the project. `make` sets everything up and builds the shipped plan;
# `make test` sets everything up and runs the whole test suite.
VENV    := .venv
PY      := $(VENV)/bin/python
LIP     := $(VENV)/bin/lip
STAMP   := $(VENV)/.installed
SYSSTAMP := build/.sysdeps

.PHONY: all setup sysdeps build check test bench lint clean

all: build

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Debian packages the pipeline and its tests use (poppler for PDF checks, chromium for
# browser tests). Installed only when missing; needs root, as on the project machines.
sysdeps:
	@bash .ci/sysdeps.sh

# Byte-compile the package now: with PYTHONDONTWRITEBYTECODE set (as on the project
# machines) Python would otherwise compile every module again on each `lip` call.
setup: $(STAMP) sysdeps
	@$(PY) -m compileall -q pipeline

check: setup
	$(LIP) check

build: setup
	@mkdir -p build
	$(LIP) check --json > build/pruefbericht.json
	$(LIP) build
	$(LIP) site

test: setup
	$(PY) -m pytest

bench: setup
	$(PY) tests/benchmarks/run.py

lint: setup
	$(VENV)/bin/ruff check pipeline tests

clean:
	rm -rf build/*

# Review site (issue 6): axe-core for the accessibility checks in the browser tests, from the
# npm registry into the git-ignored build/node/ (installed once).
AXE := build/node/node_modules/axe-core/axe.min.js
setup: $(AXE)
$(AXE):
	npm install --no-save --no-audit --no-fund --prefix build/node axe-core@4
