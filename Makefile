# Two commands on a fresh machine with Python 3.11: `make lab` to read, `make test` to check.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin

.PHONY: lab test chromium execute bench

$(VENV)/installed: requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -r requirements-dev.txt
	$(BIN)/pip install --quiet --no-deps -e .
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
	cd notebooks && TF_CPP_MIN_LOG_LEVEL=3 ../$(BIN)/jupyter nbconvert --to notebook --execute --inplace *.ipynb

bench: $(VENV)/installed  ## print the speed and memory figures
	$(BIN)/python bench/run.py
