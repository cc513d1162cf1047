# Front door of the project. `make` sets up what the `lip` command needs and builds the
# shipped plan; `make test` also sets up what the tests need (Chromium, LibreOffice, npm
# packages) and runs the whole test suite.
VENV    := .venv
PY      := $(VENV)/bin/python
LIP     := $(VENV)/bin/lip
STAMP   := $(VENV)/.installed
SYSSTAMP := build/.sysdeps
# The interpreter of the virtualenv: Debian's own python3 when it is 3.11 or newer and can
# make virtualenvs. It is built with profile-guided optimisation, so every `lip` call starts
# ~40 ms (a fifth) sooner than with a python3 compiled from source (pyenv). Any python3 >= 3.11
# works: `make PYTHON3=python3.12`.
PYTHON3 ?= $(shell /usr/bin/python3 -c 'import sys, ensurepip, venv; sys.exit(sys.version_info < (3, 11))' \
             2>/dev/null && echo /usr/bin/python3 || echo python3)

.PHONY: all setup setup-build sysdeps sysdeps-build build check test bench lint clean demo launcher preview

all: build

$(STAMP): pyproject.toml
	@# --clear through a symlink would empty another checkout's virtualenv
	@if [ -L $(VENV) ]; then echo "$(VENV) verweist auf $$(readlink $(VENV)); make würde jene Umgebung leeren. Bitte den Verweis löschen (rm $(VENV)) und make erneut aufrufen." >&2; exit 1; fi
	$(PYTHON3) -m venv --clear $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Debian packages: those `lip` runs (git, poppler, rsvg-convert) for everyone, those of the
# tests (Chromium, LibreOffice, npm …) for `make test` only, so that an editor's `make` does
# not ask for packages lip never uses. Installed only when missing; needs root, as on the
# project machines.
sysdeps-build:
	@bash .ci/sysdeps.sh build
sysdeps:
	@bash .ci/sysdeps.sh

# Byte-compile the package now: with PYTHONDONTWRITEBYTECODE set (as on the project
# machines) Python would otherwise compile every module again on each `lip` call.
setup-build: $(STAMP) sysdeps-build
	@$(PY) -m compileall -q pipeline
# Everything the tests need as well (more prerequisites of `setup` below: axe-core, gitlab-ci-local).
setup: setup-build sysdeps

# The `lip` command for editors: a two-line launcher in ~/.local/bin (the user's own folder, no
# admin rights), pointing at this clone's virtualenv.
LAUNCHER := $(HOME)/.local/bin/lip
launcher: setup-build
	@mkdir -p $(dir $(LAUNCHER))
	@printf '#!/bin/sh\n# lip, angelegt von make in %s\nexec "%s" "$$@"\n' "$(CURDIR)" "$(CURDIR)/$(LIP)" > $(LAUNCHER).tmp
	@chmod 755 $(LAUNCHER).tmp && mv $(LAUNCHER).tmp $(LAUNCHER)
	@echo "Befehl lip angelegt: $(LAUNCHER)"
	@case ":$$PATH:" in *":$(HOME)/.local/bin:"*) ;; *) echo "Hinweis: $(HOME)/.local/bin steht nicht im Suchpfad. Einmal ausführen: echo 'export PATH=\"\$$HOME/.local/bin:\$$PATH\"' >> ~/.profile  (dann neu anmelden); bis dahin: $(CURDIR)/$(LIP)";; esac
	@# What an editor still has to do once (README): git's name and address, the pre-commit hook.
	@git config user.name >/dev/null 2>&1 && git config user.email >/dev/null 2>&1 || echo "Hinweis: git kennt Ihren Namen und Ihre E-Mail-Adresse noch nicht und würde jeden Commit ablehnen. Einmal je Rechner: git config --global user.name \"Vorname Name\"; git config --global user.email \"vorname.name@hannover-stadt.de\""
	@hooks=$$(git rev-parse --git-path hooks 2>/dev/null) && ! grep -qs 'lip pre-commit' "$$hooks/pre-commit" && echo "Noch einmal je Projektordner: lip hooks install (prüft vor jedem Commit den Plan)" || true

check: setup-build
	$(LIP) check

build: setup-build launcher
	@mkdir -p build
	$(LIP) check --json > build/pruefbericht.json
	$(LIP) build
	$(LIP) site

test: setup
	$(PY) -m pytest

# The whole LIP 2.0 story in a scratch repository (build/demo): drafts, acceptances, the
# Verwaltungsentwurf, Änderungsanträge, votes, Beschluss, Ergänzung, OParl, site.
demo: setup-build
	$(PY) tests/demo.py build/demo $(if $(STAND),--stand $(STAND))

bench: setup-build
	$(PY) tests/benchmarks/run.py

lint: setup
	$(VENV)/bin/ruff check pipeline tests

# Contact sheet: every page of every PDF under build/ in one PNG (build/vorschau/NAME.png),
# so that anyone can look at all pages at once after a change of a template.
PREVIEW_PDFS ?= $(wildcard build/*.pdf)
preview:
	@test -n "$(PREVIEW_PDFS)" || { echo "Keine PDF unter build/ – zuerst: make build" >&2; exit 1; }
	@mkdir -p build/vorschau
	@for pdf in $(PREVIEW_PDFS); do \
	  name=$$(basename "$$pdf" .pdf); tmp=$$(mktemp -d); \
	  pdftoppm -r 40 -png "$$pdf" "$$tmp/S" && \
	  montage -label '%t' "$$tmp"/S-*.png -tile 8x -geometry +4+4 -background '#888888' \
	    -pointsize 14 "build/vorschau/$$name.png" && \
	  echo "Vorschau: build/vorschau/$$name.png ($$(ls "$$tmp" | wc -l) Seiten)"; \
	  rm -rf "$$tmp"; \
	done

clean:
	rm -rf build/*

# Review site (issue 6): axe-core for the accessibility checks in the browser tests, from the
# npm registry into the git-ignored build/node/ (installed once).
AXE := build/node/node_modules/axe-core/axe.min.js
setup: $(AXE)
$(AXE):
	npm install --no-save --no-audit --no-fund --prefix build/node axe-core@4

# CI templates (issue 19): gitlab-ci-local runs ci/gitlab-ci.yml in the tests (shell executor),
# from the npm registry into the git-ignored build/gcl/. 4.70 is the newest that runs on
# Debian's Node.js 20 (later versions need Node 22).
GCL := build/gcl/node_modules/.bin/gitlab-ci-local
setup: $(GCL)
$(GCL):
	npm install --no-save --no-audit --no-fund --prefix build/gcl gitlab-ci-local@4.70.1
