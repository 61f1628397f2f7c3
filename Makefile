# Everything runs from a virtual environment in .venv, made on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint install clean fuzz

$(BIN)/peerkg: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/peerkg

## demo: load the bundled Gillard et al. 2013 study into a store in .peerkg-store and print every quote
demo: install
	$(BIN)/peerkg --store .peerkg-store init
	$(BIN)/peerkg --store .peerkg-store query quotes --format csv

## test: the whole test suite (Java and Chromium tests skip, saying why, where those are missing)
test: install
	$(BIN)/pytest

## fuzz: the study-package fuzzer at 2,000 mutants of the mini study and 200 of the bundled one
##       (the test suite runs 16 and 2); prints the counts of loaded, refused and crashed
fuzz: install
	PEERKG_FUZZ=2000 $(BIN)/pytest tests/test_fuzz.py -s -q

## lint: ruff, and the import-layers contract (pyproject.toml [tool.importlinter])
lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) .peerkg-store build *.egg-info
