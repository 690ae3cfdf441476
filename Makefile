# Two commands on a fresh machine with Python 3.11: `make lab` reads, `make test` checks.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin

.PHONY: lab test execute bench

$(VENV)/installed: requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -r requirements-dev.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

lab: $(VENV)/installed  ## set up, then open JupyterLab on the first notebook
	$(BIN)/jupyter lab notebooks/01_gates.ipynb

test: $(VENV)/installed  ## set up, then run every test: unit, doctests, strict nbval, browser, Binder
	$(BIN)/python -m pytest

execute: $(VENV)/installed  ## re-run every notebook in place, refreshing its stored outputs
	TF_CPP_MIN_LOG_LEVEL=3 $(BIN)/jupyter nbconvert --to notebook --execute --inplace notebooks/*.ipynb

bench: $(VENV)/installed  ## print the speed and memory figures
	$(BIN)/python bench/run.py
