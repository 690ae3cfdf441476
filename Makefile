# Two commands on a fresh machine with Python 3.11, 3.12 or 3.13: `make lab` to read, `make test`
# to check. `make PYTHON=/path/to/python3.12 ...` chooses the interpreter.
SUPPORTED := python3.11 python3.12 python3.13 python3
# pyenv shims answer only for the active versions: make every installed one visible to this
# Makefile, to nox and to uv (the test environments ask for 3.11, 3.12 and 3.13).
ifndef PYENV_VERSION
export PYENV_VERSION := $(shell pyenv versions --bare 2>/dev/null | paste -sd: -)
endif
ifndef PYTHON  # the first of SUPPORTED that runs and is 3.11 to 3.13
PYTHON := $(firstword $(foreach p,$(SUPPORTED),$(shell PYENV_VERSION=$(PYENV_VERSION) $(p) -c \
  'import sys; assert (3, 11) <= sys.version_info[:2] <= (3, 13)' >/dev/null 2>&1 && echo $(p))))
endif
VENV := .venv
BIN := $(VENV)/bin
# TensorFlow writes C++ start-up notices under the first cell that imports it; the oneDNN one is
# printed whatever the log level, unless oneDNN's custom operations are off. The kernels of
# JupyterLab and of `make execute` get these from the kernelspec; nbval's from conftest.py;
# Binder's from binder/postBuild.
KERNEL_ENV := --env TF_CPP_MIN_LOG_LEVEL 3 --env TF_ENABLE_ONEDNN_OPTS 0

.PHONY: lab test test-pinned chromium axe execute bench site

$(VENV)/installed: requirements.txt requirements-dev.txt pyproject.toml
	@[ -n "$(PYTHON)" ] || { echo "make: no Python 3.11, 3.12 or 3.13 found (tried $(SUPPORTED));" \
	  "install one, or name it: make PYTHON=/path/to/python3.12 $(MAKECMDGOALS)" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -r requirements-dev.txt
	$(BIN)/pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix $(KERNEL_ENV)
	touch $@

lab: $(VENV)/installed  ## set up, then open JupyterLab on the first notebook
	$(BIN)/jupyter lab notebooks/01_gates.ipynb

test: $(VENV)/installed chromium axe site  ## set up, then run every test: the pinned environment, then the others
	$(BIN)/python -m pytest
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/nox  # uv and nox from .venv

test-pinned: $(VENV)/installed chromium axe site  ## only the pinned environment: unit, doctests, strict nbval, browser, Binder, site
	$(BIN)/python -m pytest

# The browser test drives Debian's Chromium (Playwright cannot download its own browser here).
# As root with apt-get, install it when missing; otherwise the test says what is missing.
chromium:
	@command -v chromium >/dev/null || [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null || \
	  { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

# axe-core, the accessibility rules the browser tests run on every page of the site and on the app
# in JupyterLab: the version tests/package-lock.json pins, from npm into tests/node_modules/. As
# root with apt-get, install npm when missing; otherwise the tests say what is missing.
AXE := tests/node_modules/axe-core/axe.min.js
axe: $(AXE)
$(AXE): tests/package.json tests/package-lock.json
	@command -v npm >/dev/null || [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null || \
	  { apt-get update -qq && apt-get install -y -qq npm >/dev/null; }
	@if command -v npm >/dev/null; then cd tests && npm ci --no-audit --no-fund --loglevel=error && \
	  touch node_modules/axe-core/axe.min.js; \
	  else echo "make: no npm to install axe-core with: the accessibility tests will say so" >&2; fi

execute: $(VENV)/installed  ## re-run every notebook and solution in place, refreshing its stored outputs
	cd notebooks && ../$(BIN)/jupyter nbconvert --to notebook --execute --inplace *.ipynb
	cd notebooks/solutions && ../../$(BIN)/jupyter nbconvert --to notebook --execute --inplace *.ipynb

bench: $(VENV)/installed  ## print the speed and memory figures
	$(BIN)/python bench/run.py

site: $(VENV)/installed  ## build the website into build/site/ from the stored notebooks
	$(BIN)/python site/build.py
