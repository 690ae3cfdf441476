# Two commands on a fresh machine with Python 3.11: `make lab` to read, `make test` to check.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
# TensorFlow writes C++ start-up notices under the first cell that imports it; the oneDNN one is
# printed whatever the log level, unless oneDNN's custom operations are off. The kernels of
# JupyterLab and of `make execute` get these from the kernelspec; nbval's from conftest.py;
# Binder's from binder/postBuild.
KERNEL_ENV := --env TF_CPP_MIN_LOG_LEVEL 3 --env TF_ENABLE_ONEDNN_OPTS 0

.PHONY: lab test chromium execute bench

$(VENV)/installed: requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -r requirements-dev.txt
	$(BIN)/pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix $(KERNEL_ENV)
	touch $@

lab: $(VENV)/installed  ## set up, then open JupyterLab on the first notebook
	$(BIN)/jupyter lab notebooks/01_gates.ipynb

test: $(VENV)/installed chromium  ## set up, then run every test: unit, doctests, strict nbval, browser, Binder
	$(BIN)/python -m pytest

# The browser test drives Debian's Chromium (Playwright cannot download its own browser here).
# As root with apt-get, install it when missing; otherwise the test says what is missing.
chromium:
	@command -v chromium >/dev/null || [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null || \
	  { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

execute: $(VENV)/installed  ## re-run every notebook in place, refreshing its stored outputs
	cd notebooks && ../$(BIN)/jupyter nbconvert --to notebook --execute --inplace *.ipynb

bench: $(VENV)/installed  ## print the speed and memory figures
	$(BIN)/python bench/run.py
